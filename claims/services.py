"""Claims: intake, the state machine, adjudication, payouts, reviews and recoveries."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from cachetools import TTLCache
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from claims.models import (
    CLAIM_TRANSITIONS,
    Claim,
    ClaimEvent,
    ClaimOrigin,
    ClaimPhoto,
    ClaimRules,
    ClaimStatus,
    Payout,
    Recovery,
    RejectReason,
    ReviewerRejectReason,
)
from claims.payouts import payout_provider
from claims.photos import CheckedPhoto
from config import clock
from config.errors import ApplicationError, ConflictError, NotFoundError
from fraud.services import (
    PhotoCheck,
    PhotoSubject,
    Signal,
    claim_signals,
    fraud_confirm,
    photo_index,
    photos_indexed,
)
from fraud.services import photo_check as fraud_photo_check
from insurance.models import (
    ClaimTrigger,
    ClaimWindowStart,
    Merchant,
    PayoutRule,
    Policy,
    PolicyStatus,
    WebhookEventType,
)
from insurance.money import has_minor_unit_precision, money_text
from insurance.selectors import policy_get, policy_get_for_merchant
from insurance.services.policies import policy_record_payout, policy_record_recovery
from insurance.services.webhooks import webhook_events_emit
from outbox.models import OutboxTask
from outbox.services import outbox_complete, outbox_enqueue

logger = logging.getLogger(__name__)

WORKER_ACTOR = "system:adjudicator"
SCREEN_TASK = "claims.screen"
PAY_TASK = "claims.pay"
EARLIER_PHOTOS_LIMIT = 500
# Review reasons that always carry weight, whatever else is known.
UNREADABLE_PHOTO = Signal("photo_unreadable", "a photo could not be read", 40)
UNUSABLE_PHOTO = Signal("photo_unusable", "a photo shows too little to judge", 40)


# --- The state machine -----------------------------------------------------------------------
def claim_transition(
    *, claim: Claim, to_status: str, actor: str, reason: str = "", changes: dict | None = None
) -> None:
    """Move a claim along one edge of the transition table, with its event row.

    A guarded UPDATE ... WHERE status = <from>: if another process moved the claim first, the
    row count is 0, nothing is written, and the caller gets a conflict. The conflict aborts
    the transaction the move is part of: a caller that goes on after one gives the move its
    own atomic block.
    """
    from_status = claim.status
    if to_status not in CLAIM_TRANSITIONS[from_status]:
        raise ConflictError(
            "invalid_transition", f"A claim cannot go from {from_status} to {to_status}."
        )
    changes = {"status": to_status, **(changes or {})}
    # No savepoint: a refused move aborts whatever transaction it is part of.
    with transaction.atomic(savepoint=False):
        if Claim.objects.filter(pk=claim.pk, status=from_status).update(**changes) != 1:
            raise ConflictError(
                "claim_state_changed",
                f"Claim {claim.pk} is no longer {from_status}: someone else acted on it first.",
            )
        ClaimEvent.objects.create(
            claim=claim,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason[:500],
        )
    for name, value in changes.items():
        setattr(claim, name, value)


def _claim_ref(claim: Claim) -> str:
    return f"claim:{claim.pk}"


def _claim_payload(claim: Claim) -> dict:
    return {
        "claim_id": claim.pk,
        "policy_id": claim.policy_id,
        "status": claim.status,
        "amount": money_text(claim.amount, claim.currency),
        "currency": claim.currency,
        "reason_code": claim.reason_code,
    }


# --- Intake ----------------------------------------------------------------------------------
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


def _safety_net() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


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
    finds the claim opened the first time.
    """
    provider = payout_provider()
    try:
        with transaction.atomic():
            policy = Policy.objects.select_for_update().select_related("product").get(pk=policy_id)
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
            screening = _screen(claim, [], _rules_for(claim.product_id))
            payment = _settle(claim, policy, screening, provider)
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


# --- Adjudication ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Screening:
    """What a worker learned about a claim before deciding it."""

    photo_count: int
    photo_checks: list[PhotoCheck]
    signals: list[Signal]


