"""Adjudication: hard rules, soft signals, and the decision to reject, send to review or approve
and pay."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from claims.models import (
    Claim,
    ClaimStatus,
    RejectReason,
)
from claims.payouts import payout_provider
from claims.services.evidence import Screening, rules_for, screening_run
from claims.services.payment import PAY_TASK, claim_pay, payment_record, payment_safety_net
from claims.services.transitions import WORKER_ACTOR, claim_payload, claim_transition
from config import clock
from config.errors import ConflictError
from insurance.models import (
    ClaimWindowStart,
    Policy,
    PolicyStatus,
    WebhookEventType,
)
from insurance.services.webhooks import webhook_events_emit
from outbox.models import OutboxTask
from outbox.services import outbox_complete, outbox_enqueue


def _window_ends(policy: Policy) -> timezone.datetime:
    start = {
        ClaimWindowStart.ISSUANCE: policy.issued_at,
        ClaimWindowStart.DELIVERY: policy.delivered_at,
        ClaimWindowStart.COVER_START: policy.cover_starts_at,
    }[policy.product.claim_window_start] or policy.issued_at
    return start + timedelta(hours=policy.claim_window_hours)


def _hard_rule(claim: Claim, policy: Policy, photo_count: int) -> RejectReason | None:
    """The first hard rule the claim breaks, if any: the only grounds for an automatic no."""
    covered = policy.cover_starts_at is not None and policy.cover_starts_at <= claim.submitted_at
    if policy.status != PolicyStatus.ACTIVE or not covered:
        return RejectReason.NO_ACTIVE_POLICY
    if claim.submitted_at > _window_ends(policy):
        return RejectReason.OUTSIDE_WINDOW
    others = (
        Claim.objects.filter(policy=policy)
        .exclude(pk=claim.pk)
        .exclude(status=ClaimStatus.REJECTED)
        .aggregate(
            earlier=Count("id", filter=Q(pk__lt=claim.pk)),
            promised=Sum("amount", filter=Q(status=ClaimStatus.APPROVED)),
        )
    )
    limit = policy.product.claims_per_policy
    if limit and others["earlier"] >= limit:
        return RejectReason.DUPLICATE_CLAIM
    if claim.amount > policy.remaining_cover - (others["promised"] or 0):
        return RejectReason.ABOVE_COVER
    if policy.product.photo_required and not photo_count:
        return RejectReason.MISSING_PHOTO
    return None


def claim_screen(*, claim_id: int, outbox_id: int | None = None) -> Claim:
    """Decide a submitted claim: reject on a hard rule, send to review on a soft signal,
    approve and pay otherwise.

    Idempotent and safe to run twice at once: every move is a guarded update, and a claim
    already past screening is left as it is. A claim with photos is marked as screening (and
    committed) before the slow photo work; one without goes through in a single transaction.
    """
    claim = Claim.objects.get(pk=claim_id)
    photos = list(claim.photos.all())
    if claim.status == ClaimStatus.SUBMITTED and photos:
        try:
            with transaction.atomic():
                claim_transition(claim=claim, to_status=ClaimStatus.SCREENING, actor=WORKER_ACTOR)
        except ConflictError:  # another worker got there first
            claim.refresh_from_db()
    if claim.status not in (ClaimStatus.SUBMITTED, ClaimStatus.SCREENING):
        with transaction.atomic():
            outbox_complete(outbox_id=outbox_id)
        return claim
    screening = screening_run(claim, photos, rules_for(claim.product_id))
    provider = payout_provider()
    with transaction.atomic():
        policy = (
            Policy.objects.select_for_update().select_related("product").get(pk=claim.policy_id)
        )
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        payment = claim_settle(claim, policy, screening, provider)
        outbox_complete(outbox_id=outbox_id)
    if payment is not None:
        return claim_pay(claim_id=claim.pk, outbox_id=payment.pk)
    return claim


def claim_settle(claim: Claim, policy: Policy, screening: Screening, provider) -> OutboxTask | None:
    """Screened, decided and, if approved, paid, in the caller's transaction (which holds the
    claim's and the policy's rows). An outside provider is paid after the commit: its
    payment record is returned, to be completed then (or sent again by the sweeper)."""
    if claim.status == ClaimStatus.SUBMITTED:
        claim_transition(claim=claim, to_status=ClaimStatus.SCREENING, actor=WORKER_ACTOR)
    if claim.status != ClaimStatus.SCREENING or not _decide(claim, policy, screening):
        return None
    if provider.settles_in_transaction:
        payment_record(claim, policy, provider)
        return None
    return outbox_enqueue(
        task_name=PAY_TASK, kwargs={"claim_id": claim.pk}, delay=payment_safety_net()
    )


def _decide(claim: Claim, policy: Policy, screening: Screening) -> bool:
    """Reject, send to review, or approve (caller's transaction); True when approved."""
    now = clock.now()
    failure = _hard_rule(claim, policy, screening.photo_count)
    if failure is not None:
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.REJECTED,
            actor=WORKER_ACTOR,
            reason=failure.label,
            changes={"reason_code": failure.value, "decided_at": now},
        )
        webhook_events_emit(
            merchant_id=claim.merchant_id,
            event_type=WebhookEventType.CLAIM_DECIDED,
            payloads=[claim_payload(claim)],
        )
        return False
    if screening.signals:
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.NEEDS_REVIEW,
            actor=WORKER_ACTOR,
            # Codes only: the details (other claims, other merchants) are for reviewers.
            reason="sent to a reviewer: " + ", ".join(s.code for s in screening.signals),
            changes={
                "review_reasons": [
                    {"code": s.code, "reason": s.reason, "weight": s.weight, **s.details}
                    for s in screening.signals
                ],
                "risk_score": min(sum(s.weight for s in screening.signals), 100),
            },
        )
        return False
    approval_record(claim, actor=WORKER_ACTOR, reason="all rules passed, no signals", now=now)
    return True


def approval_record(claim: Claim, *, actor: str, reason: str, now) -> None:
    claim_transition(
        claim=claim,
        to_status=ClaimStatus.APPROVED,
        actor=actor,
        reason=reason,
        changes={"decided_at": now},
    )
    webhook_events_emit(
        merchant_id=claim.merchant_id,
        event_type=WebhookEventType.CLAIM_DECIDED,
        payloads=[claim_payload(claim)],
    )
