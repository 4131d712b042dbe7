"""Intake: claims filed by buyers, opened by order events, or filed by the platform."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from claims.models import (
    Claim,
    ClaimEvent,
    ClaimOrigin,
    ClaimPhoto,
    ClaimStatus,
)
from claims.payouts import payout_provider
from claims.photos import CheckedPhoto
from claims.services.adjudication import claim_settle
from claims.services.evidence import rules_for, screening_run
from claims.services.payment import claim_pay
from claims.services.transitions import WORKER_ACTOR
from config.errors import ApplicationError
from insurance.models import (
    ClaimTrigger,
    Merchant,
    PayoutRule,
    Policy,
)
from insurance.money import has_minor_unit_precision
from insurance.selectors import policy_get, policy_get_for_merchant
from outbox.models import OutboxTask
from outbox.services import outbox_complete, outbox_enqueue

SCREEN_TASK = "claims.screen"


def _store_photo(photo: CheckedPhoto) -> str:
    """Write a photo under a name made of its content's digest; returns the stored name.

    Written before the claim's transaction: if that rolls back, the file is an unreferenced
    copy of bytes someone sent (and a retry reuses it), never a claim without its evidence.
    """
    name = f"claims/photos/{photo.sha256[:2]}/{photo.sha256}{photo.extension}"
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(photo.content))


def _create(
    *,
    policy: Policy,
    origin: str,
    claimant_ref: str,
    amount: Decimal,
    description: str,
    actor: str,
    photos: list[CheckedPhoto] = (),
    tracking_number: str = "",
    device_id: str = "",
    address: str = "",
    queue_screening: bool = True,
) -> tuple[Claim, OutboxTask | None]:
    """A submitted claim with its photos (caller's transaction).

    Its screening is recorded in the outbox and sent to a worker when the transaction
    commits, unless the caller screens it in this same transaction (`queue_screening=False`).
    """
    if policy.product.payout_rule == PayoutRule.COVER_LEFT:
        amount = policy.remaining_cover  # the product pays its cover, whatever was asked
    if amount <= 0:
        raise ApplicationError(
            "invalid_amount",
            "The amount must be positive.",
            fields={"amount": ["Must be above 0."]},
        )
    if not has_minor_unit_precision(amount, policy.currency):
        raise ApplicationError(
            "amount_precision",
            f"The amount has more decimals than {policy.currency} amounts have.",
            fields={"amount": [f"Write it in {policy.currency}'s smallest unit."]},
        )
    names = [_store_photo(photo) for photo in photos]
    claim = Claim.objects.create(
        merchant_id=policy.merchant_id,
        policy=policy,
        product_id=policy.product_id,
        origin=origin,
        claimant_ref=claimant_ref,
        amount=amount,
        currency=policy.currency,
        description=description,
        tracking_number=tracking_number,
        device_id=device_id,
        address=address,
    )
    ClaimEvent.objects.create(
        claim=claim, to_status=ClaimStatus.SUBMITTED, actor=actor, reason=f"filed ({origin})"
    )
    ClaimPhoto.objects.bulk_create(
        [
            ClaimPhoto(
                claim=claim,
                image=name,
                original_name=photo.original_name,
                content_type=photo.content_type,
                size=len(photo.content),
                sha256=photo.sha256,
                width=photo.width,
                height=photo.height,
            )
            for name, photo in zip(names, photos, strict=True)
        ]
    )
    if not queue_screening:
        return claim, None
    return claim, outbox_enqueue(task_name=SCREEN_TASK, kwargs={"claim_id": claim.pk})


def claim_submit(
    *,
    merchant: Merchant,
    policy_id: int,
    claimant_ref: str,
    amount: Decimal,
    description: str,
    photos: list[CheckedPhoto],
    actor: str,
    device_id: str = "",
    address: str = "",
) -> Claim:
    """A buyer's claim, filed through the merchant's API key."""
    policy = policy_get_for_merchant(merchant=merchant, policy_id=policy_id)
    product = policy.product
    if product.claim_trigger != ClaimTrigger.CLAIMANT:
        where = (
            f"open by themselves on the order event {product.claim_event!r}"
            if product.claim_trigger == ClaimTrigger.ORDER_EVENT
            else "are filed by the platform"
        )
        raise ApplicationError(
            "claim_not_allowed",
            f"{product.code} claims {where}.",
            fields={"policy_id": ["Claims on this product are not filed through this endpoint."]},
        )
    with transaction.atomic():
        claim, _ = _create(
            policy=policy,
            origin=ClaimOrigin.CLAIMANT,
            claimant_ref=claimant_ref,
            amount=amount,
            description=description,
            photos=photos,
            actor=actor,
            device_id=device_id,
            address=address,
        )
    return claim


def claim_open_for_event(*, policy_id: int, reference: str, outbox_id: int | None = None) -> Claim:
    """The order event the product names opened its claim, once, for the cover left (a
    shipped return: the courier fee).

    Runs in a worker: insurance recorded the need (the outbox row) with the order event. The
    claim has no photo, so nothing slow needs committing ahead: it is opened, screened,
    decided and (with the ledger provider) paid in one transaction, which also completes the
    outbox row. If anything fails nothing is kept, and the row sends the work again. A repeat
    (a delivery again, however late, whatever the claim's state since) finds the claim opened
    the first time and does nothing else.
    """
    provider = payout_provider()
    try:
        with transaction.atomic():
            policy = Policy.objects.select_for_update().select_related("product").get(pk=policy_id)
            opened = Claim.objects.filter(policy=policy, origin=ClaimOrigin.ORDER_EVENT).first()
            if opened is not None:
                outbox_complete(outbox_id=outbox_id)
                return opened
            claim, _ = _create(
                policy=policy,
                origin=ClaimOrigin.ORDER_EVENT,
                claimant_ref=policy.buyer_ref,
                amount=policy.remaining_cover,
                tracking_number=reference,
                description=f"Order event {policy.product.claim_event} ({reference}).",
                actor=WORKER_ACTOR,
                queue_screening=False,
            )
            screening = screening_run(claim, [], rules_for(claim.product_id))
            payment = claim_settle(claim, policy, screening, provider)
            outbox_complete(outbox_id=outbox_id)
    except IntegrityError:
        with transaction.atomic():
            outbox_complete(outbox_id=outbox_id)
        return Claim.objects.get(policy_id=policy_id, origin=ClaimOrigin.ORDER_EVENT)
    if payment is not None:
        return claim_pay(claim_id=claim.pk, outbox_id=payment.pk)
    return claim


def claim_file_for_buyer(
    *, policy_id: int, claimant_ref: str, amount: Decimal, description: str, actor: str
) -> Claim:
    """The platform ruled that a merchant failed a buyer: the merchant's cover pays the buyer
    (and, if the product says so, the amount is recovered from the merchant)."""
    policy = policy_get(policy_id=policy_id)
    if policy.product.claim_trigger != ClaimTrigger.PLATFORM:
        raise ApplicationError(
            "claim_not_allowed", f"{policy.product.code} claims are not filed by the platform."
        )
    with transaction.atomic():
        claim, _ = _create(
            policy=policy,
            origin=ClaimOrigin.PLATFORM,
            claimant_ref=claimant_ref,
            amount=amount,
            description=description,
            actor=actor,
        )
    return claim
