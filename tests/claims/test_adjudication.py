"""Adjudication as a worker runs it: hard rules reject with a reason, soft signals send to a
reviewer, everything else is approved and paid exactly once."""

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from claims.models import Claim, ClaimStatus, Payout
from claims.photos import photo_check
from claims.services import claim_pay, claim_screen, claim_submit
from fraud.models import ClaimantTrust
from insurance.models import LedgerTransfer, Policy, PolicyStatus, WebhookEvent
from insurance.services.policies import policy_cancel
from tests.claims.conftest import delivered_policy
from tests.claims.helpers import photo, set_rules, submit, upload
from tests.insurance.helpers import PRODUCE
from tests.photos import blank, blurred, dark, encoded, jpeg, near_uniform, tiny_subject

pytestmark = pytest.mark.django_db


def test_a_clean_claim_is_approved_and_paid(produce_policy):
    claim = submit(produce_policy, amount="80.00", photos=[photo(1)])

    assert claim.status == ClaimStatus.PAID
    assert [e.to_status for e in claim.events.all()] == [
        "submitted",
        "screening",
        "approved",
        "paid",
    ]
    assert Payout.objects.get(claim=claim).amount == Decimal("80.00")
    policy = Policy.objects.get(pk=produce_policy.pk)
    assert (policy.status, policy.cover_used) == (PolicyStatus.CLAIMED, Decimal("80.00"))
    assert LedgerTransfer.objects.get(claim_id=claim.pk).kind == "claim_paid"


def test_paying_twice_pays_once(produce_policy):
    claim = submit(produce_policy, photos=[photo(2)])

    claim_pay(claim_id=claim.pk)
    claim_screen(claim_id=claim.pk)

    assert Payout.objects.filter(claim=claim).count() == 1
    assert LedgerTransfer.objects.filter(claim_id=claim.pk).count() == 1


@pytest.mark.parametrize(
    "rule",
    [
        "no_active_policy",
        "outside_claim_window",
        "duplicate_claim",
        "amount_above_cover",
        "missing_photo",
    ],
)
def test_each_hard_rule_rejects_with_its_reason(api, rule):
    policy = delivered_policy(api, f"HR-{rule}")
    amount, photos = "50.00", [photo(3)]
    if rule == "no_active_policy":
        policy_cancel(policy=policy, actor="test")
    elif rule == "outside_claim_window":
        Policy.objects.filter(pk=policy.pk).update(
            delivered_at=timezone.now() - timedelta(hours=49)
        )
    elif rule == "duplicate_claim":
        submit(policy, amount="10.00", photos=[photo(4)])
        Policy.objects.filter(pk=policy.pk).update(status=PolicyStatus.ACTIVE)
    elif rule == "amount_above_cover":
        amount = "200.01"
    else:
        photos = []

    claim = submit(Policy.objects.get(pk=policy.pk), amount=amount, photos=photos)

    assert (claim.status, claim.reason_code) == (ClaimStatus.REJECTED, rule)
    assert claim.events.last().reason  # the words a person reads
    assert not Payout.objects.filter(claim=claim).exists()


def test_a_reused_photo_sends_the_claim_to_a_reviewer_not_to_rejection(api):
    first = delivered_policy(api, "R-1", {**PRODUCE, "buyer_ref": "alice"})
    second = delivered_policy(api, "R-2", {**PRODUCE, "buyer_ref": "bob"})
    submit(first, photos=[photo(5)])

    claim = submit(second, photos=[photo(5)])

    assert claim.status == ClaimStatus.NEEDS_REVIEW
    codes = [reason["code"] for reason in claim.review_reasons]
    assert codes == ["photo_reused_other_claimant"]
    assert claim.risk_score == 60
    assert f"claim:{Claim.objects.order_by('pk').first().pk}" in claim.review_reasons[0]["reason"]


