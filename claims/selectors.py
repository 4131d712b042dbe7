from django.db.models import QuerySet

from claims.models import Claim
from config.errors import NotFoundError
from insurance.models import Merchant


def claims_for_merchant(*, merchant: Merchant) -> QuerySet[Claim]:
    return Claim.objects.filter(merchant=merchant).select_related("policy__product")


def claim_get_for_merchant(*, merchant: Merchant, claim_id: int) -> Claim:
    try:
        return (
            claims_for_merchant(merchant=merchant)
            .select_related("payout")
            .prefetch_related("events")
            .get(pk=claim_id)
        )
    except Claim.DoesNotExist:
        raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.") from None
