from datetime import timedelta
from decimal import Decimal

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from claims import tasks
from claims.models import (
    CLAIM_TRANSITIONS,
    Claim,
    ClaimEvent,
    ClaimPhoto,
    ClaimStatus,
    Payout,
    RejectReason,
)
from config.errors import ApplicationError, ConflictError
from insurance.models import Merchant
from insurance.selectors import policy_get_for_merchant
from insurance.services.policies import policy_record_payout

WORKER_ACTOR = "system:adjudicator"
# Claims on the same policy that still count: a rejected one does not block a new one.
_LIVE_STATUSES = [s for s in ClaimStatus if s != ClaimStatus.REJECTED]


def claim_transition(
    *, claim: Claim, to_status: str, actor: str, reason: str = "", reason_code: str = ""
) -> None:
    """Move a claim along one edge of the transition table, or fail loudly.

    A guarded UPDATE ... WHERE status = <from>: if another process moved the claim first, the
    row count is 0 and nothing is written. The event row goes in the same transaction.
    """
    from_status = claim.status
    if to_status not in CLAIM_TRANSITIONS[from_status]:
        raise ApplicationError(
            "invalid_transition", f"A claim cannot go from {from_status} to {to_status}."
        )
    now = timezone.now()
    changes: dict = {"status": to_status}
    if to_status in {ClaimStatus.APPROVED, ClaimStatus.REJECTED}:
        changes["decided_at"] = now
        changes["reason_code"] = reason_code
    with transaction.atomic():
        updated = Claim.objects.filter(pk=claim.pk, status=from_status).update(**changes)
        if updated != 1:
            raise ConflictError(
                "claim_state_changed", f"Claim {claim.pk} is no longer {from_status}."
            )
        ClaimEvent.objects.create(
            claim=claim,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason or reason_code,
        )
    for field, value in changes.items():
        setattr(claim, field, value)


def claim_submit(
    *,
    merchant: Merchant,
    policy_id: int,
    claimant_ref: str,
    amount: Decimal,
    description: str,
    photos: list[File],
    actor: str,
) -> Claim:
    if amount <= 0:
        raise ApplicationError(
            "invalid_amount", "amount must be positive.", fields={"amount": ["> 0"]}
        )
    policy = policy_get_for_merchant(merchant=merchant, policy_id=policy_id)
    with transaction.atomic():
        claim = Claim.objects.create(
            merchant=merchant,
            policy=policy,
            claimant_ref=claimant_ref,
            amount=amount,
            currency=policy.currency,
            description=description,
        )
        ClaimEvent.objects.create(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=actor)
        for photo in photos:
            ClaimPhoto.objects.create(claim=claim, image=photo)
        transaction.on_commit(lambda: tasks.claim_adjudicate_task.delay(claim.pk))
    return claim


def _hard_rule_failure(claim: Claim) -> RejectReason | None:
    policy = claim.policy
    product = policy.product
    if policy.status != "active":
        return RejectReason.NO_ACTIVE_POLICY
    if claim.submitted_at > policy.issued_at + timedelta(hours=product.claim_window_hours):
        return RejectReason.OUTSIDE_WINDOW
    if (
        Claim.objects.filter(policy=policy, status__in=_LIVE_STATUSES)
        .exclude(pk=claim.pk)
        .filter(submitted_at__lte=claim.submitted_at)
        .exists()
    ):
        return RejectReason.DUPLICATE_CLAIM
    if claim.amount > policy.cover:
        return RejectReason.ABOVE_COVER
    if product.photo_required and not claim.photos.exists():
        return RejectReason.MISSING_PHOTO
    return None


def claim_adjudicate(*, claim_id: int) -> Claim:
    """Screen a submitted claim and decide it, in one transaction: a crash leaves it submitted.

    Idempotent: a claim that is no longer submitted is returned untouched.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("policy__product").get(pk=claim_id)
        if claim.status != ClaimStatus.SUBMITTED:
            return claim
        claim_transition(claim=claim, to_status=ClaimStatus.SCREENING, actor=WORKER_ACTOR)
        failure = _hard_rule_failure(claim)
        if failure is not None:
            claim_transition(
                claim=claim,
                to_status=ClaimStatus.REJECTED,
                actor=WORKER_ACTOR,
                reason=failure.label,
                reason_code=failure.value,
            )
            return claim
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.APPROVED,
            actor=WORKER_ACTOR,
            reason="all rules passed",
        )
        transaction.on_commit(lambda: tasks.claim_pay_task.delay(claim.pk))
    return claim


def claim_pay(*, claim_id: int) -> Claim:
    """Pay an approved claim exactly once: the payout row and the move to paid commit together."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("policy").get(pk=claim_id)
        if claim.status != ClaimStatus.APPROVED:
            return claim
        Payout.objects.create(claim=claim, amount=claim.amount, currency=claim.currency)
        claim_transition(claim=claim, to_status=ClaimStatus.PAID, actor=WORKER_ACTOR)
        policy_record_payout(
            policy_id=claim.policy_id,
            claim_id=claim.pk,
            amount=claim.amount,
            recoverable=False,
            actor=WORKER_ACTOR,
        )
    return claim
