"""Trust levels where two reviewers collide: each confirmation lowers the level by a step of
its own, however the two interleave (real threads, each with its own PostgreSQL session)."""

import threading

import pytest
from django.db import connection, transaction

from fraud.models import ClaimantTrust, TrustChange
from fraud.selectors import claimant_trust_level
from fraud.services import fraud_confirm, trust_restore
from tests.processes import lock_waiters, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_confirmations_at_once_lower_trust_by_two_steps():
    trust_restore(claimant_ref="cheat", level=3, actor="staff:sam", reason="a known buyer")
    levels, errors = [], []

    def confirm(number: int) -> None:
        try:
            levels.append(
                fraud_confirm(
                    claimant_ref="cheat", claim_ref=f"claim:{number}", actor=f"user:r{number}"
                )
            )
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(n,)) for n in (1, 2)]
    # Both confirmations start while the row is held, so both have read what they could
    # before either writes: they must still apply one after the other.
    with transaction.atomic():
        ClaimantTrust.objects.select_for_update().get(claimant_ref="cheat")
        for thread in threads:
            thread.start()
        wait_for(lambda: lock_waiters() == 2, timeout=10, what="both confirmations waiting")
    for thread in threads:
        thread.join(timeout=10)

    assert errors == []
    assert sorted(levels) == [1, 2]
    assert claimant_trust_level(claimant_ref="cheat") == 1
    changes = TrustChange.objects.filter(claimant_ref="cheat").order_by("id")
    assert [(c.from_level, c.to_level) for c in changes] == [(3, 2), (2, 1)]
