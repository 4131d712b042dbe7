"""Order events from checkout systems, and what they do to the order's policies."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from config import clock
from config.errors import ApplicationError, NotFoundError
from insurance.models import (
    ClaimTrigger,
    Exposure,
    Merchant,
    OrderEvent,
    OrderEventKind,
    Policy,
    PolicyEvent,
    PolicyStatus,
)
from insurance.services.policies import policy_complete, policy_end, policy_refund_due
from outbox.services import outbox_enqueue

# The claims app runs this task: insurance records the need, claims opens the claim.
OPEN_RETURN_CLAIM_TASK = "claims.open_return_claim"


@dataclass(frozen=True)
class OrderEventResult:
    event: OrderEvent
    policies: list[Policy]
    claims_opening: int


def _note(policy: Policy, actor: str, reason: str) -> None:
    """An event row for a change that keeps the status (delivery, a shipped return)."""
    PolicyEvent.objects.create(
        policy=policy,
        from_status=policy.status,
        to_status=policy.status,
        actor=actor,
        reason=reason,
    )


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


def order_event_record(
    *,
    merchant: Merchant,
    order_ref: str,
    kind: str,
    occurred_at: datetime,
    tracking_number: str = "",
    actor: str,
) -> OrderEventResult:
    if kind == OrderEventKind.RETURN_SHIPPED and not tracking_number:
        raise ApplicationError(
            "missing_input",
            "A shipped return needs its tracking number.",
            fields={"tracking_number": ["Required for return_shipped."]},
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
            if policy.product.exposure != Exposure.ORDER_VALUE:
                continue  # deposit cover follows its term, not an order
            if kind == OrderEventKind.DELIVERED and policy.delivered_at is None:
                Policy.objects.filter(pk=policy.pk).update(
                    delivered_at=occurred_at, cover_starts_at=occurred_at
                )
                policy.delivered_at = policy.cover_starts_at = occurred_at
                _note(policy, actor, "order delivered: cover starts")
            elif (
                kind == OrderEventKind.RETURN_SHIPPED
                and policy.return_shipped_at is None
                and policy.product.claim_trigger == ClaimTrigger.RETURN_SHIPPED
            ):
                Policy.objects.filter(pk=policy.pk).update(
                    return_shipped_at=occurred_at, return_tracking_number=tracking_number
                )
                policy.return_shipped_at = occurred_at
                policy.return_tracking_number = tracking_number
                _note(policy, actor, f"return shipped ({tracking_number}): claim opening")
                outbox_enqueue(
                    task_name=OPEN_RETURN_CLAIM_TASK,
                    kwargs={"policy_id": policy.pk, "tracking_number": tracking_number},
                )
                claims_opening += 1
            elif kind == OrderEventKind.COMPLETED:
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
    return OrderEventResult(event=event, policies=policies, claims_opening=claims_opening)
