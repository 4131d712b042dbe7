"""Claims: everything that changes a claim's state, one module per concern.

transitions (the state machine), intake (claims filed or opened), evidence (what the photos
and the claimant say), adjudication (the automatic decision), payment (paid exactly once),
reviews (the reviewers' decisions) and recoveries (deposit insurance). Other code calls the
services named here.
"""

from claims.services.adjudication import claim_screen
from claims.services.evidence import claim_rules_forget
from claims.services.intake import (
    SCREEN_TASK,
    claim_file_for_buyer,
    claim_open_for_event,
    claim_submit,
)
from claims.services.payment import PAY_TASK, claim_pay
from claims.services.recoveries import recovery_record_repayment, recovery_write_off
from claims.services.reviews import (
    claim_approval_undo,
    claim_approval_undo_until,
    claim_approve,
    claim_assign,
    claim_confirm_fraud,
    claim_reject,
)
from claims.services.transitions import claim_transition

__all__ = [
    "PAY_TASK",
    "SCREEN_TASK",
    "claim_approval_undo",
    "claim_approval_undo_until",
    "claim_approve",
    "claim_assign",
    "claim_confirm_fraud",
    "claim_file_for_buyer",
    "claim_open_for_event",
    "claim_pay",
    "claim_reject",
    "claim_rules_forget",
    "claim_screen",
    "claim_submit",
    "claim_transition",
    "recovery_record_repayment",
    "recovery_write_off",
]
