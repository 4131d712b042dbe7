"""Order events move policies; cancellation refunds; cover ends; the transition table holds."""

from datetime import timedelta
from decimal import Decimal
from itertools import product as pairs

import pytest
from django.db import transaction
from django.utils import timezone

from config.errors import ConflictError
from insurance.models import POLICY_TRANSITIONS, OrderEvent, Policy, PolicyEvent, PolicyStatus
from insurance.services.policies import policies_expire, policy_transition
from outbox.models import OutboxTask
from tests.factories import PolicyFactory
from tests.insurance.helpers import DEPOSIT, PRODUCE, SHIPPING, error_of, issue

pytestmark = pytest.mark.django_db


def event(api, order_ref: str, kind: str, **extra):
    return api.post(f"/api/v1/orders/{order_ref}/events", {"kind": kind, **extra}, format="json")


def transfers_of(policy_id: int) -> dict[str, str]:
    policy = Policy.objects.get(pk=policy_id)
    return {t.kind: str(t.amount) for t in policy.transfers.all()}


# The moves a policy may make, written out here rather than read from the table under test,
# so that a wrong edge in the table fails this test.
POLICY_EDGES = {
    ("quoted", "active"),
    ("active", "completed"),
    ("active", "cancelled"),
    ("active", "expired"),
    ("active", "claimed"),
}


def test_the_transition_table_has_exactly_the_expected_edges():
    table = {(a, b) for a, targets in POLICY_TRANSITIONS.items() for b in targets}

    assert table == POLICY_EDGES


@pytest.mark.parametrize(
    ("from_status", "to_status"), list(pairs(PolicyStatus.values, PolicyStatus.values))
)
def test_every_transition_pair_is_allowed_or_refused(from_status, to_status):
    policy = PolicyFactory(status=from_status)
    allowed = (from_status, to_status) in POLICY_EDGES

    if allowed:
        policy_transition(policy=policy, to_status=to_status, actor="test", reason="walk")
        assert Policy.objects.get(pk=policy.pk).status == to_status
        event_row = PolicyEvent.objects.get(policy=policy)
        assert (event_row.from_status, event_row.to_status) == (from_status, to_status)
    else:
        with pytest.raises(ConflictError) as refused:
            policy_transition(policy=policy, to_status=to_status, actor="test", reason="walk")
        assert refused.value.code == "invalid_transition"
        assert Policy.objects.get(pk=policy.pk).status == from_status
        assert not PolicyEvent.objects.filter(policy=policy).exists()


def test_a_stale_transition_is_a_conflict_and_writes_nothing():
    policy = PolicyFactory(status=PolicyStatus.ACTIVE)
    stale = Policy.objects.get(pk=policy.pk)
    policy_transition(policy=policy, to_status=PolicyStatus.COMPLETED, actor="a", reason="done")

    # A refused move aborts the transaction it is part of: here, its own.
    with pytest.raises(ConflictError) as conflict, transaction.atomic():
        policy_transition(policy=stale, to_status=PolicyStatus.CANCELLED, actor="b", reason="x")

    assert conflict.value.code == "policy_state_changed"
    assert PolicyEvent.objects.filter(policy=policy).count() == 1


def test_delivery_starts_cover_and_completion_ends_it_and_earns_the_premium(api):
    policy = issue(api, "LC-1", PRODUCE)

    moment = timezone.localtime().replace(microsecond=0).isoformat()
    delivered = event(api, "LC-1", "delivered", occurred_at=moment)
    completed = event(api, "LC-1", "completed")

    assert delivered.status_code == completed.status_code == 201
    detail = api.get(f"/api/v1/policies/{policy['id']}").json()
    assert detail["status"] == "completed"
    assert detail["delivered_at"] == moment
    assert [e["reason"] for e in detail["events"]] == [
        "issued",
        "order delivered: cover starts",
        "order completed",
    ]
    assert transfers_of(policy["id"]) == {"premium_written": "6.48", "premium_earned": "6.48"}


def test_cancelling_before_delivery_refunds_in_full(api):
    policy = issue(api, "LC-2", PRODUCE)

    response = api.post(f"/api/v1/policies/{policy['id']}/cancel")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["refund_amount"]) == ("cancelled", "6.48")
    assert transfers_of(policy["id"]) == {"premium_written": "6.48", "premium_refunded": "6.48"}


