"""Money movements, recorded as double-entry transfers in the caller's transaction."""

from datetime import datetime
from decimal import Decimal

from config import clock
from insurance.models import Account, LedgerTransfer, Policy, TransferKind
from insurance.services.rows import rows_insert

# Which account each kind of transfer debits and credits.
_ACCOUNTS: dict[str, tuple[str, str]] = {
    TransferKind.PREMIUM_WRITTEN: (Account.CASH, Account.UNEARNED_PREMIUM),
    TransferKind.PREMIUM_EARNED: (Account.UNEARNED_PREMIUM, Account.EARNED_PREMIUM),
    TransferKind.PREMIUM_REFUNDED: (Account.UNEARNED_PREMIUM, Account.CASH),
    TransferKind.CLAIM_PAID: (Account.CLAIMS_EXPENSE, Account.CASH),
    TransferKind.RECOVERY_RECEIVABLE: (Account.MERCHANT_RECEIVABLE, Account.CASH),
    TransferKind.RECOVERY_REPAID: (Account.CASH, Account.MERCHANT_RECEIVABLE),
    TransferKind.RECOVERY_WRITTEN_OFF: (Account.BAD_DEBT, Account.MERCHANT_RECEIVABLE),
}


def ledger_transfer(
    *,
    policy: Policy,
    kind: str,
    amount: Decimal,
    journal_ref: str,
    claim_id: int | None = None,
    at: datetime | None = None,
) -> LedgerTransfer | None:
    """An unsaved transfer of `amount` for `policy` (made now, or `at`); None when there is
    nothing to move."""
    if amount <= 0:
        return None
    debit, credit = _ACCOUNTS[kind]
    return LedgerTransfer(
        journal_ref=journal_ref,
        kind=kind,
        debit_account=debit,
        credit_account=credit,
        amount=amount,
        currency=policy.currency,
        merchant_id=policy.merchant_id,
        product_id=policy.product_id,
        policy=policy,
        claim_id=claim_id,
        created_at=at or clock.now(),
    )


def ledger_post(*, transfers: list[LedgerTransfer | None]) -> None:
    """Store transfers in one INSERT. A journal entry posted twice is refused by the database."""
    rows_insert([t for t in transfers if t is not None])


def policy_journal_ref(policy: Policy) -> str:
    return f"policy:{policy.pk}"


def claim_journal_ref(claim_id: int) -> str:
    return f"claim:{claim_id}"
