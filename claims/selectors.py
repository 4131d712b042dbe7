from django.db.models import Count, QuerySet

from claims.models import Claim, ClaimStatus
from config.errors import NotFoundError
from insurance.models import Merchant


def claims_for_merchant(*, merchant: Merchant) -> QuerySet[Claim]:
    return Claim.objects.filter(merchant=merchant).select_related("product", "payout")


def claim_get_for_merchant(*, merchant: Merchant, claim_id: int) -> Claim:
    claim = (
        claims_for_merchant(merchant=merchant)
        .prefetch_related("events", "photos")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        # The same answer whether the claim is missing or another merchant's: no probing.
        raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.")
    return claim


def claim_queue() -> QuerySet[Claim]:
    """Claims that need a person: riskiest first, then oldest."""
    return (
        Claim.objects.filter(status=ClaimStatus.NEEDS_REVIEW)
        .select_related("merchant", "product", "policy", "assigned_to")
        .order_by("-risk_score", "submitted_at", "id")
    )


def claim_queue_reason_counts() -> dict[str, int]:
    """How many claims in the queue carry each review reason."""
    counts: dict[str, int] = {}
    for reasons in claim_queue().values_list("review_reasons", flat=True):
        for code in {reason["code"] for reason in reasons}:
            counts[code] = counts.get(code, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def claim_status_counts(*, merchant: Merchant | None = None) -> dict[str, int]:
    claims = Claim.objects.all() if merchant is None else Claim.objects.filter(merchant=merchant)
    return dict(claims.values_list("status").annotate(n=Count("id")))
