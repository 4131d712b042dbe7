"""The merchant portal in real Chromium, against the web server on PostgreSQL and on the embedded
SQLite default."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from django.db.models import Sum
from django.utils import timezone

from claims.photos import photo_check
from claims.services import claim_screen, claim_submit
from config import clock
from config.clock import clock_at
from insurance.models import LedgerTransfer, Policy
from tests.claims.helpers import photo
from tests.factories import MerchantFactory
from tests.web.conftest import issue, log_in, merchant_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(backend):
    """A merchant with some business: policies of two products and a paid claim."""
    merchant = MerchantFactory(name="Fresh Market")
    merchant_user(merchant, "mia")
    produce = [issue(merchant, f"FM-{n}", buyer=f"buyer-{n}") for n in range(4)]
    for n in range(3):
        issue(merchant, f"FM-S{n}", product="shipping_return", buyer=f"buyer-s{n}")
    claim = claim_submit(
        merchant=merchant,
        policy_id=produce[0].pk,
        claimant_ref="buyer-0",
        amount=Decimal("50.00"),
        description="",
        photos=[photo_check(photo(60))],
        actor="test",
    )
    claim_screen(claim_id=claim.pk)
    return merchant


def test_a_merchant_sees_the_dashboard_with_charts_that_match_the_ledger(
    browser, site, shop, screenshot
):
    page = log_in(browser, site, "mia")

    page.wait_for_selector("body[data-charts-drawn='3']")
    premiums = LedgerTransfer.objects.filter(merchant=shop, kind="premium_written").aggregate(
        total=Sum("amount")
    )["total"]
    assert page.text_content("#total-policies") == "7"
    assert page.text_content("#total-premiums-CNY") == f"CNY {premiums:,.2f}"
    assert page.text_content("#total-claims-CNY") == "CNY 50.00"
    drawn = page.evaluate("window.dashboardCharts.map(c => c.data.datasets.length)")
    assert drawn == [2, 3, 1]
    canvas_has_pixels = page.evaluate(
        "(() => { const c = document.getElementById('money-chart');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " return d.some(v => v !== 0); })()"
    )
    assert canvas_has_pixels
    screenshot(page, "merchant-dashboard")


def test_the_dashboard_compares_periods_and_a_click_on_a_day_opens_its_policies(
    browser, site, shop
):
    with clock_at(clock.now() - timedelta(days=40)):  # one order in the 30 days before
        issue(shop, "FM-OLD", product="shipping_return", buyer="buyer-old")
    page = log_in(browser, site, "mia")
    page.wait_for_selector("body[data-charts-drawn='3']")
    legends = page.evaluate("window.dashboardCharts[1].data.datasets.map(d => d.label)")
    products = page.evaluate(
        "Object.keys(JSON.parse(document.getElementById('chart-data').textContent).series)"
    )
    produce = products.index("fresh_produce")
    # The middle of today's fresh-produce bar, in the page's coordinates.
    x, y = page.evaluate(
        f"""(() => {{ const chart = window.dashboardCharts[1];
          const bar = chart.getDatasetMeta({produce}).data.at(-1);
          const box = chart.canvas.getBoundingClientRect();
          return [box.left + bar.x, box.top + (bar.y + bar.base) / 2]; }})()"""
    )
    change = page.text_content("#total-policies + .change")

    page.mouse.click(x, y)
    page.wait_for_url("**/merchant/policies/?*")

    today = timezone.localdate().isoformat()
    assert "Fresh-produce spoilage insurance" in legends and "fresh_produce" not in legends
    assert change.startswith("+600.0%")  # 7 policies against 1
    assert page.url.endswith(f"?date_from={today}&date_to={today}&product=fresh_produce")
    assert page.locator("tbody tr").count() == 4


def test_a_merchant_filters_policies_and_exports_the_filtered_list(browser, site, shop, screenshot):
    page = log_in(browser, site, "mia")
    page.goto(f"{site}/merchant/policies/")

    page.select_option("#id_product", "shipping_return")
    page.click("#filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert set(rows.locator("td:nth-child(2)").all_text_contents()) == {"Return-shipping insurance"}
    screenshot(page, "merchant-policies-filtered")

    with page.expect_download() as download:
        page.click("text=Export CSV")
    content = download.value.path().read_text(encoding="utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(content)))
    assert sorted(row["order_ref"] for row in exported) == ["FM-S0", "FM-S1", "FM-S2"]
    assert {row["product"] for row in exported} == {"shipping_return"}


def test_a_merchant_creates_and_revokes_an_api_key(browser, site, shop, screenshot):
    page = log_in(browser, site, "mia")
    page.goto(f"{site}/merchant/developer/")

    page.fill("#id_name", "checkout-prod")
    page.click("text=Create a key")
    page.wait_for_load_state("networkidle")
    raw_key = page.text_content("#new-api-key").strip()
    screenshot(page, "merchant-developer-new-key")
    page.reload()
    shown_again = page.locator("#new-api-key").count()
    api = httpx.Client(base_url=site, headers={"Authorization": f"Bearer {raw_key}"})
    before = api.get("/api/v1/policies")

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(f"tr[data-key='{raw_key[:10]}'] button:has-text('Revoke')").click()
    page.wait_for_load_state("networkidle")
    after = api.get("/api/v1/policies")

    assert shown_again == 0
    assert before.status_code == 200 and len(before.json()["results"]) == 7
    assert after.status_code == 401
    assert "revoked" in page.locator(f"tr[data-key='{raw_key[:10]}']").text_content()


def test_a_merchant_cannot_open_another_merchant_s_policy_by_url(browser, site, shop):
    other = issue(MerchantFactory(), "OTHER-1")
    page = log_in(browser, site, "mia")

    response = page.goto(f"{site}/merchant/policies/{other.pk}/")
    own = page.goto(f"{site}/merchant/policies/{Policy.objects.filter(merchant=shop).first().pk}/")

    assert response.status == 404
    assert own.status == 200


def test_the_portal_speaks_chinese_with_money_in_yuan(browser, site, shop, screenshot):
    page = log_in(
        browser,
        site,
        "mia",
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )

    page.wait_for_selector("body[data-charts-drawn='3']")

    assert "签单保费" in page.content()
    assert page.text_content("#total-claims-CNY") == "¥50.00"
    screenshot(page, "merchant-dashboard-zh")
