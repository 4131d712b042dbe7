"""The ledger: unbalanced rows cannot be stored, and balances come from the transfers."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from insurance.models import Account, LedgerTransfer, Policy, Product
from insurance.selectors import ledger_balances
from insurance.services.policies import policy_record_payout
from tests.factories import PolicyFactory
from tests.insurance.helpers import DEPOSIT, PRODUCE, SHIPPING, issue

pytestmark = pytest.mark.django_db


def transfer(policy, **fields) -> LedgerTransfer:
    values = {
        "journal_ref": "test:1",
        "kind": "claim_paid",
        "debit_account": Account.CASH,
        "credit_account": Account.CLAIMS_EXPENSE,
        "amount": Decimal("1.00"),
        "merchant": policy.merchant,
        "product": policy.product,
        "policy": policy,
    }
    return LedgerTransfer(**{**values, **fields})


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": Decimal("0.00")},
        {"amount": Decimal("-5.00")},
        {"credit_account": Account.CASH},
    ],
)
def test_the_database_refuses_a_row_that_does_not_balance(fields):
    policy = PolicyFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        transfer(policy, **fields).save()


def test_a_journal_entry_cannot_be_posted_twice():
    policy = PolicyFactory()
    transfer(policy).save()

    with pytest.raises(IntegrityError), transaction.atomic():
        transfer(policy).save()


def test_balances_per_merchant_and_product_follow_the_money(api, other_api, merchant):
    issue(api, "L-1", PRODUCE)  # 6.48 premium
    shipping = issue(api, "L-2", SHIPPING)  # 1.80 premium
    cancelled = issue(api, "L-3", PRODUCE)
    api.post(f"/api/v1/policies/{cancelled['id']}/cancel")  # 6.48 refunded
    api.post("/api/v1/orders/L-2/events", {"kind": "completed"}, format="json")
    deposit = issue(api, "L-4", DEPOSIT)  # 300.00
    with transaction.atomic():
        policy_record_payout(
            policy=Policy.objects.select_for_update()
            .select_related("product")
            .get(pk=deposit["id"]),
            claim_id=77,
            amount=Decimal("120.00"),
            actor="test",
        )
    issue(other_api, "L-1", PRODUCE)  # another merchant's money

    mine = ledger_balances(merchant=merchant)["CNY"]
    produce = ledger_balances(merchant=merchant, product=Product.objects.get(code="fresh_produce"))[
        "CNY"
    ]
    everything = ledger_balances()["CNY"]

    # Cash: premiums in (6.48 + 1.80 + 6.48 + 300) minus the refund and the payout.
    assert mine[Account.CASH] == Decimal("6.48") + Decimal("1.80") + 300 - 120
    assert mine[Account.UNEARNED_PREMIUM] == -(Decimal("6.48") + 300)
    assert mine[Account.EARNED_PREMIUM] == Decimal("-1.80")
    assert mine[Account.MERCHANT_RECEIVABLE] == Decimal("120.00")
    assert produce[Account.CASH] == Decimal("6.48")
    assert sum(mine.values()) == sum(everything.values()) == 0  # the trial balance
    assert Policy.objects.get(pk=shipping["id"]).status == "completed"

    over_api = api.get("/api/v1/ledger/balances", {"product": "fresh_produce"}).json()
    assert over_api["balances"] == {"CNY": {**over_api["balances"]["CNY"], "cash": "6.48"}}
