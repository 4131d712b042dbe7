from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Claim, ClaimRules
from claims.photos import photo_check
from claims.services import claim_screen, claim_submit
from tests.photos import jpeg


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def photo(seed: int) -> SimpleUploadedFile:
    """A new spoilage photo; the same seed gives the same photo."""
    return upload(f"photo-{seed}.jpg", jpeg(seed))


def submit(
    policy, *, claimant_ref: str | None = None, amount: str | None = None, photos=(), **extra
) -> Claim:
    """File a claim through the service (as the API does) and screen it as a worker would."""
    claim = claim_submit(
        merchant=policy.merchant,
        policy_id=policy.pk,
        claimant_ref=claimant_ref or policy.buyer_ref,
        amount=Decimal(amount) if amount else min(policy.cover, Decimal("50.00")),
        description="spoiled",
        photos=[photo_check(p) for p in photos],
        actor="test",
        **extra,
    )
    return claim_screen(claim_id=claim.pk)


def set_rules(product: str, **thresholds) -> None:
    """Change a product's claim rules as staff do in the admin (saved, so caches forget)."""
    rules = ClaimRules.objects.get(product__code=product)
    for name, value in thresholds.items():
        setattr(rules, name, value)
    rules.save()
