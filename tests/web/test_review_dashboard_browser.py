"""The reviewers' dashboard in real Chromium against a live server on PostgreSQL."""

from decimal import Decimal

import pytest

from claims.models import Claim, ClaimStatus
from claims.photos import photo_check
from claims.services import claim_screen, claim_submit
from fraud.selectors import claimant_trust_level
from tests.claims.helpers import photo
from tests.factories import MerchantFactory
from tests.web.conftest import issue, log_in, merchant_user, reviewer_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def file_and_screen(merchant, order_ref: str, buyer: str, seed: int) -> Claim:
    policy = issue(merchant, order_ref, buyer=buyer)
    claim = claim_submit(
        merchant=merchant,
        policy_id=policy.pk,
        claimant_ref=buyer,
        amount=Decimal("40.00"),
        description="",
        photos=[photo_check(photo(seed))],
        actor="test",
    )
    return claim_screen(claim_id=claim.pk)


@pytest.fixture
def flagged() -> list[Claim]:
    """Two claims in the queue: each reuses a photo another buyer sent before."""
    merchant = MerchantFactory(name="Seafood Shop")
    reviewer_user("rae")
    reviewer_user("rob")
    claims = []
    for n, seed in enumerate((70, 71)):
        file_and_screen(merchant, f"SS-{n}a", f"honest-{n}", seed)
        claims.append(file_and_screen(merchant, f"SS-{n}b", f"ring-{n}", seed))
    assert [c.status for c in claims] == [ClaimStatus.NEEDS_REVIEW] * 2
    return claims


def loaded(page, selector: str) -> bool:
    return page.evaluate(
        f"Array.from(document.querySelectorAll('{selector}'))"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )


def test_a_reviewer_confirms_fraud_with_the_keyboard_and_trust_drops(
    browser, live_server, flagged, screenshot
):
    page = log_in(browser, live_server.url, "rae")
    screenshot(page, "review-queue")
    assert page.locator("#queue-table tbody tr").count() == 2
    page.click(f"#queue-table a[href$='/claims/{flagged[0].pk}/']")
    page.wait_for_load_state("networkidle")

    images = page.locator(".match img")
    assert images.count() == 2
    assert loaded(page, ".match img")
    assert "photo_reused_other_claimant" in page.text_content("#signals")
    screenshot(page, "review-claim-side-by-side")
    page.keyboard.press("j")  # the next claim in the queue, and back
    page.wait_for_url(f"**/claims/{flagged[1].pk}/")
    page.keyboard.press("k")
    page.wait_for_url(f"**/claims/{flagged[0].pk}/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("f")
    page.wait_for_url(f"**/claims/{flagged[1].pk}/")

    claim = Claim.objects.get(pk=flagged[0].pk)
    assert (claim.status, claim.reason_code) == (ClaimStatus.REJECTED, "fraud_confirmed")
    assert claimant_trust_level(claimant_ref="ring-0") == 2
    assert "trust level is now 2" in page.text_content(".messages")
    page.goto(f"{live_server.url}/review/claims/{flagged[0].pk}/")
    assert page.text_content("#trust-level").strip() == "2 / 5"
    screenshot(page, "review-claim-after-fraud")


def test_the_second_reviewer_sees_the_claim_was_decided(browser, live_server, flagged):
    first = log_in(browser, live_server.url, "rae")
    second = log_in(browser, live_server.url, "rob")
    for page in (first, second):
        page.goto(f"{live_server.url}/review/claims/{flagged[1].pk}/")

    first.click("#approve")
    first.wait_for_load_state("networkidle")
    second.select_option("#id_reason_code", "insufficient_evidence")
    second.click("#reject")
    second.wait_for_load_state("networkidle")

    assert Claim.objects.get(pk=flagged[1].pk).status == ClaimStatus.APPROVED
    assert "decided by someone else" in second.text_content(".messages")
    assert second.locator("#decision").count() == 0  # the decided claim shows no buttons


def test_merchant_users_cannot_open_the_dashboard(browser, live_server, flagged):
    merchant_user(MerchantFactory(), "mallory")
    page = log_in(browser, live_server.url, "mallory")

    response = page.goto(f"{live_server.url}/review/claims/{flagged[0].pk}/")

    assert response.status == 403
