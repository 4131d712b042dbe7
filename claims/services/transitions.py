"""The claim state machine: one guarded move with its event row, and what a claim tells the
world (its reference and webhook payload)."""

from __future__ import annotations

import logging

from django.db import transaction

from claims.models import (
    CLAIM_TRANSITIONS,
    Claim,
    ClaimEvent,
)
from config.errors import ConflictError
from insurance.money import money_text

logger = logging.getLogger(__name__)

WORKER_ACTOR = "system:adjudicator"


def claim_transition(
    *, claim: Claim, to_status: str, actor: str, reason: str = "", changes: dict | None = None
) -> None:
    """Move a claim along one edge of the transition table, with its event row.

    A guarded UPDATE ... WHERE status = <from>: if another process moved the claim first, the
    row count is 0, nothing is written, and the caller gets a conflict. The conflict aborts
    the transaction the move is part of: a caller that goes on after one gives the move its
    own atomic block.
    """
    from_status = claim.status
    if to_status not in CLAIM_TRANSITIONS[from_status]:
        raise ConflictError(
            "invalid_transition", f"A claim cannot go from {from_status} to {to_status}."
        )
    changes = {"status": to_status, **(changes or {})}
    # No savepoint: a refused move aborts whatever transaction it is part of.
    with transaction.atomic(savepoint=False):
        if Claim.objects.filter(pk=claim.pk, status=from_status).update(**changes) != 1:
            raise ConflictError(
                "claim_state_changed",
                f"Claim {claim.pk} is no longer {from_status}: someone else acted on it first.",
            )
        ClaimEvent.objects.create(
            claim=claim,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason[:500],
        )
    for name, value in changes.items():
        setattr(claim, name, value)


def claim_ref(claim: Claim) -> str:
    return f"claim:{claim.pk}"


def claim_payload(claim: Claim) -> dict:
    return {
        "claim_id": claim.pk,
        "policy_id": claim.policy_id,
        "status": claim.status,
        "amount": money_text(claim.amount, claim.currency),
        "currency": claim.currency,
        "reason_code": claim.reason_code,
    }