_rules: TTLCache = TTLCache(maxsize=1000, ttl=settings.PRODUCT_CACHE_SECONDS)


def claim_rules_forget() -> None:
    _rules.clear()


def _rules_for(product_id: int) -> ClaimRules:
    """A product's thresholds, kept a few seconds like the products themselves. A product
    with none sends every claim to a reviewer: no automatic payment without a limit."""
    if product_id not in _rules:
        _rules[product_id] = ClaimRules.objects.filter(product_id=product_id).first() or ClaimRules(
            product_id=product_id, auto_approve_max_amount=Decimal(0)
        )
    return _rules[product_id]


def _window_ends(policy: Policy) -> timezone.datetime:
    start = {
        ClaimWindowStart.ISSUANCE: policy.issued_at,
        ClaimWindowStart.DELIVERY: policy.delivered_at,
        ClaimWindowStart.COVER_START: policy.cover_starts_at,
    }[policy.product.claim_window_start] or policy.issued_at
    return start + timedelta(hours=policy.claim_window_hours)


def _hard_rule(claim: Claim, policy: Policy, photo_count: int) -> RejectReason | None:
    """The first hard rule the claim breaks, if any: the only grounds for an automatic no."""
    covered = policy.cover_starts_at is not None and policy.cover_starts_at <= claim.submitted_at
    if policy.status != PolicyStatus.ACTIVE or not covered:
        return RejectReason.NO_ACTIVE_POLICY
    if claim.submitted_at > _window_ends(policy):
        return RejectReason.OUTSIDE_WINDOW
    others = (
        Claim.objects.filter(policy=policy)
        .exclude(pk=claim.pk)
        .exclude(status=ClaimStatus.REJECTED)
        .aggregate(
            earlier=Count("id", filter=Q(pk__lt=claim.pk)),
            promised=Sum("amount", filter=Q(status=ClaimStatus.APPROVED)),
        )
    )
    limit = policy.product.claims_per_policy
    if limit and others["earlier"] >= limit:
        return RejectReason.DUPLICATE_CLAIM
    if claim.amount > policy.remaining_cover - (others["promised"] or 0):
        return RejectReason.ABOVE_COVER
    if policy.product.photo_required and not photo_count:
        return RejectReason.MISSING_PHOTO
    return None


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
        claim_ref=_claim_ref(claim),
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


def _screen(claim: Claim, photos: list[ClaimPhoto], rules: ClaimRules) -> Screening:
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
        claim_ref=_claim_ref(claim),
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


def claim_screen(*, claim_id: int, outbox_id: int | None = None) -> Claim:
    """Decide a submitted claim: reject on a hard rule, send to review on a soft signal,
    approve and pay otherwise.

    Idempotent and safe to run twice at once: every move is a guarded update, and a claim
    already past screening is left as it is. A claim with photos is marked as screening (and
    committed) before the slow photo work; one without goes through in a single transaction.
    """
    claim = Claim.objects.get(pk=claim_id)
    photos = list(claim.photos.all())
    if claim.status == ClaimStatus.SUBMITTED and photos:
        try:
            with transaction.atomic():
                claim_transition(claim=claim, to_status=ClaimStatus.SCREENING, actor=WORKER_ACTOR)
        except ConflictError:  # another worker got there first
            claim.refresh_from_db()
    if claim.status not in (ClaimStatus.SUBMITTED, ClaimStatus.SCREENING):
        with transaction.atomic():
            outbox_complete(outbox_id=outbox_id)
        return claim
    screening = _screen(claim, photos, _rules_for(claim.product_id))
    provider = payout_provider()
    with transaction.atomic():
        policy = (
            Policy.objects.select_for_update().select_related("product").get(pk=claim.policy_id)
        )
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        payment = _settle(claim, policy, screening, provider)
        outbox_complete(outbox_id=outbox_id)
    if payment is not None:
        return claim_pay(claim_id=claim.pk, outbox_id=payment.pk)
    return claim


