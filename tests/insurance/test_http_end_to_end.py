"""The issuance API from a real HTTP client against the production server on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from openapi_core import OpenAPI

from insurance.models import Policy
from tests.factories import ApiKeyFactory, MerchantFactory
from tests.insurance.helpers import DEPOSIT, PRODUCE, SHIPPING

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def http(web_server) -> httpx.Client:
    key = ApiKeyFactory.create_raw(merchant=MerchantFactory())
    with httpx.Client(
        base_url=web_server, headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as client:
        yield client


def test_checkout_flow_over_http(http):
    quote = http.post("/api/v1/quotes", json=SHIPPING)
    bound = http.post(
        "/api/v1/policies", json={"quote_id": quote.json()["id"], "order_ref": "E2E-1"}
    )
    cart = http.post(
        "/api/v1/policies/batch",
        json={
            "items": [{**PRODUCE, "order_ref": "E2E-2"}, {**DEPOSIT, "order_ref": "DEPOSIT-E2E"}]
        },
    )
    delivered = http.post("/api/v1/orders/E2E-2/events", json={"kind": "delivered"})
    completed = http.post("/api/v1/orders/E2E-2/events", json={"kind": "completed"})
    cancelled = http.post(f"/api/v1/policies/{bound.json()['id']}/cancel")
    listed = http.get("/api/v1/policies", params={"page_size": 2})
    balances = http.get("/api/v1/ledger/balances").json()["balances"]

    assert [r.status_code for r in (quote, bound, cart, delivered, completed)] == [201] * 5
    assert bound.json()["premium"] == quote.json()["premium"]
    assert cancelled.json()["refund_amount"] == quote.json()["premium"]
    assert [p["order_ref"] for p in listed.json()["results"]] == ["DEPOSIT-E2E", "E2E-2"]
    assert listed.json()["next"].startswith("http")
    assert balances["CNY"]["earned_premium"] == "-6.48"  # the completed produce order
    assert listed.headers["X-Request-ID"]


def test_the_served_schema_is_valid_openapi(web_server):
    response = httpx.get(f"{web_server}/api/schema/", params={"format": "json"})
    docs = httpx.get(f"{web_server}/api/docs/")

    assert response.status_code == 200
    spec = response.json()
    OpenAPI.from_dict(spec)  # raises if the document is not valid OpenAPI
    assert {
        "/api/v1/quotes",
        "/api/v1/policies",
        "/api/v1/policies/batch",
        "/api/v1/orders/{order_ref}/events",
    } <= set(spec["paths"])
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_concurrent_duplicates_with_one_key_issue_exactly_one_policy(http):
    body = {**PRODUCE, "order_ref": "RACE-1"}

    def send(_):
        return http.post("/api/v1/policies", json=body, headers={"Idempotency-Key": "race-key"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(send, range(16)))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 15
    assert Policy.objects.filter(order_ref="RACE-1").count() == 1


def test_concurrent_binds_of_one_order_without_keys_issue_exactly_one_policy(http):
    def send(_):
        return http.post("/api/v1/policies", json={**PRODUCE, "order_ref": "RACE-2"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(send, range(16)))

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 15
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "policy_already_issued"
    }
    assert Policy.objects.filter(order_ref="RACE-2").count() == 1
