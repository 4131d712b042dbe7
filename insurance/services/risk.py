"""History the rating reads: buyers' and merchants' return and claim counts, refreshed in bulk."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q

from config import clock
from insurance.models import Policy, RiskProfile, RiskSubject

HISTORY_DAYS = 365


def risk_profiles_refresh(*, history_days: int = HISTORY_DAYS) -> int:
    """Recount every buyer's and merchant's policies, returns and paid claims of the last year.

    A periodic job, so issuance never updates a shared counter row. Returns profiles written.
    """
    now = clock.now()
    recent = Policy.objects.filter(issued_at__gte=now - timedelta(days=history_days))
    counts = {
        "policies": Count("id"),
        # Order events that opened a claim: a return-shipping product's returns.
        "returns": Count("id", filter=Q(claim_event_at__isnull=False)),
        "claims": Count("id", filter=Q(cover_used__gt=0)),
    }
    rows = [
        RiskProfile(
            subject=RiskSubject.BUYER,
            subject_ref=row["buyer_ref"],
            refreshed_at=now,
            policies=row["policies"],
            returns=row["returns"],
            claims=row["claims"],
        )
        for row in recent.exclude(buyer_ref="").values("buyer_ref").annotate(**counts)
    ] + [
        RiskProfile(
            subject=RiskSubject.MERCHANT,
            subject_ref=str(row["merchant_id"]),
            refreshed_at=now,
            policies=row["policies"],
            returns=row["returns"],
            claims=row["claims"],
        )
        for row in recent.values("merchant_id").annotate(**counts)
    ]
    with transaction.atomic():
        RiskProfile.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["subject", "subject_ref"],
            update_fields=["policies", "returns", "claims", "refreshed_at"],
        )
    return len(rows)
