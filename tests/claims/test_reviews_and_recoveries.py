"""Reviewer decisions (audited, once), confirmed fraud lowering trust, deposit recoveries."""

import threading
from datetime import timedelta
from decimal import Decimal
from itertools import product as pairs

import pytest
from django.db import connection, transaction

from claims.models import (
    CLAIM_TRANSITIONS,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Recovery,
)
from claims.services import (
    claim_approval_undo,
    claim_approval_undo_until,
    claim_approve,
    claim_assign,
    claim_confirm_fraud,
    claim_file_for_buyer,
    claim_pay,
    claim_reject,
    claim_screen,
    claim_transition,
    recovery_record_repayment,
    recovery_write_off,
)
from config import clock
from config.clock import clock_at
from config.errors import ApplicationError, ConflictError
from fraud.models import TrustChange
from fraud.selectors import claimant_trust_level
from insurance.models import Account, Policy
from insurance.selectors import ledger_balances
from outbox.models import OutboxTask
from outbox.services import outbox_sweep
from tests.claims.conftest import delivered_policy
from tests.claims.helpers import photo, set_rules, submit
from tests.factories import PolicyFactory
from tests.insurance.helpers import DEPOSIT, PRODUCE, issue
from tests.processes import lock_waiters, wait_for

pytestmark = pytest.mark.django_db


# The moves a claim may make, written out here rather than read from the table under test,
# so that a wrong edge in the table fails this test.
CLAIM_EDGES = {
    ("submitted", "screening"),
    ("screening", "approved"),
    ("screening", "needs_review"),
    ("screening", "rejected"),
    ("needs_review", "approved"),
    ("needs_review", "rejected"),
    ("approved", "paid"),
    ("approved", "needs_review"),  # a reviewer's approval undone within its window
    ("paid", "recovery_pending"),
    ("recovery_pending", "recovered"),
    ("recovery_pending", "written_off"),
}


def test_the_transition_table_has_exactly_the_expected_edges():
    table = {(a, b) for a, targets in CLAIM_TRANSITIONS.items() for b in targets}

    assert table == CLAIM_EDGES


@pytest.mark.parametrize(
    ("from_status", "to_status"), list(pairs(ClaimStatus.values, ClaimStatus.values))
)
def test_every_transition_pair_is_allowed_or_refused(from_status, to_status):
    policy = PolicyFactory()
    claim = Claim.objects.create(
        merchant=policy.merchant,
        policy=policy,
        product=policy.product,
        origin="claimant",
        claimant_ref="x",
        amount=Decimal("1.00"),
        status=from_status,
    )

    if (from_status, to_status) in CLAIM_EDGES:
        claim_transition(claim=claim, to_status=to_status, actor="test", reason="walk")
        assert Claim.objects.get(pk=claim.pk).status == to_status
        event = ClaimEvent.objects.get(claim=claim)
        assert (event.from_status, event.to_status, event.actor) == (from_status, to_status, "test")
    else:
        with pytest.raises(ConflictError):
            claim_transition(claim=claim, to_status=to_status, actor="test", reason="walk")
        assert Claim.objects.get(pk=claim.pk).status == from_status
        assert not ClaimEvent.objects.filter(claim=claim).exists()


@pytest.fixture
def flagged(api) -> Claim:
    """A claim in the review queue: its photo was used before by another buyer."""
    submit(delivered_policy(api, "F-1", {**PRODUCE, "buyer_ref": "honest"}), photos=[photo(40)])
    claim = submit(
        delivered_policy(api, "F-2", {**PRODUCE, "buyer_ref": "cheat"}), photos=[photo(40)]
    )
    assert claim.status == ClaimStatus.NEEDS_REVIEW
    return claim


