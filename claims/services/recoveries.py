"""Recoveries (deposit insurance): what the merchant repays or what is written off."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from claims.models import (
    Claim,
    ClaimStatus,
    Recovery,
)
from claims.services.transitions import claim_note, claim_transition
from config import clock
from config.errors import ApplicationError, ConflictError, NotFoundError
from insurance.services.policies import policy_record_recovery


def _open_recovery(claim_id: int) -> tuple[Claim, Recovery]:
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.")
    if claim.status != ClaimStatus.RECOVERY_PENDING:
        raise ConflictError(
            "no_recovery_pending", f"Claim {claim_id} has no recovery pending ({claim.status})."
        )
    return claim, Recovery.objects.select_for_update().get(claim=claim)


def recovery_record_repayment(*, claim_id: int, amount: Decimal, actor: str) -> Recovery:
    """The merchant paid back some or all of what it owes."""
    with transaction.atomic():
        claim, recovery = _open_recovery(claim_id)
        if amount <= 0 or amount > recovery.outstanding:
            raise ApplicationError(
                "invalid_amount",
                f"A repayment must be above 0 and at most {recovery.outstanding}.",
                fields={"amount": ["Out of range."]},
            )
        recovery.amount_repaid += amount
        # Each repayment is its own journal entry, named by the running total it brings.
        policy_record_recovery(
            policy_id=claim.policy_id,
            claim_id=claim.pk,
            amount=amount,
            written_off=False,
            journal_ref=f"recovery:{claim.pk}:{recovery.amount_repaid}",
        )
        claim_note(claim=claim, actor=actor, reason=f"merchant repaid {amount}")
        if recovery.outstanding == 0:
            recovery.closed_at = clock.now()
            claim_transition(
                claim=claim, to_status=ClaimStatus.RECOVERED, actor=actor, reason="repaid in full"
            )
        recovery.save(update_fields=["amount_repaid", "closed_at"])
    return recovery


def recovery_write_off(*, claim_id: int, actor: str, note: str) -> Recovery:
    """Stop asking: what is still owed is written off."""
    with transaction.atomic():
        claim, recovery = _open_recovery(claim_id)
        remainder = recovery.outstanding
        recovery.amount_written_off += remainder
        recovery.closed_at = clock.now()
        recovery.save(update_fields=["amount_written_off", "closed_at"])
        policy_record_recovery(
            policy_id=claim.policy_id,
            claim_id=claim.pk,
            amount=remainder,
            written_off=True,
            journal_ref=f"recovery:{claim.pk}:written-off",
        )
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.WRITTEN_OFF,
            actor=actor,
            reason=f"{remainder} written off: {note}",
        )
    return recovery
