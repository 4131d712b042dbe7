"""Reviewers: assign, approve (with its undo window), reject, confirm fraud."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from claims.models import (
    Claim,
    ClaimStatus,
    ReviewerRejectReason,
)
from claims.services.adjudication import approval_record
from claims.services.payment import PAY_TASK
from claims.services.transitions import claim_note, claim_payload, claim_ref, claim_transition
from config import clock
from config.errors import ApplicationError, ConflictError, NotFoundError
from config.transitions import guarded_update
from fraud.services import (
    fraud_confirm,
)
from insurance.models import (
    WebhookEventType,
)
from insurance.services.webhooks import webhook_events_emit
from outbox.models import OutboxTask
from outbox.services import outbox_enqueue


def _reviewable(claim_id: int) -> Claim:
    claim = Claim.objects.select_related("policy__product").filter(pk=claim_id).first()
    if claim is None:
        raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.")
    if claim.status != ClaimStatus.NEEDS_REVIEW:
        raise ConflictError(
            "claim_already_decided",
            f"Claim {claim_id} is {claim.get_status_display().lower()}; "
            "someone decided it already.",
        )
    return claim


def claim_assign(*, claim_id: int, reviewer, actor: str) -> Claim:
    """Give a claim that needs review to a reviewer. Refused if it no longer needs review at
    the moment of the update (another reviewer decided it meanwhile)."""
    claim = _reviewable(claim_id)
    with transaction.atomic():
        guarded_update(
            row=claim,
            status=ClaimStatus.NEEDS_REVIEW,
            changes={"assigned_to": reviewer},
            conflict=ConflictError(
                "claim_already_decided",
                f"Claim {claim_id} no longer needs a review; someone decided it already.",
            ),
        )
        claim_note(claim=claim, actor=actor, reason=f"assigned to {reviewer}")
    return claim


def _undo_window() -> timedelta:
    return timedelta(seconds=settings.CLAIM_APPROVAL_UNDO_SECONDS)


def claim_approve(*, claim_id: int, actor: str, note: str = "") -> Claim:
    """A reviewer approves. The payout is recorded in the same transaction but held for the
    undo window: the sweeper sends it once the window has passed (never lost, since the row
    is there), and until then claim_approval_undo can take it back."""
    claim = _reviewable(claim_id)
    with transaction.atomic():
        approval_record(
            claim, actor=actor, reason=note or "approved by a reviewer", now=clock.now()
        )
        outbox_enqueue(
            task_name=PAY_TASK, kwargs={"claim_id": claim.pk}, delay=_undo_window() or None
        )
        Claim.objects.filter(pk=claim.pk).update(decision_note=note)
    return claim


def _held_payout(claim_id: int):
    """The approved claim's payout while it is still held (not sent to a worker yet)."""
    return OutboxTask.objects.filter(
        task_name=PAY_TASK, kwargs__claim_id=claim_id, attempts=0, available_at__gt=clock.now()
    )


def claim_approval_undo(*, claim_id: int, actor: str) -> Claim:
    """Take back a reviewer's approval within its undo window: the held payout is cancelled
    and the claim goes back to the queue, with its event row.

    Both are guarded: the payout row is deleted only while unsent (the sweeper marks a row it
    sends), and the claim moves only from approved. If the window has passed, nothing changes.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None:
            raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.")
        held, _ = _held_payout(claim_id).delete()
        if claim.status != ClaimStatus.APPROVED or not held:
            raise ConflictError(
                "claim_state_changed",
                f"Claim {claim_id}'s payout is on its way; the approval can no longer be undone.",
            )
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.NEEDS_REVIEW,
            actor=actor,
            reason=f"approval undone by {actor}",
            changes={"decided_at": None, "decision_note": ""},
        )
        webhook_events_emit(
            merchant_id=claim.merchant_id,
            event_type=WebhookEventType.CLAIM_DECIDED,
            payloads=[claim_payload(claim)],
        )
    return claim


def claim_approval_undo_until(*, claim: Claim):
    """Until when the claim's approval can be undone, or None."""
    if claim.status != ClaimStatus.APPROVED:
        return None
    return _held_payout(claim.pk).values_list("available_at", flat=True).first()


def claim_reject(*, claim_id: int, actor: str, reason_code: str, note: str = "") -> Claim:
    if reason_code not in ReviewerRejectReason.values:
        raise ApplicationError(
            "invalid_reason",
            f"Choose a reason: {', '.join(ReviewerRejectReason.values)}.",
            fields={"reason_code": ["Unknown reason."]},
        )
    claim = _reviewable(claim_id)
    label = ReviewerRejectReason(reason_code).label
    with transaction.atomic():
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.REJECTED,
            actor=actor,
            reason=f"{label}: {note}" if note else label,
            changes={
                "reason_code": reason_code,
                "decision_note": note,
                "decided_at": clock.now(),
            },
        )
        webhook_events_emit(
            merchant_id=claim.merchant_id,
            event_type=WebhookEventType.CLAIM_DECIDED,
            payloads=[claim_payload(claim)],
        )
    return claim


def claim_confirm_fraud(*, claim_id: int, actor: str, note: str = "") -> tuple[Claim, int]:
    """Reject as fraud and lower the claimant's trust level. Returns the claim and the level."""
    with transaction.atomic():
        claim = claim_reject(
            claim_id=claim_id,
            actor=actor,
            reason_code=ReviewerRejectReason.FRAUD_CONFIRMED,
            note=note,
        )
        level = fraud_confirm(
            claimant_ref=claim.claimant_ref, claim_ref=claim_ref(claim), actor=actor
        )
    return claim, level
