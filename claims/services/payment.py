"""Payouts: an approved claim paid exactly once, with its ledger entries and, where the product
says so, a recovery from the merchant."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from claims.models import (
    Claim,
    ClaimStatus,
    Payout,
    Recovery,
)
from claims.payouts import payout_provider
from claims.services.transitions import WORKER_ACTOR, claim_payload, claim_transition
from config import clock
from insurance.models import (
    Policy,
    WebhookEventType,
)
from insurance.services.policies import policy_record_payout
from insurance.services.webhooks import webhook_events_emit
from outbox.services import outbox_complete

PAY_TASK = "claims.pay"


def payment_safety_net() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


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
            payment_record(claim, policy, provider, reference)
        outbox_complete(outbox_id=outbox_id)
    return claim


def _payment_key(claim: Claim) -> str:
    return f"claim-{claim.pk}"


def payment_record(claim: Claim, policy: Policy, provider, reference: str | None = None) -> None:
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
        payloads=[claim_payload(claim)],
    )
    if recoverable:
        Recovery.objects.create(claim=claim, amount_due=claim.amount)
        claim_transition(
            claim=claim,
            to_status=ClaimStatus.RECOVERY_PENDING,
            actor=WORKER_ACTOR,
            reason=f"{claim.amount} {claim.currency} to recover from the merchant",
        )
