"""The reviewers' dashboard in real Chromium, against the web server on PostgreSQL and on the
embedded SQLite default."""

import io

import pytest
from PIL import Image

from claims.models import Claim, ClaimStatus
from fraud.selectors import claimant_trust_level
from tests.claims.helpers import upload
from tests.factories import MerchantFactory
from tests.photos import encoded, jpeg
from tests.processes import wait_for
from tests.web.conftest import file_claim, log_in, merchant_user, reviewer_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def flagged(backend) -> list[Claim]:
    """Two claims in the queue: each reuses a photo another buyer sent before."""
    merchant = MerchantFactory(name="Seafood Shop")
    reviewer_user("rae")
    reviewer_user("rob")
    claims = []
    for n, seed in enumerate((70, 71)):
        file_claim(merchant, f"SS-{n}a", f"honest-{n}", seed)
        claims.append(file_claim(merchant, f"SS-{n}b", f"ring-{n}", seed))
    assert [c.status for c in claims] == [ClaimStatus.NEEDS_REVIEW] * 2
    return claims


def loaded(page, selector: str) -> bool:
    return page.evaluate(
        f"Array.from(document.querySelectorAll('{selector}'))"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )


def test_a_reviewer_confirms_fraud_with_the_keyboard_and_trust_drops(
    browser, site, flagged, screenshot
):
    page = log_in(browser, site, "rae")
    page.goto(f"{site}/review/?reason=large_amount")
    none_large = page.locator("#queue-table tbody a").count()
    page.click(".figures a.figure")  # the tile of the one reason both claims carry
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("?reason=photo_reused_other_claimant")
    assert none_large == 0
    screenshot(page, "review-queue")
    assert page.locator("#queue-table tbody tr").count() == 2
    page.click(f"#queue-table a[href$='/claims/{flagged[0].pk}/']")
    page.wait_for_load_state("networkidle")

    images = page.locator(".match img")
    assert images.count() == 2
    assert loaded(page, ".match img")
    assert "Photo used before by another buyer" in page.inner_text("#signals")
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
    page.goto(f"{site}/review/claims/{flagged[0].pk}/")
    assert page.text_content("#trust-level").strip() == "2 / 5"
    screenshot(page, "review-claim-after-fraud")


def test_the_second_reviewer_sees_the_claim_was_decided(browser, site, flagged):
    first = log_in(browser, site, "rae")
    second = log_in(browser, site, "rob")
    for page in (first, second):
        page.goto(f"{site}/review/claims/{flagged[1].pk}/")

    first.click("#approve")
    first.wait_for_load_state("networkidle")
    second.select_option("#id_reason_code", "insufficient_evidence")
    second.click("#reject")
    second.wait_for_load_state("networkidle")

    assert Claim.objects.get(pk=flagged[1].pk).status == ClaimStatus.APPROVED
    assert "decided by someone else" in second.text_content(".messages")
    assert second.locator("#decision").count() == 0  # the decided claim shows no buttons


def test_merchant_users_cannot_open_the_dashboard(browser, site, flagged):
    merchant_user(MerchantFactory(), "mallory")
    page = log_in(browser, site, "mallory")

    response = page.goto(f"{site}/review/claims/{flagged[0].pk}/")

    assert response.status == 403


# The photo as taken and each way it can be turned or mirrored, as PIL makes it.
TURNS = [
    None,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
]
BOXES = """Array.from(document.querySelectorAll('.match')).map(section => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                                width: r.width, height: r.height}; };
  return {section: box(section), heading: box(section.querySelector('h2')),
          line: box(section.querySelector('p')),
          figures: Array.from(section.querySelectorAll('figure')).map(box),
          images: Array.from(section.querySelectorAll('img')).map(box),
          loaded: Array.from(section.querySelectorAll('img')).every(
            img => img.complete && img.naturalWidth > 0)};
})"""


