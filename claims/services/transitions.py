"""The claim state machine: one guarded move with its event row, and what a claim tells the
world (its reference and webhook payload)."""

from __future__ import annotations

import logging

from claims.models import (
    CLAIM_TRANSITIONS,
    Claim,
    ClaimEvent,
)
from config.transitions import status_event, status_move
from insurance.money import money_text

logger = logging.getLogger(__name__)

WORKER_ACTOR = "system:adjudicator"


def claim_transition(
    *, claim: Claim, to_status: str, actor: str, reason: str = "", changes: dict | None = None
) -> None:
    """Move a claim along one edge of the transition table, with its event row (a guarded
    update: 409 claim_state_changed if another process moved it first, and the transaction
    the move is part of is aborted)."""
    status_move(
        row=claim,
        transitions=CLAIM_TRANSITIONS,
        event_model=ClaimEvent,
        to_status=to_status,
        actor=actor,
        reason=reason,
        changes=changes,
    )


def claim_note(*, claim: Claim, actor: str, reason: str) -> None:
    """An event row for a change that keeps the claim's status (assigned, a repayment)."""
    status_event(row=claim, event_model=ClaimEvent, actor=actor, reason=reason)


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
