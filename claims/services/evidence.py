"""What the photos and the claimant say: fraud/ asked about every photo, its answers turned into
review signals."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from decimal import Decimal

from cachetools import TTLCache
from django.conf import settings

from claims.models import (
    Claim,
    ClaimPhoto,
    ClaimRules,
    ClaimStatus,
)
from claims.services.transitions import claim_ref
from fraud.services import (
    PhotoCheck,
    PhotoSubject,
    Signal,
    claim_signals,
    photo_index,
    photos_indexed,
)
from fraud.services import photo_check as fraud_photo_check

EARLIER_PHOTOS_LIMIT = 500
# Review reasons that always carry weight, whatever else is known.
UNREADABLE_PHOTO = Signal("photo_unreadable", "a photo could not be read", 40)
UNUSABLE_PHOTO = Signal("photo_unusable", "a photo shows too little to judge", 40)


@dataclass(frozen=True)
class Screening:
    """What a worker learned about a claim before deciding it."""

    photo_count: int
    photo_checks: list[PhotoCheck]
    signals: list[Signal]


_rules: TTLCache = TTLCache(maxsize=1000, ttl=settings.PRODUCT_CACHE_SECONDS)


def claim_rules_forget() -> None:
    _rules.clear()


def rules_for(product_id: int) -> ClaimRules:
    """A product's thresholds, kept a few seconds like the products themselves. A product
    with none sends every claim to a reviewer: no automatic payment without a limit."""
    if product_id not in _rules:
        _rules[product_id] = ClaimRules.objects.filter(product_id=product_id).first() or ClaimRules(
            product_id=product_id, auto_approve_max_amount=Decimal(0)
        )
    return _rules[product_id]


PHOTO_REUSE_WEIGHTS = {"same_claimant": 40, "other_claimant": 60, "other_merchant": 50}


def _photo_signals(checks: list[PhotoCheck]) -> list[Signal]:
    signals = []
    for check in checks:
        if not check.readable:
            signals.append(
                Signal(
                    UNREADABLE_PHOTO.code,
                    f"{UNREADABLE_PHOTO.reason}: {check.error}",
                    UNREADABLE_PHOTO.weight,
                    {"photo_ref": check.photo_ref},
                )
            )
        if check.unusable:
            measured = ", ".join(f"{name} {value:g}" for name, value in check.measured.items())
            signals.append(
                Signal(
                    UNUSABLE_PHOTO.code,
                    f"{UNUSABLE_PHOTO.reason}: {check.unusable.replace('_', ' ')} ({measured})",
                    UNUSABLE_PHOTO.weight,
                    {
                        "photo_ref": check.photo_ref,
                        "unusable": check.unusable,
                        "measured": check.measured,
                    },
                )
            )
        for match in check.matches:
            signals.append(
                Signal(
                    f"photo_reused_{match.relation}",
                    f"a photo was used before in {match.claim_ref} "
                    f"({match.relation.replace('_', ' ')}, {match.method}, score "
                    f"{match.score:.2f}, distance {match.distance})",
                    PHOTO_REUSE_WEIGHTS[match.relation],
                    {
                        "photo_ref": check.photo_ref,
                        "matched_photo_ref": match.photo_ref,
                        "matched_claim_ref": match.claim_ref,
                        "claimant_ref": match.claimant_ref,
                        "merchant_id": match.merchant_id,
                        "indexed_at": match.indexed_at.isoformat(),
                        "distance": match.distance,
                        "score": match.score,
                        "inliers": match.inliers,
                        "method": match.method,
                        "transform": match.transform,
                    },
                )
            )
    return signals


def _subject(claim: Claim, photo: ClaimPhoto) -> PhotoSubject:
    return PhotoSubject(
        photo_ref=f"claim-photo:{photo.pk}",
        claim_ref=claim_ref(claim),
        claimant_ref=claim.claimant_ref,
        merchant_id=claim.merchant_id,
    )


def _read(photo: ClaimPhoto) -> bytes:
    with photo.image.open("rb") as file:
        return file.read()


def _index_earlier_photos(claim: Claim) -> None:
    """Index the photos of claims filed before this one and still waiting to be screened.

    Workers do not take claims in the order they came (a lost message waits for the outbox
    sweeper): without this, a copy screened before its original would find nothing and be
    paid. At most EARLIER_PHOTOS_LIMIT per screening, so a huge backlog cannot stall one task.
    """
    waiting = list(
        ClaimPhoto.objects.filter(
            claim_id__lt=claim.pk,
            claim__status__in=[ClaimStatus.SUBMITTED, ClaimStatus.SCREENING],
        )
        .select_related("claim")
        .order_by("claim_id")[:EARLIER_PHOTOS_LIMIT]
    )
    if not waiting:
        return
    known = photos_indexed(photo_refs=[f"claim-photo:{photo.pk}" for photo in waiting])
    for photo in waiting:
        if f"claim-photo:{photo.pk}" not in known:
            with contextlib.suppress(OSError):  # its own screening will report it
                photo_index(subject=_subject(photo.claim, photo), data=_read(photo))


def screening_run(claim: Claim, photos: list[ClaimPhoto], rules: ClaimRules) -> Screening:
    """Ask fraud/ about the claim's photos and claimant. Outside any transaction: the photo
    work is the slow part, and every question is idempotent."""
    if photos:
        _index_earlier_photos(claim)
    checks = []
    for photo in photos:
        subject = _subject(claim, photo)
        try:
            data = _read(photo)
        except OSError as error:
            checks.append(
                PhotoCheck(
                    photo_ref=subject.photo_ref,
                    readable=False,
                    error=f"the stored file cannot be read ({error})",
                )
            )
            continue
        checks.append(fraud_photo_check(subject=subject, data=data))
    signals = _photo_signals(checks)
    signals += claim_signals(
        claim_ref=claim_ref(claim),
        claimant_ref=claim.claimant_ref,
        merchant_id=claim.merchant_id,
        device_id=claim.device_id,
        address=claim.address,
        at=claim.submitted_at,
        window_hours=rules.velocity_window_hours,
        max_claims=rules.velocity_max_claims,
        min_trust_level=rules.min_trust_level,
    )
    if claim.amount > rules.auto_approve_max_amount:
        signals.append(
            Signal(
                "large_amount",
                f"amount {claim.amount} is above the automatic limit "
                f"{rules.auto_approve_max_amount}",
                20,
            )
        )
    return Screening(photo_count=len(photos), photo_checks=checks, signals=signals)
