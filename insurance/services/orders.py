"""Order events from checkout systems, and what they do to the order's policies."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from config import clock
from config.errors import ApplicationError, NotFoundError
from insurance.models import (
    ClaimTrigger,
    CoverEnd,
    CoverStart,
    Merchant,
    OrderEvent,
    OrderEventKind,
    Policy,
    PolicyStatus,
)
from insurance.selectors import order_event_kinds
from insurance.services.policies import (
    policy_complete,
    policy_cover_start,
    policy_end,
    policy_note,
    policy_refund_due,
)
from outbox.services import outbox_enqueue

# The claims app runs this task: insurance records the need, claims opens the claim.
OPEN_EVENT_CLAIM_TASK = "claims.open_event_claim"


@dataclass(frozen=True)
class OrderEventResult:
    event: OrderEvent
    policies: list[Policy]
    claims_opening: int


# A clock a little off from ours is tolerated.
CLOCK_SKEW = timedelta(minutes=5)


def _check_event_time(occurred_at: datetime, *, earliest: datetime) -> None:
    """An order event happens after its policies were issued (at checkout) and not later than
    now: anything else would start or end cover at a time that never was."""
    if not earliest - CLOCK_SKEW <= occurred_at <= clock.now() + CLOCK_SKEW:
        raise ApplicationError(
            "event_time_out_of_range",
            "occurred_at must be between the order's checkout and now.",
            fields={"occurred_at": [f"Not before {earliest.isoformat()} nor in the future."]},
        )


def _opens_claim(policy: Policy, kind: str) -> bool:
    product = policy.product
    return product.claim_trigger == ClaimTrigger.ORDER_EVENT and product.claim_event == kind


def order_event_record(
    *,
    merchant: Merchant,
    order_ref: str,
    kind: str,
    occurred_at: datetime,
    tracking_number: str = "",
    actor: str,
) -> OrderEventResult:
    """What happened to an order, applied to each of its active policies as its product says:
    delivery starts the cover of products whose cover starts then, completion ends the cover
    of those that end with the order, cancellation ends any with the product's refund, and a
    product's claim event opens its claim (in a worker, through the outbox)."""
    if kind not in order_event_kinds():
        raise ApplicationError(
            "unknown_event_kind",
            f"No product acts on {kind!r} order events.",
            fields={"kind": [f"One of {sorted(order_event_kinds())}."]},
        )
    claims_opening = 0
    with transaction.atomic():
        policies = list(
            Policy.objects.select_for_update()
            .select_related("product")
            .filter(merchant=merchant, order_ref=order_ref)
            .order_by("pk")
        )
        if not policies:
            raise NotFoundError("order_not_found", f"No policy covers order {order_ref!r}.")
        _check_event_time(occurred_at, earliest=min(policy.issued_at for policy in policies))
        if not tracking_number and any(
            _opens_claim(policy, kind) and policy.product.tracking_number_required
            for policy in policies
        ):
            raise ApplicationError(
                "missing_input",
                f"A {kind} event needs its tracking number.",
                fields={"tracking_number": [f"Required for {kind}."]},
            )
        event = OrderEvent.objects.create(
            merchant=merchant,
            order_ref=order_ref,
            kind=kind,
            tracking_number=tracking_number,
            occurred_at=occurred_at,
        )
        for policy in policies:
            if policy.status != PolicyStatus.ACTIVE:
                continue
            product = policy.product
            if kind == OrderEventKind.DELIVERED and policy.delivered_at is None:
                Policy.objects.filter(pk=policy.pk).update(delivered_at=occurred_at)
                policy.delivered_at = occurred_at
                if product.cover_starts == CoverStart.DELIVERY:
                    policy_cover_start(
                        policy=policy,
                        at=occurred_at,
                        actor=actor,
                        reason="order delivered: cover starts",
                    )
            elif kind == OrderEventKind.COMPLETED:
                if product.cover_ends == CoverEnd.ORDER_COMPLETED:
                    policy_complete(policy=policy, actor=actor, reason="order completed")
            elif kind == OrderEventKind.CANCELLED:
                policy_end(
                    policy=policy,
                    to_status=PolicyStatus.CANCELLED,
                    actor=actor,
                    reason="order cancelled",
                    refund=policy_refund_due(policy=policy, now=occurred_at),
                    now=occurred_at,
                )
            elif _opens_claim(policy, kind) and policy.claim_event_at is None:
                Policy.objects.filter(pk=policy.pk).update(
                    claim_event_at=occurred_at, claim_event_reference=tracking_number
                )
                policy.claim_event_at, policy.claim_event_reference = occurred_at, tracking_number
                policy_note(
                    policy=policy,
                    actor=actor,
                    reason=f"{kind} ({tracking_number or 'no reference'}): claim opening",
                )
                outbox_enqueue(
                    task_name=OPEN_EVENT_CLAIM_TASK,
                    kwargs={"policy_id": policy.pk, "reference": tracking_number},
                )
                claims_opening += 1
    return OrderEventResult(event=event, policies=policies, claims_opening=claims_opening)
