"""Fault injection with real processes: the worker is killed with SIGKILL while claims are in
flight, and the broker (a Redis of this test's own) is stopped for a few seconds while new
claims arrive. Afterwards every claim is decided, every approved claim is paid, none twice."""

import os
import signal
import threading
import time

import httpx
import pytest

from claims.models import Claim, ClaimStatus, Payout
from insurance.models import LedgerTransfer
from outbox.models import OutboxTask
from tests.claims.conftest import delivered_policy
from tests.factories import ApiKeyFactory
from tests.insurance.helpers import PRODUCE, SHIPPING
from tests.photos import jpeg
from tests.processes import free_port, throwaway_redis, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

UNSETTLED = [ClaimStatus.SUBMITTED, ClaimStatus.SCREENING, ClaimStatus.APPROVED]


class Supervisor:
    """Restarts a worker that exits, as systemd's Restart=always does in production: a Celery
    worker can die on a broker connection loss (kombu's restore_unacked on a closed channel)
    and must be brought back; the outbox makes sure its work is not lost meanwhile."""

    def __init__(self, start_worker, **env) -> None:
        self.start_worker, self.env = start_worker, env
        self.restarts = 0
        self.stopping = threading.Event()
        self.current = start_worker(beat=True, name="worker-2", **env)
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def watch(self) -> None:
        while not self.stopping.wait(0.5):
            if self.current.process.poll() is not None:
                self.restarts += 1
                self.current = self.start_worker(
                    beat=True, name=f"worker-2-{self.restarts}", **self.env
                )

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


class Stream:
    """Claims offered at a steady pace through the web server, from a thread."""

    def __init__(self, base: str, key: str, produce: list, shipping: list) -> None:
        self.client = httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {key}"}
        )
        self.produce, self.shipping = produce, shipping
        self.responses: list[tuple[str, float, int]] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        for number, policy in enumerate(self.produce):
            # Every fourth claim sends the photo of the claim before it: a reuse.
            seed = 500 + (number - 1 if number % 4 == 3 else number)
            response = self.client.post(
                "/api/v1/claims",
                data={"policy_id": policy.pk, "claimant_ref": policy.buyer_ref, "amount": "30.00"},
                files={"photos": (f"{seed}.jpg", jpeg(seed), "image/jpeg")},
            )
            self.responses.append(("claim", time.monotonic(), response.status_code))
            if number < len(self.shipping):
                response = self.client.post(
                    f"/api/v1/orders/{self.shipping[number].order_ref}/events",
                    json={"kind": "return_shipped", "tracking_number": f"SF{number:08d}"},
                )
                self.responses.append(("return", time.monotonic(), response.status_code))
            time.sleep(0.25)


def test_a_killed_worker_and_a_broker_outage_delay_claims_but_lose_none(
    api, start_web, start_worker, tmp_path
):
    port = free_port()
    broker = {
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "OUTBOX_LEASE_SECONDS": "3",
        "OUTBOX_SWEEP_SECONDS": "1",
    }
    produce = [
        delivered_policy(api, f"NL-P{n}", {**PRODUCE, "buyer_ref": f"b{n}"}) for n in range(24)
    ]
    shipping = [delivered_policy(api, f"NL-S{n}", SHIPPING) for n in range(8)]
    key = ApiKeyFactory.create_raw(merchant=produce[0].merchant)

    with throwaway_redis(port, tmp_path / "redis-1.log") as redis_1:
        base = start_web(**broker)
        first = start_worker(beat=True, name="worker-1", **broker)
        stream = Stream(base, key, produce, shipping)
        stream.thread.start()
        time.sleep(2.5)
        os.killpg(first.process.pid, signal.SIGKILL)  # mid-stream, with claims in flight
        first.process.wait()
        time.sleep(1.5)  # claims keep arriving with no worker at all
        supervisor = Supervisor(start_worker, **broker)
        time.sleep(1.0)
        redis_1.kill()  # the broker goes away, and with it every message it held
        redis_1.wait()
        outage_started = time.monotonic()
        time.sleep(4.0)
        with throwaway_redis(port, tmp_path / "redis-2.log"):
            outage_ended = time.monotonic()
            stream.thread.join(timeout=60)

            wait_for(
                lambda: (
                    not Claim.objects.filter(status__in=UNSETTLED).exists()
                    and Claim.objects.count() == len(produce) + len(shipping)
                ),
                timeout=120,
                what="every claim to be decided",
            )
            wait_for(
                lambda: not OutboxTask.objects.exists(), timeout=30, what="the outbox to empty"
            )
            supervisor.stop()

    # Nothing was refused, even while the broker was down.
    assert {status for _, _, status in stream.responses} == {201}
    during_outage = [
        kind for kind, at, _ in stream.responses if outage_started <= at <= outage_ended
    ]
    assert "claim" in during_outage
    # Every claim decided: returns and new photos paid, every reused photo sent to a person.
    # (An original screened at the same moment as its copy is flagged too: both are looked
    # at, rather than both paid.)
    reuses = {produce[n].pk for n in range(24) if n % 4 == 3}
    originals = {produce[n - 1].pk for n in range(24) if n % 4 == 3}
    for claim in Claim.objects.all():
        if claim.policy_id in reuses:
            assert claim.status == ClaimStatus.NEEDS_REVIEW
            assert claim.review_reasons[0]["code"] == "photo_reused_other_claimant"
        elif claim.policy_id in originals:
            assert claim.status in {ClaimStatus.PAID, ClaimStatus.NEEDS_REVIEW}
        else:
            assert claim.status == ClaimStatus.PAID, (claim.pk, claim.review_reasons)
    # Paid exactly once each: one payout and one ledger entry per paid claim, no more.
    paid = set(Claim.objects.filter(status=ClaimStatus.PAID).values_list("pk", flat=True))
    assert set(Payout.objects.values_list("claim_id", flat=True)) == paid
    ledger = LedgerTransfer.objects.filter(kind="claim_paid")
    assert sorted(ledger.values_list("claim_id", flat=True)) == sorted(paid)
