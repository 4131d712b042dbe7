"""Idempotency-Key on state-changing POSTs: a repeat gets the stored answer, never a second
policy; the same key with another body is refused."""

import pytest

from insurance.models import IdempotencyRecord, Policy, Quote
from tests.insurance.helpers import PRODUCE, SHIPPING, error_of

pytestmark = pytest.mark.django_db


def post(api, path, body, key):
    return api.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_repeat_returns_the_stored_answer_and_issues_nothing_new(api):
    body = {**PRODUCE, "order_ref": "IDEM-1"}

    first = post(api, "/api/v1/policies", body, "key-1")
    second = post(api, "/api/v1/policies", body, "key-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Policy.objects.count() == 1


def test_every_state_changing_post_is_idempotent(api):
    quote_1 = post(api, "/api/v1/quotes", PRODUCE, "q-key").json()
    quote_2 = post(api, "/api/v1/quotes", PRODUCE, "q-key").json()
    policy = post(api, "/api/v1/policies", {**SHIPPING, "order_ref": "O-1"}, "p-key").json()
    event = {"kind": "delivered"}
    first_event = post(api, "/api/v1/orders/O-1/events", event, "e-key")
    second_event = post(api, "/api/v1/orders/O-1/events", event, "e-key")
    cancel_1 = post(api, f"/api/v1/policies/{policy['id']}/cancel", None, "c-key")
    cancel_2 = post(api, f"/api/v1/policies/{policy['id']}/cancel", None, "c-key")

    assert quote_1["id"] == quote_2["id"] and Quote.objects.count() == 1
    assert first_event.json() == second_event.json()
    assert cancel_1.status_code == cancel_2.status_code == 200
    assert cancel_2["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_a_409(api):
    post(api, "/api/v1/policies", {**PRODUCE, "order_ref": "IDEM-2"}, "key-2")

    response = post(api, "/api/v1/policies", {**PRODUCE, "order_ref": "IDEM-3"}, "key-2")
    on_another_path = post(api, "/api/v1/quotes", PRODUCE, "key-2")

    assert error_of(response, 409)["code"] == "idempotency_key_reused"
    assert error_of(on_another_path, 409)["code"] == "idempotency_key_reused"
    assert Policy.objects.count() == 1


def test_a_failed_request_keeps_nothing_so_the_key_can_be_retried(api):
    bad = post(
        api, "/api/v1/policies", {**PRODUCE, "order_ref": "IDEM-4", "currency": "USD"}, "key-3"
    )
    fixed = post(api, "/api/v1/policies", {**PRODUCE, "order_ref": "IDEM-4"}, "key-3")

    assert bad.status_code == 422
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed


def test_keys_belong_to_their_merchant(api, other_api):
    mine = post(api, "/api/v1/policies", {**PRODUCE, "order_ref": "IDEM-5"}, "shared-key")
    theirs = post(other_api, "/api/v1/policies", {**PRODUCE, "order_ref": "IDEM-6"}, "shared-key")

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert IdempotencyRecord.objects.filter(key="shared-key").count() == 2


def test_an_overlong_key_is_refused(api):
    response = post(api, "/api/v1/quotes", PRODUCE, "k" * 256)

    assert error_of(response, 400)["code"] == "invalid_idempotency_key"