def test_an_approval_is_held_for_the_undo_window_and_undone_without_paying(flagged, settings):
    settings.CLAIM_APPROVAL_UNDO_SECONDS = 10

    claim_approve(claim_id=flagged.pk, actor="user:rita")
    held = OutboxTask.objects.get(task_name="claims.pay")
    until = claim_approval_undo_until(claim=Claim.objects.get(pk=flagged.pk))
    sent_at_once = outbox_sweep()
    claim_approval_undo(claim_id=flagged.pk, actor="user:rita")

    claim = Claim.objects.get(pk=flagged.pk)
    assert until == held.available_at
    assert timedelta(seconds=9) < held.available_at - clock.now() <= timedelta(seconds=10)
    assert sent_at_once == 0  # held: the sweeper does not send it before the window ends
    assert not OutboxTask.objects.filter(task_name="claims.pay").exists()
    assert (claim.status, claim.decided_at) == (ClaimStatus.NEEDS_REVIEW, None)
    assert [(e.from_status, e.to_status, e.reason) for e in claim.events.all()][-2:] == [
        ("needs_review", "approved", "approved by a reviewer"),
        ("approved", "needs_review", "approval undone by user:rita"),
    ]
    assert not hasattr(claim, "payout")
    claim_approve(claim_id=flagged.pk, actor="user:rita")  # it can be decided again
    assert Claim.objects.get(pk=flagged.pk).status == ClaimStatus.APPROVED


def test_after_the_undo_window_the_payout_is_released_and_paid_once(flagged, settings):
    settings.CLAIM_APPROVAL_UNDO_SECONDS = 10
    claim_approve(claim_id=flagged.pk, actor="user:rita")

    with clock_at(clock.now() + timedelta(seconds=11)):
        sent = outbox_sweep()
        with pytest.raises(ConflictError):
            claim_approval_undo(claim_id=flagged.pk, actor="user:rita")
    task = OutboxTask.objects.get(task_name="claims.pay")
    claim_pay(claim_id=flagged.pk, outbox_id=task.pk)
    claim_pay(claim_id=flagged.pk, outbox_id=task.pk)

    claim = Claim.objects.get(pk=flagged.pk)
    assert sent == 1
    assert claim.status == ClaimStatus.PAID
    assert claim.payout.amount == claim.amount
    assert not OutboxTask.objects.filter(task_name="claims.pay").exists()


