from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fraud.models import ClaimantTrust
from insurance.models import MerchantProductTerms, Policy, PolicyStatus, Product, Quote
from insurance.services.risk import risk_profiles_refresh
from tests.factories import PolicyFactory
from tests.insurance.helpers import DEPOSIT, PRODUCE, SHIPPING, error_of, issue

pytestmark = pytest.mark.django_db


def quote(api, body: dict) -> dict:
    response = api.post("/api/v1/quotes", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_quote_carries_premium_cover_and_the_factors_that_made_it(api):
    body = quote(api, PRODUCE)

    assert body["product"] == "fresh_produce"
    assert body["currency"] == "CNY"
    assert body["premium"] == "6.48"  # 200 x 1.5% x 1.8 (live seafood) x 1.2 (2 days)
    assert body["cover"] == "200.00"
    factors = {f["name"]: (f["value"], f["factor"]) for f in body["rating"]["factors"]}
    assert factors["produce category"] == ("live_seafood", "1.8")
    assert factors["transit days"] == ("2", "1.2")
    assert factors["buyer trust level"] == ("3", "1.0")
    held = timezone.datetime.fromisoformat(body["expires_at"]) - timezone.now()
    assert timedelta(minutes=14) < held <= timedelta(minutes=15)


def test_shipping_cover_follows_the_distance_band(api, merchant):
    near = quote(
        api, {**SHIPPING, "buyer_region": "CN-ZJ/Hangzhou", "seller_region": "CN-ZJ/Hangzhou"}
    )
    far = quote(api, {**SHIPPING, "buyer_region": "CN-XJ/Urumqi"})

    assert (near["cover"], far["cover"]) == ("6.00", "25.00")
    assert Decimal(near["premium"]) < Decimal(far["premium"])


def test_binding_a_quote_issues_the_policy_at_the_quoted_price(api):
    held = quote(api, PRODUCE)
    # The price is held even if staff change the product meanwhile.
    Product.objects.filter(code="fresh_produce").update(base_rate=Decimal("0.05"))

    policy = issue(api, "ORDER-1", {"quote_id": held["id"]})

    assert policy["premium"] == held["premium"]
    assert policy["cover"] == held["cover"]
    assert policy["quote_id"] == held["id"]
    assert policy["status"] == "active"
    detail = api.get(f"/api/v1/policies/{policy['id']}").json()
    assert [(e["from_status"], e["to_status"]) for e in detail["events"]] == [("quoted", "active")]


def test_issuing_directly_prices_the_same_as_a_quote(api):
    held = quote(api, SHIPPING)

    policy = issue(api, "ORDER-2", SHIPPING)

    assert policy["premium"] == held["premium"]
    assert policy["rating"] == held["rating"]
    assert policy["quote_id"] is None


def test_deposit_cover_runs_for_its_term_and_is_paid_by_the_seller(api):
    six = quote(api, {**DEPOSIT, "term_months": 6})
    policy = issue(api, "DEPOSIT-2026", DEPOSIT)

    assert policy["premium"] == "300.00"  # 3% of 10,000 for 12 months
    assert six["premium"] == "180.00"  # 1.8% for 6
    assert policy["payer"] == "seller"
    assert policy["cover"] == "10000.00"
    starts = timezone.datetime.fromisoformat(policy["cover_starts_at"])
    ends = timezone.datetime.fromisoformat(policy["cover_ends_at"])
    assert 365 <= (ends - starts).days <= 366


def test_a_policy_is_issued_once_per_order_and_product(api):
    issue(api, "ORDER-3", PRODUCE)

    again = api.post("/api/v1/policies", {**PRODUCE, "order_ref": "ORDER-3"}, format="json")
    other_product = api.post(
        "/api/v1/policies", {**SHIPPING, "order_ref": "ORDER-3"}, format="json"
    )

    assert error_of(again, 409)["code"] == "policy_already_issued"
    assert other_product.status_code == 201
    assert Policy.objects.filter(order_ref="ORDER-3").count() == 2


def test_a_quote_binds_once(api):
    held = quote(api, PRODUCE)
    issue(api, "ORDER-4", {"quote_id": held["id"]})

    again = api.post(
        "/api/v1/policies", {"quote_id": held["id"], "order_ref": "ORDER-5"}, format="json"
    )

    assert error_of(again, 409)["code"] == "quote_already_bound"


def test_an_expired_quote_cannot_be_bound(api):
    held = quote(api, PRODUCE)
    Quote.objects.filter(pk=held["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api.post(
        "/api/v1/policies", {"quote_id": held["id"], "order_ref": "ORDER-6"}, format="json"
    )

    assert error_of(response, 409)["code"] == "quote_expired"
    assert not Policy.objects.exists()


def test_history_and_trust_move_the_price(api, merchant):
    before = Decimal(quote(api, {**SHIPPING, "buyer_ref": "returner"})["premium"])
    for number in range(20):  # a buyer who returns almost everything
        PolicyFactory(
            merchant=merchant,
            buyer_ref="returner",
            order_ref=f"H-{number}",
            claim_event_at=timezone.now() if number < 18 else None,
        )
    risk_profiles_refresh()
    after_returns = quote(api, {**SHIPPING, "buyer_ref": "returner"})
    ClaimantTrust.objects.create(claimant_ref="returner", level=0)
    after_fraud = Decimal(quote(api, {**SHIPPING, "buyer_ref": "returner"})["premium"])

    factors = {f["input"]: f for f in after_returns["rating"]["factors"]}
    assert factors["buyer_return_rate"]["value"] == "0.633"  # (18 + 0.1 x 10) / (20 + 10)
    assert before < Decimal(after_returns["premium"]) <= after_fraud
    assert after_fraud == Decimal("5.50")  # held at the product's maximum


def test_a_merchant_s_own_terms_override_the_product(api, merchant):
    product = Product.objects.get(code="fresh_produce")
    MerchantProductTerms.objects.create(
        merchant=merchant, product=product, min_premium=Decimal("9.90"), claim_window_hours=72
    )

    body = quote(api, {**PRODUCE, "order_value": "10.00"})

    assert body["premium"] == "9.90"
    assert body["claim_window_hours"] == 72


def test_a_product_switched_off_for_a_merchant_is_refused(api, merchant):
    MerchantProductTerms.objects.create(
        merchant=merchant, product=Product.objects.get(code="merchant_deposit"), enabled=False
    )

    response = api.post("/api/v1/quotes", DEPOSIT, format="json")

    assert error_of(response, 403)["code"] == "product_not_available"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({**PRODUCE, "product": "pet_insurance"}, 404, "unknown_product", "product"),
        ({**PRODUCE, "order_value": "-5.00"}, 400, "validation_error", "order_value"),
        ({**PRODUCE, "order_value": "0"}, 422, "amount_out_of_range", "order_value"),
        ({**PRODUCE, "order_value": "99999999.00"}, 422, "amount_out_of_range", "order_value"),
        ({**PRODUCE, "order_value": "1e30"}, 400, "validation_error", "order_value"),
        ({**PRODUCE, "order_value": "12.345"}, 400, "validation_error", "order_value"),
        ({**PRODUCE, "order_value": "NaN"}, 400, "validation_error", "order_value"),
        ({**PRODUCE, "order_value": ["1"]}, 400, "validation_error", "order_value"),
        ({**PRODUCE, "order_value": None}, 400, "validation_error", "order_value"),
        ({**PRODUCE, "currency": "USD"}, 422, "currency_mismatch", "currency"),
        ({**PRODUCE, "currency": "XXX"}, 400, "validation_error", "currency"),
        ({**PRODUCE, "transit_days": "soon"}, 400, "validation_error", "transit_days"),
        ({**PRODUCE, "transit_days": -1}, 400, "validation_error", "transit_days"),
        ({**PRODUCE, "buyer_ref": ""}, 422, "missing_input", "buyer_ref"),
        (
            {k: v for k, v in PRODUCE.items() if k != "order_value"},
            422,
            "missing_input",
            "order_value",
        ),
        ({**SHIPPING, "buyer_region": "Shanghai"}, 422, "invalid_region", "buyer_region"),
        (
            {k: v for k, v in SHIPPING.items() if k != "buyer_region"},
            422,
            "missing_input",
            "buyer_region",
        ),
        ({**DEPOSIT, "term_months": 7}, 422, "invalid_term", "term_months"),
        ({**PRODUCE, "category": "rotten stuff!"}, 400, "validation_error", "category"),
    ],
)
def test_bad_input_gets_a_stable_code_and_names_the_field(api, body, status, code, field):
    for path in ("/api/v1/quotes", "/api/v1/policies"):
        response = api.post(path, {**body, "order_ref": "BAD-1"}, format="json")

        error = error_of(response, status)
        assert error["code"] == code
        assert field in error["fields"]
    assert not Policy.objects.exists() and not Quote.objects.exists()


