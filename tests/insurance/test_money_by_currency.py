"""A merchant selling in yen and in yuan: the dashboard and the exports never add amounts of two
currencies; each is summed, compared and written in its own (JPY without decimals)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from insurance.models import MerchantMembership
from insurance.selectors import merchant_daily_figures

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).with_name("fixtures")
YEN = {"product": "jp_produce", "buyer_ref": "taro", "order_value": "3000"}
YUAN = {
    "product": "fresh_produce",
    "buyer_ref": "b-cn",
    "order_value": "200.00",
    "category": "live_seafood",
    "transit_days": 2,
}


@pytest.fixture
def two_currencies(api, merchant):
    """Two yen policies (50 each, the minimum) and one yuan policy."""
    call_command("loaddata", FIXTURES / "jp_produce.json", verbosity=0)
    for n in (1, 2):
        created = api.post("/api/v1/policies", {**YEN, "order_ref": f"JP-{n}"}, format="json")
        assert created.status_code == 201, created.content
    cny = api.post("/api/v1/policies", {**YUAN, "order_ref": "CN-1"}, format="json").json()
    return merchant, Decimal(cny["premium"])


def test_the_dashboard_figures_are_per_currency(two_currencies):
    merchant, yuan = two_currencies
    today = timezone.localdate()

    figures = merchant_daily_figures(merchant=merchant, start=today - timedelta(6), end=today)

    assert figures["totals"] == {"policies": 3}
    assert figures["by_currency"] == {
        "CNY": {"premiums": yuan, "claims": 0, "loss_ratio": 0},
        "JPY": {"premiums": Decimal(100), "claims": 0, "loss_ratio": 0},
    }
    assert figures["money"]["JPY"]["premiums"][-1] == 100
    assert figures["money"]["CNY"]["premiums"][-1] == yuan


def test_the_dashboard_page_shows_one_total_per_currency(two_currencies):
    merchant, yuan = two_currencies
    get_user_model().objects.create_user("kenji", password="pw-kenji")
    MerchantMembership.objects.create(user_id=get_user_model().objects.get().pk, merchant=merchant)
    client = Client()
    client.login(username="kenji", password="pw-kenji")

    page = client.get("/merchant/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<b id="total-premiums-JPY">JPY 100</b>' in page
    assert f'<b id="total-premiums-CNY">CNY {yuan:,.2f}</b>' in page
    assert 'id="total-premiums"' not in page  # no sum across currencies


def test_the_policy_export_writes_each_amount_in_its_currency(two_currencies):
    merchant, yuan = two_currencies
    get_user_model().objects.create_user("kenji", password="pw-kenji")
    MerchantMembership.objects.create(user_id=get_user_model().objects.get().pk, merchant=merchant)
    client = Client()
    client.login(username="kenji", password="pw-kenji")

    response = client.get("/merchant/policies/?export=csv&sort=order_ref")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert [(r["order_ref"], r["currency"], r["premium"], r["cover"]) for r in rows] == [
        ("CN-1", "CNY", str(yuan), "200.00"),
        ("JP-1", "JPY", "50", "3000"),
        ("JP-2", "JPY", "50", "3000"),
    ]