def test_an_order_cancelled_after_delivery_refunds_nothing(api):
    policy = issue(api, "LC-3", PRODUCE)
    event(api, "LC-3", "delivered")

    event(api, "LC-3", "cancelled")

    stored = Policy.objects.get(pk=policy["id"])
    assert (stored.status, stored.refund_amount) == ("cancelled", Decimal("0.00"))
    assert transfers_of(policy["id"]) == {"premium_written": "6.48", "premium_earned": "6.48"}


def test_deposit_cover_cancelled_midway_refunds_the_unexpired_share(api):
    policy = issue(api, "DEP-1", DEPOSIT)
    stored = Policy.objects.get(pk=policy["id"])
    # Move the cover period so that a quarter of it has run.
    length = stored.cover_ends_at - stored.cover_starts_at
    Policy.objects.filter(pk=stored.pk).update(
        cover_starts_at=stored.cover_starts_at - length / 4,
        cover_ends_at=stored.cover_ends_at - length / 4,
    )

    body = api.post(f"/api/v1/policies/{policy['id']}/cancel").json()

    assert Decimal(body["refund_amount"]) == pytest.approx(Decimal("225.00"), abs=Decimal("0.02"))
    transfers = transfers_of(policy["id"])
    assert Decimal(transfers["premium_refunded"]) + Decimal(transfers["premium_earned"]) == 300


def test_only_an_active_policy_can_be_cancelled(api):
    policy = issue(api, "LC-4", PRODUCE)
    api.post(f"/api/v1/policies/{policy['id']}/cancel")

    again = api.post(f"/api/v1/policies/{policy['id']}/cancel")

    assert error_of(again, 409)["code"] == "policy_not_active"


def test_a_shipped_return_records_work_for_the_claims_pipeline_once(api):
    shipping = issue(api, "RET-1", SHIPPING)
    produce = issue(api, "RET-1", PRODUCE)

    first = event(api, "RET-1", "return_shipped", tracking_number="SF1234567890")
    repeat = event(api, "RET-1", "return_shipped", tracking_number="SF1234567890")

    assert first.json()["claims_opening"] == 1
    assert repeat.json()["claims_opening"] == 0
    task = OutboxTask.objects.get()
    assert task.task_name == "claims.open_event_claim"
    assert task.kwargs == {"policy_id": shipping["id"], "reference": "SF1234567890"}
    stored = Policy.objects.get(pk=shipping["id"])
    assert stored.claim_event_reference == "SF1234567890"
    assert Policy.objects.get(pk=produce["id"]).claim_event_at is None


def test_a_shipped_return_needs_its_tracking_number(api):
    issue(api, "RET-2", SHIPPING)

    response = event(api, "RET-2", "return_shipped")

    error = error_of(response, 422)
    assert (error["code"], list(error["fields"])) == ("missing_input", ["tracking_number"])
    assert not OutboxTask.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"kind": "teleported"}, "kind", 400),
        ({"kind": "delivered", "occurred_at": "yesterday"}, "occurred_at", 400),
        ({"kind": "delivered", "occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at", 422),
        ({"kind": "delivered", "occurred_at": "0584-03-05T00:16:03Z"}, "occurred_at", 422),
    ],
)
def test_bad_order_events_are_refused(api, body, field, status):
    issue(api, "EV-1", PRODUCE)

    response = api.post("/api/v1/orders/EV-1/events", body, format="json")

    assert field in error_of(response, status)["fields"]
    assert not OrderEvent.objects.exists()


def test_an_order_without_policies_is_a_404(api):
    assert error_of(event(api, "NOPE", "delivered"), 404)["code"] == "order_not_found"


def test_cover_that_has_run_out_expires_and_earns_its_premium(api):
    policy = issue(api, "DEP-2", DEPOSIT)
    Policy.objects.filter(pk=policy["id"]).update(
        cover_ends_at=timezone.now() - timedelta(minutes=1)
    )

    assert policies_expire(actor="test") == 1

    assert Policy.objects.get(pk=policy["id"]).status == PolicyStatus.EXPIRED
    assert transfers_of(policy["id"])["premium_earned"] == "300.00"
    assert policies_expire(actor="test") == 0
