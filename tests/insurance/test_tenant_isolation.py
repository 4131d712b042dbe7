"""One merchant's key cannot read, bind, cancel, or even learn of another merchant's data."""

import pytest

from insurance.models import Policy, PolicyStatus
from tests.insurance.helpers import PRODUCE, SHIPPING, error_of, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_api) -> dict:
    """The other merchant's quote and policy."""
    quote = other_api.post("/api/v1/quotes", PRODUCE, format="json").json()
    policy = issue(other_api, "THEIR-1", SHIPPING)
    return {"quote": quote, "policy": policy}


def test_another_merchant_s_quote_looks_exactly_like_a_missing_one(api, theirs):
    missing_id = "00000000-0000-4000-8000-000000000000"
    missing = error_of(api.get(f"/api/v1/quotes/{missing_id}"), 404)
    foreign = error_of(api.get(f"/api/v1/quotes/{theirs['quote']['id']}"), 404)

    assert foreign["code"] == missing["code"] == "quote_not_found"
    assert foreign["message"] == missing["message"].replace(missing_id, theirs["quote"]["id"])


def test_another_merchant_s_quote_cannot_be_bound(api, theirs):
    response = api.post(
        "/api/v1/policies",
        {"quote_id": theirs["quote"]["id"], "order_ref": "MINE-1"},
        format="json",
    )

    assert error_of(response, 404)["code"] == "quote_not_found"
    assert not Policy.objects.filter(order_ref="MINE-1").exists()


def test_another_merchant_s_policy_cannot_be_read_or_cancelled(api, theirs):
    policy_id = theirs["policy"]["id"]

    read = api.get(f"/api/v1/policies/{policy_id}")
    cancel = api.post(f"/api/v1/policies/{policy_id}/cancel")
    missing = api.get("/api/v1/policies/987654321")

    assert error_of(read, 404)["code"] == error_of(missing, 404)["code"] == "policy_not_found"
    assert error_of(cancel, 404)["code"] == "policy_not_found"
    assert Policy.objects.get(pk=policy_id).status == PolicyStatus.ACTIVE


def test_another_merchant_s_orders_and_lists_stay_invisible(api, theirs):
    event = api.post("/api/v1/orders/THEIR-1/events", {"kind": "cancelled"}, format="json")
    listed = api.get("/api/v1/policies").json()
    by_ref = api.get("/api/v1/policies", {"order_ref": "THEIR-1"}).json()
    balances = api.get("/api/v1/ledger/balances").json()["balances"]

    assert error_of(event, 404)["code"] == "order_not_found"
    assert listed["results"] == by_ref["results"] == []
    assert balances == {}  # no money of this merchant in any currency
    assert Policy.objects.get(pk=theirs["policy"]["id"]).status == PolicyStatus.ACTIVE


def test_the_same_order_reference_is_each_merchant_s_own(api, theirs):
    mine = issue(api, "THEIR-1", SHIPPING)

    assert mine["id"] != theirs["policy"]["id"]