def test_a_reviewer_approves_and_the_payout_follows(flagged, django_user_model):
    reviewer = django_user_model.objects.create_user("rita")
    claim_assign(claim_id=flagged.pk, reviewer=reviewer, actor="user:rita")

    claim_approve(claim_id=flagged.pk, actor="user:rita", note="the photo is the buyer's own")
    task = OutboxTask.objects.get(task_name="claims.pay")
    claim_pay(claim_id=flagged.pk, outbox_id=task.pk)

    claim = Claim.objects.get(pk=flagged.pk)
    assert (claim.status, claim.assigned_to, claim.decision_note) == (
        ClaimStatus.PAID,
        reviewer,
        "the photo is the buyer's own",
    )
    assert [e.actor for e in claim.events.all()][-3:] == [
        "user:rita",
        "user:rita",
        "system:adjudicator",
    ]
    assert not OutboxTask.objects.filter(pk=task.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_claim_decided_while_it_is_being_assigned_is_not_assigned(flagged, django_user_model):
    reviewer = django_user_model.objects.create_user("rita")
    refusals = []

    def assign() -> None:
        try:
            claim_assign(claim_id=flagged.pk, reviewer=reviewer, actor="user:rita")
        except ConflictError as error:
            refusals.append(error.code)
        finally:
            connection.close()

    assigning = threading.Thread(target=assign)
    # Rita opens the claim (it needs review) while Bob, holding it, rejects it.
    with transaction.atomic():
        Claim.objects.select_for_update().get(pk=flagged.pk)
        assigning.start()
        wait_for(lambda: lock_waiters() == 1, timeout=10, what="the assignment waiting")
        claim_reject(claim_id=flagged.pk, actor="user:bob", reason_code="other", note="seen")
    assigning.join(timeout=10)

    claim = Claim.objects.get(pk=flagged.pk)
    assert refusals == ["claim_already_decided"]
    assert (claim.status, claim.assigned_to_id) == (ClaimStatus.REJECTED, None)
    assert not claim.events.filter(reason__startswith="assigned").exists()


def test_a_reviewer_rejects_with_a_reason_code(flagged):
    claim_reject(
        claim_id=flagged.pk,
        actor="user:rita",
        reason_code="insufficient_evidence",
        note="box intact in the photo",
    )

    claim = Claim.objects.get(pk=flagged.pk)
    assert (claim.status, claim.reason_code) == (ClaimStatus.REJECTED, "insufficient_evidence")
    assert claim.events.last().reason == (
        "The evidence does not show the loss: box intact in the photo"
    )


def test_an_unknown_reason_is_refused(flagged):
    with pytest.raises(ApplicationError) as refused:
        claim_reject(claim_id=flagged.pk, actor="user:rita", reason_code="bad_vibes")

    assert refused.value.code == "invalid_reason"
    assert Claim.objects.get(pk=flagged.pk).status == ClaimStatus.NEEDS_REVIEW


def test_confirmed_fraud_lowers_trust_which_later_claims_and_quotes_see(api, flagged):
    before = api.post("/api/v1/quotes", {**PRODUCE, "buyer_ref": "cheat"}, format="json").json()
    set_rules("fresh_produce", min_trust_level=3)

    claim, level = claim_confirm_fraud(claim_id=flagged.pk, actor="user:rita", note="ring")
    after = api.post("/api/v1/quotes", {**PRODUCE, "buyer_ref": "cheat"}, format="json").json()
    later = submit(
        delivered_policy(api, "F-3", {**PRODUCE, "buyer_ref": "cheat"}), photos=[photo(41)]
    )

    assert (claim.status, claim.reason_code) == (ClaimStatus.REJECTED, "fraud_confirmed")
    assert level == claimant_trust_level(claimant_ref="cheat") == 2
    change = TrustChange.objects.get(claimant_ref="cheat")
    assert (change.from_level, change.to_level, change.actor) == (3, 2, "user:rita")
    trust_factor = {f["input"]: f["factor"] for f in after["rating"]["factors"]}["trust_level"]
    assert trust_factor == "1.4"
    assert Decimal(after["premium"]) > Decimal(before["premium"])
    assert [r["code"] for r in later.review_reasons] == ["low_trust"]


def test_a_decided_claim_cannot_be_decided_again(flagged):
    claim_reject(claim_id=flagged.pk, actor="user:a", reason_code="other", note="first")

    with pytest.raises(ConflictError) as second:
        claim_approve(claim_id=flagged.pk, actor="user:b")

    assert second.value.code == "claim_already_decided"
    assert Claim.objects.get(pk=flagged.pk).status == ClaimStatus.REJECTED


def test_deposit_claims_are_paid_then_recovered_in_parts(api, merchant):
    deposit = issue(api, "DEP-1", DEPOSIT)

    claim = claim_file_for_buyer(
        policy_id=deposit["id"],
        claimant_ref="buyer-9",
        amount=Decimal("350.00"),
        description="refund refused",
        actor="staff:ops",
    )

    claim = claim_screen(claim_id=claim.pk)
    assert claim.status == ClaimStatus.RECOVERY_PENDING
    assert ledger_balances(merchant=merchant)["CNY"][Account.MERCHANT_RECEIVABLE] == Decimal(
        "350.00"
    )
    assert Policy.objects.get(pk=deposit["id"]).cover_used == Decimal("350.00")

    recovery_record_repayment(claim_id=claim.pk, amount=Decimal("100.00"), actor="staff:ops")
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.RECOVERY_PENDING
    with pytest.raises(ApplicationError):
        recovery_record_repayment(claim_id=claim.pk, amount=Decimal("300.00"), actor="staff:ops")
    recovery = recovery_record_repayment(
        claim_id=claim.pk, amount=Decimal("250.00"), actor="staff:ops"
    )

    assert (recovery.amount_repaid, recovery.outstanding) == (Decimal("350.00"), 0)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.RECOVERED
    balances = ledger_balances(merchant=merchant)["CNY"]
    assert balances[Account.MERCHANT_RECEIVABLE] == 0
    assert sum(balances.values()) == 0


def test_an_unrecovered_amount_is_written_off(api, merchant):
    deposit = issue(api, "DEP-2", DEPOSIT)
    claim = claim_file_for_buyer(
        policy_id=deposit["id"],
        claimant_ref="buyer-10",
        amount=Decimal("90.00"),
        description="",
        actor="staff:ops",
    )
    claim_screen(claim_id=claim.pk)
    recovery_record_repayment(claim_id=claim.pk, amount=Decimal("40.00"), actor="staff:ops")

    recovery = recovery_write_off(claim_id=claim.pk, actor="staff:ops", note="merchant closed")

    assert (recovery.amount_written_off, recovery.outstanding) == (Decimal("50.00"), 0)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.WRITTEN_OFF
    assert ledger_balances(merchant=merchant)["CNY"][Account.BAD_DEBT] == Decimal("50.00")
    assert Recovery.objects.get(claim=claim).closed_at is not None