def _settle(claim: Claim, policy: Policy, screening: Screening, provider) -> OutboxTask | None:
    """Screened, decided and, if approved, paid, in the caller's transaction (which holds the
    claim's and the policy's rows). An outside provider is paid after the commit: its
    payment record is returned, to be completed then (or sent again by the sweeper)."""
    if claim.status == ClaimStatus.SUBMITTED:
        claim_transition(claim=claim, to_status=ClaimStatus.SCREENING, actor=WORKER_ACTOR)
    if claim.status != ClaimStatus.SCREENING or not _decide(claim, policy, screening):
        return None
    if provider.settles_in_transaction:
        _record_payment(claim, policy, provider)
        return None
    return outbox_enqueue(task_name=PAY_TASK, kwargs={"claim_id": claim.pk}, delay=_safety_net())


def _decide(claim: Claim, policy: Policy, screening: Screening) -> bool:
    """Reject, send to review, or approve (caller's transaction); True when approved."""
    now = clock.now()
    failure = _hard_rule(claim, policy, screening.photo_count)
    if failure is not None:
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.REJECTED,
            actor=WORKER_ACTOR,
            reason=failure.label,
            changes={"reason_code": failure.value, "decided_at": now},
        )
        webhook_events_emit(
            merchant_id=claim.merchant_id,
            event_type=WebhookEventType.CLAIM_DECIDED,
            payloads=[_claim_payload(claim)],
        )
        return False
    if screening.signals:
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.NEEDS_REVIEW,
            actor=WORKER_ACTOR,
            # Codes only: the details (other claims, other merchants) are for reviewers.
            reason="sent to a reviewer: " + ", ".join(s.code for s in screening.signals),
            changes={
                "review_reasons": [
                    {"code": s.code, "reason": s.reason, "weight": s.weight, **s.details}
                    for s in screening.signals
                ],
                "risk_score": min(sum(s.weight for s in screening.signals), 100),
            },
        )
        return False
    _approve(claim, actor=WORKER_ACTOR, reason="all rules passed, no signals", now=now)
    return True


def _approve(claim: Claim, *, actor: str, reason: str, now) -> None:
    claim_transition(
        claim=claim,
        to_status=ClaimStatus.APPROVED,
        actor=actor,
        reason=reason,
        changes={"decided_at": now},
    )
    webhook_events_emit(
        merchant_id=claim.merchant_id,
        event_type=WebhookEventType.CLAIM_DECIDED,
        payloads=[_claim_payload(claim)],
    )


# --- Payouts ---------------------------------------------------------------------------------
def claim_pay(*, claim_id: int, outbox_id: int | None = None) -> Claim:
    """Pay an approved claim exactly once.

    An outside provider is asked first, outside the transaction, with the claim as its
    idempotency key; then the payout row, the ledger, the policy's cover and the move to paid
    commit together. The payout row is one-to-one with the claim: a second payment cannot be
    stored.
    """
    claim = Claim.objects.get(pk=claim_id)
    if claim.status != ClaimStatus.APPROVED:
        with transaction.atomic():
            outbox_complete(outbox_id=outbox_id)
        return claim
    provider = payout_provider()
    reference = (
        None
        if provider.settles_in_transaction
        else provider.pay(claim=claim, idempotency_key=_payment_key(claim))
    )
    with transaction.atomic():
        policy = (
            Policy.objects.select_for_update().select_related("product").get(pk=claim.policy_id)
        )
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.status == ClaimStatus.APPROVED:
            _record_payment(claim, policy, provider, reference)
        outbox_complete(outbox_id=outbox_id)
    return claim


def _payment_key(claim: Claim) -> str:
    return f"claim-{claim.pk}"


def _record_payment(claim: Claim, policy: Policy, provider, reference: str | None = None) -> None:
    """The payment's books, in the caller's transaction (the claim and policy are locked)."""
    if reference is None:
        reference = provider.pay(claim=claim, idempotency_key=_payment_key(claim))
    recoverable = policy.product.recover_from_merchant
    Payout.objects.create(
        claim=claim,
        amount=claim.amount,
        currency=claim.currency,
        provider=provider.name,
        provider_reference=reference,
    )
    policy_record_payout(
        policy=policy,
        claim_id=claim.pk,
        amount=claim.amount,
        actor=WORKER_ACTOR,
    )
    claim_transition(
        claim=claim,
        to_status=ClaimStatus.PAID,
        actor=WORKER_ACTOR,
        reason=f"paid by {provider.name} ({reference})",
        changes={"paid_at": clock.now()},
    )
    webhook_events_emit(
        merchant_id=claim.merchant_id,
        event_type=WebhookEventType.CLAIM_PAID,
        payloads=[_claim_payload(claim)],
    )
    if recoverable:
        Recovery.objects.create(claim=claim, amount_due=claim.amount)
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.RECOVERY_PENDING,
            actor=WORKER_ACTOR,
            reason=f"{claim.amount} {claim.currency} to recover from the merchant",
        )


