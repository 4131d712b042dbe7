"""Who sends the money. The default provider is the platform's own ledger: the claim service
records the payment there and notifies the merchant; a bank or wallet provider would send the
money first and return its reference."""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from claims.models import Claim


class PayoutProvider(Protocol):
    name: str
    # True for a provider that only writes the platform's own books: it can settle inside the
    # transaction that approves the claim. An outside provider is called before that commit.
    settles_in_transaction: bool

    def pay(self, *, claim: Claim, idempotency_key: str) -> str:
        """Send claim.amount to the claimant; return the provider's reference. Called again
        with the same key after a crash, it must not pay twice."""


class LedgerPayoutProvider:
    name = "ledger"
    settles_in_transaction = True

    def pay(self, *, claim: Claim, idempotency_key: str) -> str:
        return idempotency_key


def payout_provider() -> PayoutProvider:
    return import_string(settings.CLAIMS_PAYOUT_PROVIDER)()
