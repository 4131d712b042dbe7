"""The web pages without a browser: who may see what, CSRF, forms, exports, languages."""

from decimal import Decimal

import pytest
from django.test import Client

from claims.models import ClaimStatus
from claims.photos import photo_check
from claims.services import claim_file_for_buyer, claim_screen, claim_submit
from insurance.models import ApiKey, Policy, WebhookDelivery, WebhookEndpoint
from insurance.services.api_keys import api_key_create
from insurance.services.webhooks import webhook_endpoint_create
from tests.claims.helpers import photo
from tests.factories import MerchantFactory
from tests.web.conftest import PASSWORD, issue, merchant_user, reviewer_user

pytestmark = pytest.mark.django_db

MERCHANT_PAGES = [
    "/merchant/",
    "/merchant/policies/",
    "/merchant/claims/",
    "/merchant/deposit/",
    "/merchant/developer/",
]


@pytest.fixture
def shop():
    return MerchantFactory(name="Noodle House")


@pytest.fixture
def owner(shop, client) -> Client:
    merchant_user(shop, "owner")
    client.login(username="owner", password=PASSWORD)
    return client


@pytest.mark.parametrize("path", [*MERCHANT_PAGES, "/review/"])
def test_pages_ask_for_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("path", MERCHANT_PAGES)
def test_every_merchant_page_renders_for_its_merchant(owner, path):
    assert owner.get(path).status_code == 200


def test_a_reviewer_without_a_merchant_is_refused_the_portal_and_a_merchant_the_dashboard(
    owner, client
):
    reviewer_user("rev")
    reviewer = Client()
    reviewer.login(username="rev", password=PASSWORD)

    assert reviewer.get("/merchant/").status_code == 403
    assert owner.get("/review/").status_code == 403
    assert reviewer.get("/review/").status_code == 200


def test_forms_refuse_a_post_without_the_csrf_token(shop):
    merchant_user(shop, "csrf")
    client = Client(enforce_csrf_checks=True)
    client.login(username="csrf", password=PASSWORD)

    response = client.post("/merchant/developer/keys/", {"name": "sneaky"})

    assert response.status_code == 403
    assert not ApiKey.objects.filter(name="sneaky").exists()


def test_another_merchant_s_claim_key_and_endpoint_are_out_of_reach(owner):
    other = MerchantFactory()
    policy = issue(other, "THEIRS-1")
    claim = claim_submit(
        merchant=other,
        policy_id=policy.pk,
        claimant_ref="b-1",
        amount=Decimal("10.00"),
        description="",
        photos=[photo_check(photo(80))],
        actor="test",
    )
    key, _ = api_key_create(merchant=other, name="theirs")
    endpoint = webhook_endpoint_create(
        merchant=other, url="https://x.example/h", event_types=["policy.issued"]
    )

    assert owner.get(f"/merchant/claims/{claim.pk}/").status_code == 404
    assert owner.post(f"/merchant/developer/keys/{key.pk}/revoke/").status_code == 404
    assert owner.post(f"/merchant/developer/endpoints/{endpoint.pk}/disable/").status_code == 404
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).active


def test_deposit_cover_is_quoted_then_bought_and_shows_what_is_owed(owner, shop):
    quoted = owner.post("/merchant/deposit/", {"deposit_amount": "5000", "term_months": "6"})
    quote_id = quoted.context["quote"].pk

    bought = owner.post("/merchant/deposit/confirm/", {"quote_id": str(quote_id)}, follow=True)
    policy = Policy.objects.get(merchant=shop, product__code="merchant_deposit")
    claim = claim_file_for_buyer(
        policy_id=policy.pk,
        claimant_ref="b-9",
        amount=Decimal("120.00"),
        description="",
        actor="staff:ops",
    )
    claim_screen(claim_id=claim.pk)
    page = owner.get("/merchant/deposit/")

    assert "90.00" in quoted.content.decode()  # 1.8% of 5,000 for 6 months
    assert "Deposit cover bought" in bought.content.decode()
    assert policy.premium == Decimal("90.00")
    assert page.context["owed"] == Decimal("120.00")
    assert policy.order_ref.startswith("DEPOSIT-")


def test_an_invalid_deposit_quote_shows_the_field_error(owner):
    response = owner.post("/merchant/deposit/", {"deposit_amount": "-5", "term_months": "6"})

    assert response.status_code == 200
    assert response.context["form"].errors["deposit_amount"]
    assert 'class="error" role="alert"' in response.content.decode()


def test_the_claims_export_streams_the_filtered_rows(owner, shop):
    for n in range(3):
        policy = issue(shop, f"NH-{n}", buyer=f"b-{n}")
        claim = claim_submit(
            merchant=shop,
            policy_id=policy.pk,
            claimant_ref=f"b-{n}",
            amount=Decimal("20.00"),
            description="",
            photos=[photo_check(photo(90 + n))],
            actor="test",
        )
        if n < 2:
            claim_screen(claim_id=claim.pk)

    response = owner.get("/merchant/claims/", {"status": ClaimStatus.PAID, "export": "csv"})

    assert response.streaming
    rows = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert rows[0].startswith("id,policy_id,order_ref")
    assert len(rows) == 3 and all(",paid," in row for row in rows[1:])


def test_a_failed_delivery_can_be_resent_from_the_log(owner, shop):
    endpoint = webhook_endpoint_create(
        merchant=shop, url="https://x.example/h", event_types=["policy.issued"]
    )
    issue(shop, "NH-W1")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=12)

    response = owner.post(f"/merchant/developer/deliveries/{delivery.pk}/resend/", follow=True)

    assert "Delivery queued again" in response.content.decode()
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "pending"


def test_the_browser_s_language_picks_chinese(owner):
    response = owner.get("/merchant/policies/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

    assert response["Content-Language"] == "zh-hans"
    assert "导出 CSV" in response.content.decode()


def test_the_switch_changes_the_language(owner):
    owner.post("/i18n/setlang/", {"language": "zh-hans", "next": "/merchant/"})

    assert "签单保费" in owner.get("/merchant/").content.decode()