# --- Reviewers -------------------------------------------------------------------------------
def _reviewable(claim_id: int) -> Claim:
    claim = Claim.objects.select_related("policy__product").filter(pk=claim_id).first()
    if claim is None:
        raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.")
    if claim.status != ClaimStatus.NEEDS_REVIEW:
        raise ConflictError(
            "claim_already_decided",
            f"Claim {claim_id} is {claim.get_status_display().lower()}; "
            "someone decided it already.",
        )
    return claim


def claim_assign(*, claim_id: int, reviewer, actor: str) -> Claim:
    claim = _reviewable(claim_id)
    with transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(assigned_to=reviewer)
        ClaimEvent.objects.create(
            claim=claim,
            from_status=claim.status,
            to_status=claim.status,
            actor=actor,
            reason=f"assigned to {reviewer}",
        )
    claim.assigned_to = reviewer
    return claim


def _undo_window() -> timedelta:
    return timedelta(seconds=settings.CLAIM_APPROVAL_UNDO_SECONDS)


def claim_approve(*, claim_id: int, actor: str, note: str = "") -> Claim:
    """A reviewer approves. The payout is recorded in the same transaction but held for the
    undo window: the sweeper sends it once the window has passed (never lost, since the row
    is there), and until then claim_approval_undo can take it back."""
    claim = _reviewable(claim_id)
    with transaction.atomic():
        _approve(claim, actor=actor, reason=note or "approved by a reviewer", now=clock.now())
        outbox_enqueue(
            task_name=PAY_TASK, kwargs={"claim_id": claim.pk}, delay=_undo_window() or None
        )
        Claim.objects.filter(pk=claim.pk).update(decision_note=note)
    return claim


def _held_payout(claim_id: int):
    """The approved claim's payout while it is still held (not sent to a worker yet)."""
    return OutboxTask.objects.filter(
        task_name=PAY_TASK, kwargs__claim_id=claim_id, attempts=0, available_at__gt=clock.now()
    )


def claim_approval_undo(*, claim_id: int, actor: str) -> Claim:
    """Take back a reviewer's approval within its undo window: the held payout is cancelled
    and the claim goes back to the queue, with its event row.

    Both are guarded: the payout row is deleted only while unsent (the sweeper marks a row it
    sends), and the claim moves only from approved. If the window has passed, nothing changes.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None:
            raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.")
        held, _ = _held_payout(claim_id).delete()
        if claim.status != ClaimStatus.APPROVED or not held:
            raise ConflictError(
                "claim_state_changed",
                f"Claim {claim_id}'s payout is on its way; the approval can no longer be undone.",
            )
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.NEEDS_REVIEW,
            actor=actor,
            reason=f"approval undone by {actor}",
            changes={"decided_at": None, "decision_note": ""},
        )
        webhook_events_emit(
            merchant_id=claim.merchant_id,
            event_type=WebhookEventType.CLAIM_DECIDED,
            payloads=[_claim_payload(claim)],
        )
    return claim


def claim_approval_undo_until(*, claim: Claim):
    """Until when the claim's approval can be undone, or None."""
    if claim.status != ClaimStatus.APPROVED:
        return None
    return _held_payout(claim.pk).values_list("available_at", flat=True).first()


