"""The web pages without a browser: who may see what, CSRF, forms, exports, languages."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from claims.models import ClaimStatus
from claims.photos import photo_check
from claims.services import claim_file_for_buyer, claim_screen, claim_submit
from insurance.models import ApiKey, Policy, Product, WebhookDelivery, WebhookEndpoint
from insurance.services.api_keys import api_key_create
from insurance.services.webhooks import webhook_endpoint_create
from tests.claims.helpers import photo
from tests.factories import MerchantFactory
from tests.web.conftest import PASSWORD, file_claim, issue, merchant_user, reviewer_user

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
    assert policy.order_ref == f"MERCHANT-DEPOSIT-{timezone.localdate().year}-1"


def test_a_second_cover_for_merchants_is_offered_and_numbered_as_data_says(owner, shop):
    """A product whose claims the platform files against the merchant is one the merchant
    buys for itself: the page offers it with its own amount, currency and terms, no code."""
    bond = Product.objects.get(code="merchant_deposit")
    bond.pk, bond.code, bond.name = None, "seller_bond", "Seller bond"
    bond.currency, bond.term_months_allowed = "JPY", [3]
    bond.min_premium, bond.max_premium, bond.max_exposure, bond.max_cover = 300, 10**6, 10**8, 10**8
    bond.rating_factors = []
    bond.save()
    year = timezone.localdate().year

    page = owner.get("/merchant/deposit/")
    refs = []
    for _ in range(2):
        quoted = owner.post(
            "/merchant/deposit/",
            {"product": "seller_bond", "deposit_amount": "50000", "term_months": "3"},
        )
        quote = quoted.context["quote"]
        owner.post("/merchant/deposit/confirm/", {"quote_id": str(quote.pk)})
        refs.append(Policy.objects.get(quote=quote).order_ref)

    form = page.context["form"]
    assert dict(form.fields["product"].choices) == {
        "merchant_deposit": "Merchant deposit insurance",
        "seller_bond": "Seller bond",
    }
    assert form.fields["deposit_amount"].label == "Deposit amount (CNY, JPY)"
    assert dict(form.fields["term_months"].choices) == {
        12: "12 months",
        6: "6 months",
        3: "3 months",
    }
    assert (quote.product.code, quote.currency, quote.premium) == ("seller_bond", "JPY", 1500)
    assert refs == [f"SELLER-BOND-{year}-1", f"SELLER-BOND-{year}-2"]
    assert list(owner.get("/merchant/deposit/").context["policies"]) == list(
        Policy.objects.filter(merchant=shop).order_by("-issued_at", "-id")
    )


def test_an_invalid_deposit_quote_shows_the_field_error(owner):
    response = owner.post("/merchant/deposit/", {"deposit_amount": "-5", "term_months": "6"})

    assert response.status_code == 200
    assert response.context["form"].errors["deposit_amount"]
    assert 'class="error" role="alert"' in response.content.decode()


def test_the_claims_export_streams_the_filtered_rows(owner, shop):
    for n in range(3):
        file_claim(shop, f"NH-{n}", f"b-{n}", 90 + n, screen=n < 2)

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


def test_a_claim_shows_its_photos_to_its_merchant_only_and_links_policy_order_payout(owner, shop):
    claim = file_claim(shop, "NH-P1", "buyer-61", 61)
    theirs = file_claim(MerchantFactory(), "OT-P1", "buyer-62", 62)
    photo_id, their_photo_id = claim.photos.get().pk, theirs.photos.get().pk

    page = owner.get(f"/merchant/claims/{claim.pk}/").content.decode()
    policy_page = owner.get(f"/merchant/policies/{claim.policy_id}/").content.decode()
    own_photo = owner.get(f"/merchant/photos/{photo_id}/")

    assert f'<img src="/merchant/photos/{photo_id}/"' in page
    assert f'href="/merchant/policies/{claim.policy_id}/"' in page
    assert 'href="/merchant/policies/?order_ref=NH-P1"' in page
    assert 'id="payout">CNY 40.00' in page
    # The policy's history names the claim that was paid, as a link.
    assert f'<a href="/merchant/claims/{claim.pk}/">#{claim.pk}</a>' in policy_page
    assert own_photo.status_code == 200 and own_photo["Content-Type"] == "image/jpeg"
    assert owner.get(f"/merchant/photos/{their_photo_id}/").status_code == 404


def test_error_pages_are_styled_with_a_way_on_in_both_languages(owner, rf):
    from config.errors import server_error

    missing = owner.get("/merchant/claims/999999/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    refused = owner.get("/review/")
    with translation.override("zh-hans"):
        failed = server_error(rf.get("/merchant/"))

    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()
    assert 'href="/merchant/"' in missing.content.decode()
    assert refused.status_code == 403
    assert "Not allowed" in refused.content.decode()
    assert failed.status_code == 500
    assert "出错了" in failed.content.decode()
    assert "css/app.css" in failed.content.decode()


def test_a_refusal_from_a_service_is_said_in_the_reader_s_language(owner):
    response = owner.post(
        "/merchant/developer/endpoints/",
        {"url": "https://10.0.0.7/hooks", "event_types": ["policy.issued"]},
        HTTP_ACCEPT_LANGUAGE="zh-CN",
        follow=True,
    )

    assert "该 URL 的服务器不在公网上" in response.content.decode()
