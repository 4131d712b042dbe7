"""A new micro-policy is configuration, not a release: two products defined only as data
(fixtures, no Python) are quoted, bound, cancelled, claimed and paid through the API and a
real worker, and the catalogue tells checkout developers what each one needs."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from claims.models import Claim, ClaimStatus
from insurance.models import LedgerTransfer, Policy, Product
from tests.insurance.helpers import error_of
from tests.photos import jpeg
from tests.processes import wait_for

FIXTURES = Path(__file__).with_name("fixtures")
PHONE = {"product": "phone_screen", "buyer_ref": "buyer-p", "order_value": "3000.00"}
LATE = {"product": "delivery_delay", "buyer_ref": "buyer-l", "order_value": "88.00"}
PRODUCE_CNY = {
    "product": "fresh_produce",
    "buyer_ref": "b-cn",
    "order_value": "200.00",
    "category": "live_seafood",
    "transit_days": 2,
}


def load(name: str) -> None:
    call_command("loaddata", FIXTURES / f"{name}.json", verbosity=0)


def event(api, order_ref: str, kind: str, **extra):
    response = api.post(
        f"/api/v1/orders/{order_ref}/events", {"kind": kind, **extra}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def claim_with_photo(api, policy_id: int, amount: str, seed: int):
    return api.post(
        "/api/v1/claims",
        {
            "policy_id": policy_id,
            "claimant_ref": "buyer-p",
            "amount": amount,
            "photos": [SimpleUploadedFile(f"screen-{seed}.jpg", jpeg(seed))],
        },
        format="multipart",
    )


def settled(claim_id: int):
    return lambda: Claim.objects.get(pk=claim_id).status not in ("submitted", "screening")


@pytest.mark.django_db
def test_the_catalogue_says_what_each_product_needs_and_does(api):
    products = {p["code"]: p for p in api.get("/api/v1/products").json()}

    assert set(products) == {"fresh_produce", "merchant_deposit", "shipping_return"}
    produce = products["fresh_produce"]
    inputs = {i["name"]: i for i in produce["inputs"]}
    assert inputs["order_value"] == {
        "name": "order_value",
        "required": True,
        "kind": "amount",
        "values": None,
    }
    assert inputs["buyer_ref"]["required"] and not inputs["transit_days"]["required"]
    assert "live_seafood" in inputs["category"]["values"]
    assert produce["claims"]["trigger"] == "claimant" and produce["claims"]["photo_required"]
    deposit_term = {i["name"]: i for i in products["merchant_deposit"]["inputs"]}["term_months"]
    assert deposit_term == {
        "name": "term_months",
        "required": True,
        "kind": "integer",
        "values": ["6", "12"],
    }
    assert products["merchant_deposit"]["cover"]["refund_rule"] == "pro_rata"
    returns = products["shipping_return"]["claims"]
    assert (returns["trigger"], returns["event"], returns["tracking_number_required"]) == (
        "order_event",
        "return_shipped",
        True,
    )


@pytest.mark.django_db
def test_a_product_defined_as_data_is_in_the_catalogue_and_the_schema(api, client):
    load("phone_screen")

    phone = {p["code"]: p for p in api.get("/api/v1/products").json()}["phone_screen"]
    schema = client.get("/api/schema/?format=json").json()

    assert phone["cover"] == {
        "starts": "delivery",
        "ends": "term",
        "term_months": [12],
        "max_cover_days": 30,
        "rule": "exposure",
        "max_cover": "8000.00",
        "refund_rule": "pro_rata",
    }
    # One term: the quote needs no term_months.
    assert {i["name"]: i["required"] for i in phone["inputs"]} == {
        "order_value": True,
        "buyer_ref": True,
        "term_months": False,
    }
    issue = schema["components"]["schemas"]["IssueInputRequest"]["properties"]["product"]
    assert "phone_screen" in issue["enum"]


@pytest.mark.django_db
def test_an_event_no_product_acts_on_is_refused_until_a_product_names_it(api):
    api.post(
        "/api/v1/policies", {**LATE, "product": "fresh_produce", "order_ref": "E-1"}, format="json"
    )

    before = api.post("/api/v1/orders/E-1/events", {"kind": "delivery_late"}, format="json")
    load("delivery_delay")
    after = api.post("/api/v1/orders/E-1/events", {"kind": "delivery_late"}, format="json")

    assert error_of(before, 400)["code"] == "unknown_event_kind"
    assert after.status_code == 201, after.content
    assert after.json()["claims_opening"] == 0  # no delivery_delay policy on this order


@pytest.mark.django_db
def test_a_product_needs_its_term_and_rejects_a_bad_one(api):
    load("phone_screen")

    wrong = api.post("/api/v1/quotes", {**PHONE, "term_months": 6}, format="json")
    implied = api.post("/api/v1/quotes", PHONE, format="json")

    assert error_of(wrong, 422)["code"] == "invalid_term"
    assert implied.status_code == 201 and implied.json()["inputs"]["term_months"] == 12


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_phone_screen_cover_from_quote_to_refund_and_paid_claim(api, celery_worker):
    load("phone_screen")
    quote = api.post("/api/v1/quotes", PHONE, format="json").json()
    assert (quote["premium"], quote["cover"]) == ("150.00", "3000.00")
    bound = api.post(
        "/api/v1/policies", {"quote_id": quote["id"], "order_ref": "PH-1"}, format="json"
    ).json()
    cancelled = api.post("/api/v1/policies", {**PHONE, "order_ref": "PH-2"}, format="json").json()
    assert bound["cover_starts_at"] is None  # cover waits for delivery

    # Before delivery: not covered.
    early = claim_with_photo(api, bound["id"], "800.00", seed=1).json()
    wait_for(settled(early["id"]), timeout=60, what="the early claim to be decided")
    assert Claim.objects.get(pk=early["id"]).reason_code == "no_active_policy"

    event(api, "PH-1", "delivered")
    event(api, "PH-2", "delivered")
    # Delivery starts a 12-month term; completing the order does not end it.
    event(api, "PH-1", "completed")
    policy = Policy.objects.get(pk=bound["id"])
    assert policy.status == "active"
    months = (policy.cover_ends_at - policy.cover_starts_at).days
    assert 365 <= months <= 366

    # Cancelled just after delivery: pro rata, nearly all of the premium back.
    refund = api.post(f"/api/v1/policies/{cancelled['id']}/cancel").json()["refund_amount"]
    assert Decimal("149.00") < Decimal(refund) <= Decimal("150.00")
    assert LedgerTransfer.objects.filter(
        policy_id=cancelled["id"], kind="premium_refunded", amount=Decimal(refund)
    ).exists()

    # A covered claim with a photo is paid; the policy is then used up (one claim).
    claim = claim_with_photo(api, bound["id"], "800.00", seed=2).json()
    wait_for(
        lambda: Claim.objects.get(pk=claim["id"]).status == ClaimStatus.PAID,
        timeout=60,
        what="the screen claim to be paid",
    )
    policy.refresh_from_db()
    assert (policy.status, policy.cover_used) == ("claimed", Decimal("800.00"))
    assert api.get(f"/api/v1/claims/{claim['id']}").json()["payout"]["amount"] == "800.00"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_delivery_delay_cover_pays_on_its_order_event(api, celery_worker):
    load("delivery_delay")
    late = api.post("/api/v1/policies", {**LATE, "order_ref": "DL-1"}, format="json").json()
    on_time = api.post("/api/v1/policies", {**LATE, "order_ref": "DL-2"}, format="json").json()
    assert late["cover"] == "10.00" and late["cover_starts_at"] is not None

    opened = event(api, "DL-1", "delivery_late")
    event(api, "DL-2", "completed")

    assert opened["claims_opening"] == 1
    wait_for(
        lambda: Claim.objects.filter(policy_id=late["id"], status=ClaimStatus.PAID).exists(),
        timeout=60,
        what="the worker to open and pay the late delivery's claim",
    )
    claim = Claim.objects.get(policy_id=late["id"])
    assert (claim.amount, claim.origin) == (Decimal("10.00"), "order_event")
    assert Policy.objects.get(pk=late["id"]).status == "claimed"
    assert Policy.objects.get(pk=on_time["id"]).status == "completed"
    assert not Claim.objects.filter(policy_id=on_time["id"]).exists()


@pytest.mark.django_db
def test_staff_cannot_save_a_product_that_contradicts_itself(admin_client):
    product = Product.objects.get(code="fresh_produce")
    product.cover_ends, product.term_months_allowed = "term", []
    product.claim_trigger, product.claim_event = "order_event", "delivered"

    with pytest.raises(ValidationError) as refused:
        product.full_clean()

    assert set(refused.value.message_dict) == {"term_months_allowed", "claim_event"}


@pytest.mark.django_db
def test_a_yen_product_keeps_to_whole_yen_and_its_own_books(api):
    load("jp_produce")
    body = {"product": "jp_produce", "buyer_ref": "taro", "order_value": "3000"}

    quote = api.post("/api/v1/quotes", body, format="json")
    fractional = api.post("/api/v1/quotes", {**body, "order_value": "3000.50"}, format="json")
    policy = api.post("/api/v1/policies", {**body, "order_ref": "JP-1"}, format="json").json()
    api.post("/api/v1/policies", {**PRODUCE_CNY, "order_ref": "CN-1"}, format="json")
    event(api, "JP-1", "delivered")
    claim = api.post(
        "/api/v1/claims",
        {"policy_id": policy["id"], "claimant_ref": "taro", "amount": "500.50"},
        format="json",
    )
    balances = api.get("/api/v1/ledger/balances").json()["balances"]

    assert quote.status_code == 201, quote.content
    assert (quote.json()["premium"], quote.json()["cover"]) == ("50", "3000")  # the minimum
    assert error_of(fractional, 422)["code"] == "amount_precision"
    assert (policy["currency"], policy["premium"], policy["remaining_cover"]) == (
        "JPY",
        "50",
        "3000",
    )
    assert error_of(claim, 422)["code"] == "amount_precision"
    assert balances["JPY"]["cash"] == "50" and balances["CNY"]["cash"] == "6.48"
    assert all(sum(Decimal(v) for v in accounts.values()) == 0 for accounts in balances.values())