def inside(inner: dict, outer: dict) -> bool:
    return (
        inner["left"] >= outer["left"] - 1
        and inner["right"] <= outer["right"] + 1
        and inner["top"] >= outer["top"] - 1
        and inner["bottom"] <= outer["bottom"] + 1
    )


def test_aligned_photos_keep_their_boxes_at_every_turn(browser, site, backend, screenshot):
    """The same photo sent again as taken and turned or mirrored seven ways: every comparison, on a
    desktop and a phone, keeps each picture inside its frame, below the heading and the
    claimant line, and the same size as the one it is compared with."""
    merchant = MerchantFactory()
    reviewer_user("rae")
    original = Image.open(io.BytesIO(jpeg(90)))
    file_claim(merchant, "TURN-0", "first", 90)
    claims = [
        file_claim(
            merchant,
            f"TURN-{n}",
            f"copier-{n}",
            90,
            picture=upload(f"turned-{n}.jpg", encoded(original.transpose(turn), "JPEG", quality=90))
            if turn
            else None,
        )
        for n, turn in enumerate(TURNS, 1)
    ]
    turns_seen = {reason["transform"] for c in claims for reason in c.review_reasons}

    for size in ({"width": 1280, "height": 800}, {"width": 390, "height": 844}):
        page = log_in(browser, site, "rae", viewport=size)
        for claim in claims:
            page.goto(f"{site}/review/claims/{claim.pk}/")
            page.wait_for_load_state("networkidle")
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            matches = page.evaluate(BOXES)
            assert len(matches) == len(claim.review_reasons)
            for match in matches:
                assert match["loaded"]
                assert match["heading"]["bottom"] <= match["line"]["top"]
                assert match["line"]["bottom"] <= min(f["top"] for f in match["figures"])
                for image, figure in zip(match["images"], match["figures"], strict=True):
                    assert inside(image, figure), (claim.pk, size)
                    assert inside(figure, match["section"]), (claim.pk, size)
                new, earlier = match["images"]
                assert (new["width"], new["height"]) == (earlier["width"], earlier["height"])
        screenshot(page, f"review-claim-every-turn-{size['width']}")
        page.context.close()

    assert all(c.status == ClaimStatus.NEEDS_REVIEW for c in claims)
    assert turns_seen == {
        "identity",
        "rot90",
        "rot180",
        "rot270",
        "mirror",
        "mirror_rot90",
        "mirror_rot180",
        "mirror_rot270",
    }


def test_an_approval_can_be_undone_for_a_few_seconds_then_the_worker_pays(
    browser, start_site, start_worker, backend, flagged, screenshot
):
    site = start_site(CLAIM_APPROVAL_UNDO_SECONDS="4")
    start_worker(beat=True, embedded=backend.data_dir, OUTBOX_SWEEP_SECONDS="1")
    page = log_in(browser, site, "rae")
    page.goto(f"{site}/review/claims/{flagged[0].pk}/")

    page.keyboard.press("a")  # approve: the next claim opens, with the undo bar
    page.wait_for_url(f"**/claims/{flagged[1].pk}/")
    bar = page.inner_text(".undo-bar")
    screenshot(page, "review-undo-bar")
    page.keyboard.press("u")
    page.wait_for_url(f"**/claims/{flagged[0].pk}/")
    undone = Claim.objects.get(pk=flagged[0].pk)
    page.click("#approve")  # approved again, and this time left alone
    page.wait_for_url(f"**/claims/{flagged[1].pk}/")

    def paid() -> bool:
        return Claim.objects.get(pk=flagged[0].pk).status == ClaimStatus.PAID

    wait_for(paid, timeout=60, what="the held payout to be released and paid")
    claim = Claim.objects.get(pk=flagged[0].pk)
    assert f"Claim #{flagged[0].pk} approved" in bar
    assert undone.status == ClaimStatus.NEEDS_REVIEW
    assert [e.to_status for e in claim.events.all()][-4:] == [
        "approved",
        "needs_review",
        "approved",
        "paid",
    ]
    assert claim.payout.amount == claim.amount