def test_reuse_by_the_same_claimant_and_across_merchants_are_told_apart(api, other_api):
    mine = delivered_policy(api, "M-1", {**PRODUCE, "buyer_ref": "carol"})
    mine_again = delivered_policy(api, "M-2", {**PRODUCE, "buyer_ref": "carol"})
    theirs = delivered_policy(other_api, "T-1", {**PRODUCE, "buyer_ref": "dave"})
    submit(mine, photos=[photo(6)])

    same = submit(mine_again, photos=[photo(6)])
    other = submit(theirs, photos=[photo(6)])

    assert [r["code"] for r in same.review_reasons] == ["photo_reused_same_claimant"]
    assert {r["code"] for r in other.review_reasons} == {"photo_reused_other_merchant"}


def test_a_rotated_recompressed_reuse_is_caught(api):
    submit(delivered_policy(api, "ROT-1"), photos=[photo(7)])
    turned = Image.open(io.BytesIO(jpeg(7))).transpose(Image.Transpose.ROTATE_90)

    claim = submit(
        delivered_policy(api, "ROT-2", {**PRODUCE, "buyer_ref": "erin"}),
        photos=[upload("turned.jpg", encoded(turned, "JPEG", quality=60))],
    )

    assert claim.status == ClaimStatus.NEEDS_REVIEW
    assert claim.review_reasons[0]["code"] == "photo_reused_other_claimant"


def test_velocity_and_low_trust_are_signals(api):
    set_rules("fresh_produce", velocity_max_claims=2)
    claims = [
        submit(
            delivered_policy(api, f"V-{n}", {**PRODUCE, "buyer_ref": "fast"}),
            photos=[photo(10 + n)],
            device_id="phone-1",
        )
        for n in range(3)
    ]
    ClaimantTrust.objects.create(claimant_ref="shady", level=1)
    shady = submit(
        delivered_policy(api, "LT-1", {**PRODUCE, "buyer_ref": "shady"}), photos=[photo(20)]
    )

    assert [c.status for c in claims] == ["paid", "paid", "needs_review"]
    assert {r["code"] for r in claims[2].review_reasons} == {"velocity_claimant", "velocity_device"}
    assert [r["code"] for r in shady.review_reasons] == ["low_trust"]


def test_an_unreadable_stored_photo_routes_to_review_with_that_reason(produce_policy):
    claim = claim_submit(
        merchant=produce_policy.merchant,
        policy_id=produce_policy.pk,
        claimant_ref=produce_policy.buyer_ref,
        amount=Decimal("40.00"),
        description="",
        photos=[photo_check(photo(30))],
        actor="test",
    )
    stored = claim.photos.get()
    Path(stored.image.path).write_bytes(b"\xff\xd8 the disk lost the rest")

    claim = claim_screen(claim_id=claim.pk)

    assert claim.status == ClaimStatus.NEEDS_REVIEW
    assert [r["code"] for r in claim.review_reasons] == ["photo_unreadable"]
    assert "could not be read" in claim.review_reasons[0]["reason"]


def test_a_large_amount_goes_to_a_person(api):
    set_rules("fresh_produce", auto_approve_max_amount=Decimal("50.00"))

    claim = submit(delivered_policy(api, "BIG-1"), amount="150.00", photos=[photo(31)])

    assert [r["code"] for r in claim.review_reasons] == ["large_amount"]


def test_decisions_and_payouts_are_announced_to_the_merchant(api, produce_policy):
    api.post(
        "/api/v1/webhook-endpoints",
        {"url": "https://shop.example/hooks", "event_types": ["claim.decided", "claim.paid"]},
        format="json",
    )

    claim = submit(produce_policy, photos=[photo(32)])

    events = [(e.type, e.payload["status"]) for e in WebhookEvent.objects.order_by("created_at")]
    assert events == [("claim.decided", "approved"), ("claim.paid", "paid")]
    assert all(e.payload["claim_id"] == claim.pk for e in WebhookEvent.objects.all())


