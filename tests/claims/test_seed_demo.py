"""The demo data: 90 days of business recorded at their own moments, consistent books."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F, Sum
from django.utils import timezone

from claims.models import Claim, ClaimStatus, Payout
from insurance.models import LedgerTransfer, Merchant, OrderEvent, Policy, TransferKind
from insurance.selectors import CLAIM_PAYOUT_KINDS, merchant_daily_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=io.StringIO())
    return Merchant.objects.get(slug="demo-shop")


def test_the_demo_spreads_over_90_days_with_a_believable_loss_ratio(demo):
    now = timezone.now()
    issued = Policy.objects.filter(merchant=demo).values_list("issued_at", flat=True)
    days = {timezone.localdate(moment) for moment in issued}
    end = timezone.localdate()
    totals = merchant_daily_figures(merchant=demo, start=end - timedelta(days=89), end=end)

    assert min(issued) >= now - timedelta(days=90)
    assert max(issued) <= now
    assert len(days) >= 85  # business every day, not one spike
    assert 0.15 <= totals["by_currency"]["CNY"]["loss_ratio"] <= 0.40
    for month in range(3):  # each month too: the dashboard shows 30 days beside the 30 before
        last = end - timedelta(days=30 * month)
        monthly = merchant_daily_figures(merchant=demo, start=last - timedelta(days=29), end=last)
        assert 0.15 <= monthly["by_currency"]["CNY"]["loss_ratio"] <= 0.40, month


def test_the_demo_s_events_follow_their_policies_and_the_books_agree(demo):
    policies = Policy.objects.filter(merchant=demo)
    written = LedgerTransfer.objects.filter(merchant=demo, kind=TransferKind.PREMIUM_WRITTEN)
    paid = LedgerTransfer.objects.filter(merchant=demo, kind__in=CLAIM_PAYOUT_KINDS)
    by_policy = {p.order_ref: p for p in policies}

    for event in OrderEvent.objects.filter(merchant=demo):
        assert by_policy[event.order_ref].issued_at <= event.occurred_at <= timezone.now()
    assert written.count() == policies.count()
    assert not written.exclude(created_at=F("policy__issued_at")).exists()
    assert written.aggregate(s=Sum("amount"))["s"] == policies.aggregate(s=Sum("premium"))["s"]
    assert paid.aggregate(s=Sum("amount"))["s"] == Payout.objects.aggregate(s=Sum("amount"))["s"]
    for claim in Claim.objects.filter(merchant=demo).select_related("policy", "payout"):
        assert claim.submitted_at >= claim.policy.issued_at
        if hasattr(claim, "payout"):
            assert (
                claim.submitted_at
                <= claim.payout.paid_at
                <= claim.submitted_at + timedelta(minutes=5)
            )


def test_the_demo_gives_a_reviewer_reused_photos_and_runs_again_without_adding(demo):
    queue = Claim.objects.filter(status=ClaimStatus.NEEDS_REVIEW)
    transforms = {reason["transform"] for c in queue for reason in c.review_reasons}
    policies = Policy.objects.count()

    call_command("seed_demo", stdout=io.StringIO())

    assert queue.count() == 3
    assert len(transforms) == 3  # as taken, turned and mirrored
    assert Policy.objects.count() == policies