def claim_reject(*, claim_id: int, actor: str, reason_code: str, note: str = "") -> Claim:
    if reason_code not in ReviewerRejectReason.values:
        raise ApplicationError(
            "invalid_reason",
            f"Choose a reason: {', '.join(ReviewerRejectReason.values)}.",
            fields={"reason_code": ["Unknown reason."]},
        )
    claim = _reviewable(claim_id)
    label = ReviewerRejectReason(reason_code).label
    with transaction.atomic():
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.REJECTED,
            actor=actor,
            reason=f"{label}: {note}" if note else label,
            changes={
                "reason_code": reason_code,
                "decision_note": note,
                "decided_at": clock.now(),
            },
        )
        webhook_events_emit(
            merchant_id=claim.merchant_id,
            event_type=WebhookEventType.CLAIM_DECIDED,
            payloads=[_claim_payload(claim)],
        )
    return claim


def claim_confirm_fraud(*, claim_id: int, actor: str, note: str = "") -> tuple[Claim, int]:
    """Reject as fraud and lower the claimant's trust level. Returns the claim and the level."""
    with transaction.atomic():
        claim = claim_reject(
            claim_id=claim_id,
            actor=actor,
            reason_code=ReviewerRejectReason.FRAUD_CONFIRMED,
            note=note,
        )
        level = fraud_confirm(
            claimant_ref=claim.claimant_ref, claim_ref=_claim_ref(claim), actor=actor
        )
    return claim, level


# --- Recoveries (deposit insurance) ----------------------------------------------------------
def _open_recovery(claim_id: int) -> tuple[Claim, Recovery]:
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise NotFoundError("claim_not_found", f"Claim {claim_id} was not found.")
    if claim.status != ClaimStatus.RECOVERY_PENDING:
        raise ConflictError(
            "no_recovery_pending", f"Claim {claim_id} has no recovery pending ({claim.status})."
        )
    return claim, Recovery.objects.select_for_update().get(claim=claim)


def recovery_record_repayment(*, claim_id: int, amount: Decimal, actor: str) -> Recovery:
    """The merchant paid back some or all of what it owes."""
    with transaction.atomic():
        claim, recovery = _open_recovery(claim_id)
        if amount <= 0 or amount > recovery.outstanding:
            raise ApplicationError(
                "invalid_amount",
                f"A repayment must be above 0 and at most {recovery.outstanding}.",
                fields={"amount": ["Out of range."]},
            )
        recovery.amount_repaid += amount
        # Each repayment is its own journal entry, named by the running total it brings.
        policy_record_recovery(
            policy_id=claim.policy_id,
            claim_id=claim.pk,
            amount=amount,
            written_off=False,
            journal_ref=f"recovery:{claim.pk}:{recovery.amount_repaid}",
        )
        ClaimEvent.objects.create(
            claim=claim,
            from_status=claim.status,
            to_status=claim.status,
            actor=actor,
            reason=f"merchant repaid {amount}",
        )
        if recovery.outstanding == 0:
            recovery.closed_at = clock.now()
            claim_transition(
                claim=claim, to_status=ClaimStatus.RECOVERED, actor=actor, reason="repaid in full"
            )
        recovery.save(update_fields=["amount_repaid", "closed_at"])
    return recovery


def recovery_write_off(*, claim_id: int, actor: str, note: str) -> Recovery:
    """Stop asking: what is still owed is written off."""
    with transaction.atomic():
        claim, recovery = _open_recovery(claim_id)
        remainder = recovery.outstanding
        recovery.amount_written_off += remainder
        recovery.closed_at = clock.now()
        recovery.save(update_fields=["amount_written_off", "closed_at"])
        policy_record_recovery(
            policy_id=claim.policy_id,
            claim_id=claim.pk,
            amount=remainder,
            written_off=True,
            journal_ref=f"recovery:{claim.pk}:written-off",
        )
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.WRITTEN_OFF,
            actor=actor,
            reason=f"{remainder} written off: {note}",
        )
    return recovery


# --- Nothing lost ----------------------------------------------------------------------------
def claims_stranded(*, older_than: timedelta) -> list[int]:
    """Claims a worker should have moved on but has not (for monitoring and tests)."""
    return list(
        Claim.objects.filter(
            status__in=[ClaimStatus.SUBMITTED, ClaimStatus.SCREENING, ClaimStatus.APPROVED],
            submitted_at__lt=clock.now() - older_than,
        ).values_list("pk", flat=True)
    )