def test_a_copy_screened_before_its_original_is_still_caught(api):
    """After an outage, workers may take the copy first: the original's photo is indexed
    before the copy is checked, so the copy is caught (and the original is looked at too)."""
    original_policy = delivered_policy(api, "ORD-1", {**PRODUCE, "buyer_ref": "gil"})
    copy_policy = delivered_policy(api, "ORD-2", {**PRODUCE, "buyer_ref": "hal"})
    filed = [
        claim_submit(
            merchant=policy.merchant,
            policy_id=policy.pk,
            claimant_ref=policy.buyer_ref,
            amount=Decimal("20.00"),
            description="",
            photos=[photo_check(photo(50))],
            actor="test",
        )
        for policy in (original_policy, copy_policy)
    ]

    copy = claim_screen(claim_id=filed[1].pk)
    original = claim_screen(claim_id=filed[0].pk)

    assert copy.status == original.status == ClaimStatus.NEEDS_REVIEW
    assert [r["code"] for r in copy.review_reasons] == ["photo_reused_other_claimant"]
    assert not Payout.objects.exists()


@pytest.mark.parametrize(
    "content, reason",
    [
        (blank((0, 0, 0)), "uniform"),
        (blank((255, 255, 255), fmt="JPEG"), "uniform"),
        (near_uniform(2), "uniform"),
        (tiny_subject(60), "tiny_subject"),
        (blurred(61), "blurred"),
        (dark(62), "dark"),
    ],
    ids=["black", "white", "near-uniform", "tiny-subject", "blurred", "dark"],
)
def test_a_photo_that_shows_nothing_sends_the_claim_to_a_person(api, content, reason):
    claim = submit(
        delivered_policy(api, f"UN-{reason}-{len(content)}"),
        photos=[upload("evidence.png" if content[:4] == b"\x89PNG" else "evidence.jpg", content)],
    )

    assert claim.status == ClaimStatus.NEEDS_REVIEW
    [signal] = claim.review_reasons
    assert (signal["code"], signal["unusable"]) == ("photo_unusable", reason)
    assert signal["measured"] and reason.replace("_", " ") in signal["reason"]
    assert not Payout.objects.filter(claim=claim).exists()


def test_blank_evidence_sent_again_by_someone_else_is_a_reuse_too(api):
    """The same bytes of a blank frame, by two claimants: neither claim is paid, and the
    second is told it is a copy of the first."""
    black = blank((0, 0, 0))
    first = submit(
        delivered_policy(api, "BL-1", {**PRODUCE, "buyer_ref": "ivy"}),
        amount="100.00",
        photos=[upload("a.png", black)],
    )
    second = submit(
        delivered_policy(api, "BL-2", {**PRODUCE, "buyer_ref": "jon"}),
        amount="100.00",
        photos=[upload("b.png", black)],
    )

    assert first.status == second.status == ClaimStatus.NEEDS_REVIEW
    assert [r["code"] for r in first.review_reasons] == ["photo_unusable"]
    codes = [r["code"] for r in second.review_reasons]
    assert codes == ["photo_unusable", "photo_reused_other_claimant"]
    assert second.review_reasons[1]["method"] == "sha256"
    assert not Payout.objects.exists()


def test_a_huge_black_photo_sent_six_times_after_an_earlier_claim_is_not_paid(api):
    huge = blank((0, 0, 0), (6000, 6000))
    submit(
        delivered_policy(api, "HB-1", {**PRODUCE, "buyer_ref": "kim"}),
        photos=[upload("x.png", huge)],
    )

    claim = submit(
        delivered_policy(api, "HB-2", {**PRODUCE, "buyer_ref": "kim"}),
        photos=[upload(f"{n}.png", huge) for n in range(6)],
    )

    assert claim.status == ClaimStatus.NEEDS_REVIEW
    codes = {r["code"] for r in claim.review_reasons}
    assert codes == {"photo_unusable", "photo_reused_same_claimant"}
    assert not Payout.objects.filter(claim=claim).exists()


def test_a_byte_identical_photo_is_flagged_on_its_second_use(api):
    submit(delivered_policy(api, "BY-1", {**PRODUCE, "buyer_ref": "lee"}), photos=[photo(63)])

    claim = submit(
        delivered_policy(api, "BY-2", {**PRODUCE, "buyer_ref": "max"}), photos=[photo(63)]
    )

    [signal] = claim.review_reasons
    assert (signal["code"], signal["method"], signal["score"]) == (
        "photo_reused_other_claimant",
        "sha256",
        1.0,
    )