def test_bind_takes_a_quote_or_inputs_but_not_both(api):
    held = quote(api, PRODUCE)

    both = api.post(
        "/api/v1/policies", {**PRODUCE, "quote_id": held["id"], "order_ref": "X"}, format="json"
    )
    neither = api.post("/api/v1/policies", {"order_ref": "X"}, format="json")
    no_order = api.post("/api/v1/policies", {"quote_id": held["id"]}, format="json")

    assert error_of(both, 400)["code"] == "validation_error"
    assert error_of(neither, 400)["code"] == "validation_error"
    assert "order_ref" in error_of(no_order, 400)["fields"]


def test_a_body_that_is_a_list_or_a_string_is_a_validation_error(api):
    for body in ("[1, 2]", '"policy"', "42"):
        response = api.post("/api/v1/policies", body, content_type="application/json")

        assert error_of(response, 400)["code"] == "validation_error"


def test_policies_list_pages_with_a_cursor_and_filters(api):
    for number in range(7):
        issue(api, f"LIST-{number}", PRODUCE if number % 2 else SHIPPING)

    first = api.get("/api/v1/policies", {"page_size": 3}).json()
    second = api.get(first["next"]).json()
    shipping = api.get("/api/v1/policies", {"product": "shipping_return"}).json()
    one_order = api.get("/api/v1/policies", {"order_ref": "LIST-4"}).json()

    assert [p["order_ref"] for p in first["results"]] == ["LIST-6", "LIST-5", "LIST-4"]
    assert [p["order_ref"] for p in second["results"]] == ["LIST-3", "LIST-2", "LIST-1"]
    assert {p["product"] for p in shipping["results"]} == {"shipping_return"}
    assert len(shipping["results"]) == 4
    assert [p["order_ref"] for p in one_order["results"]] == ["LIST-4"]
    assert api.get("/api/v1/policies", {"status": "sleeping"}).status_code == 400


def test_policy_status_filter(api):
    issue(api, "S-1", PRODUCE)
    cancelled = issue(api, "S-2", PRODUCE)
    api.post(f"/api/v1/policies/{cancelled['id']}/cancel")

    body = api.get("/api/v1/policies", {"status": PolicyStatus.CANCELLED}).json()

    assert [p["order_ref"] for p in body["results"]] == ["S-2"]
