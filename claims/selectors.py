from django.db import connection
from django.db.models import QuerySet

from claims.models import Claim, ClaimPhoto, ClaimStatus
from config.errors import NotFoundError
from insurance.models import Merchant


def claims_for_merchant(*, merchant: Merchant) -> QuerySet[Claim]:
    return Claim.objects.filter(merchant=merchant).select_related("product", "payout")


def claim_get_for_merchant(*, merchant: Merchant, claim_id: int) -> Claim:
    claim = (
        claims_for_merchant(merchant=merchant)
        .select_related("policy", "recovery")
        .prefetch_related("events", "photos")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        # The same answer whether the claim is missing or another merchant's: no probing.
        raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.")
    return claim


def claim_queue(*, product: str = "", merchant: str = "", reason: str = "") -> QuerySet[Claim]:
    """Claims that need a person: riskiest first, then oldest; optionally only one product's
    (code), one merchant's (slug) or those carrying one review reason (code)."""
    claims = (
        Claim.objects.filter(status=ClaimStatus.NEEDS_REVIEW)
        .select_related("merchant", "product", "policy", "assigned_to")
        .order_by("-risk_score", "submitted_at", "id")
    )
    if product:
        claims = claims.filter(product__code=product)
    if merchant:
        claims = claims.filter(merchant__slug=merchant)
    if reason:
        claims = _with_reason(claims, reason)
    return claims


def _with_reason(claims: QuerySet[Claim], code: str) -> QuerySet[Claim]:
    if connection.features.supports_json_field_contains:
        return claims.filter(review_reasons__contains=[{"code": code}])
    # SQLite (the embedded default) has no JSON containment: the queue's reasons are read
    # and matched here (the queue holds the claims waiting for a person, not every claim).
    matching = [
        pk
        for pk, reasons in claims.values_list("pk", "review_reasons")
        if any(reason.get("code") == code for reason in reasons)
    ]
    return claims.filter(pk__in=matching)


def claim_queue_reason_counts() -> dict[str, int]:
    """How many claims in the queue carry each review reason."""
    counts: dict[str, int] = {}
    for reasons in claim_queue().values_list("review_reasons", flat=True):
        for code in {reason["code"] for reason in reasons}:
            counts[code] = counts.get(code, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def deposit_claims_for_policies(*, policy_ids: list[int]) -> list[Claim]:
    """Claims paid (or being paid) from a merchant's deposit cover, with what is owed back."""
    return list(
        Claim.objects.filter(policy_id__in=policy_ids)
        .select_related("payout", "recovery")
        .order_by("-submitted_at")
    )


def claim_for_review(*, claim_id: int) -> Claim:
    claim = (
        Claim.objects.select_related("merchant", "product", "policy", "assigned_to", "payout")
        .prefetch_related("photos", "events")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.")
    return claim


def claimant_history(*, claimant_ref: str, exclude_claim_id: int, limit: int = 20) -> list[Claim]:
    """The claimant's other claims, across merchants, newest first (reviewers only)."""
    return list(
        Claim.objects.filter(claimant_ref=claimant_ref)
        .exclude(pk=exclude_claim_id)
        .select_related("merchant", "product")
        .order_by("-submitted_at")[:limit]
    )


def claim_photo_for_merchant(*, merchant: Merchant, photo_id: int) -> ClaimPhoto | None:
    """A photo of one of the merchant's claims; None for another merchant's, as for none."""
    return ClaimPhoto.objects.filter(pk=photo_id, claim__merchant=merchant).first()


def claim_photo_for_review(*, photo_id: int) -> ClaimPhoto | None:
    """Any claim's photo: reviewers look at every merchant's claims."""
    return ClaimPhoto.objects.filter(pk=photo_id).first()


def claim_photo_by_ref(*, photo_ref: str) -> ClaimPhoto | None:
    """The claim photo behind a fraud reference "claim-photo:<id>"."""
    prefix, _, number = photo_ref.partition(":")
    if prefix != "claim-photo" or not number.isdigit():
        return None
    return ClaimPhoto.objects.select_related("claim").filter(pk=int(number)).first()
