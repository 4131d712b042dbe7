"""Fault injection on RabbitMQ, the production broker, with real processes: a RabbitMQ node of
this test's own is killed (SIGKILL) under a running worker and web server while claims keep
arriving, and started again on its data. The worker survives and reconnects by itself (no
supervisor restarts it), checkout answers every request at its usual pace during the outage,
and afterwards every claim is decided and every approved one paid, none twice."""

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
from tests.processes import ThrowawayRabbitMQ, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

UNSETTLED = [ClaimStatus.SUBMITTED, ClaimStatus.SCREENING, ClaimStatus.APPROVED]


class Stream:
    """Claims offered at a steady pace through the web server, from a thread: each answer's
    status, when it was sent and how long it took."""

    def __init__(self, base: str, key: str, produce: list, shipping: list) -> None:
        self.client = httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {key}"}
        )
        self.produce, self.shipping = produce, shipping
        self.answers: list[tuple[str, float, float, int]] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def _post(self, kind: str, path: str, **request) -> None:
        started = time.monotonic()
        response = self.client.post(path, **request)
        self.answers.append((kind, started, time.monotonic() - started, response.status_code))

    def run(self) -> None:
        for number, policy in enumerate(self.produce):
            self._post(
                "claim",
                "/api/v1/claims",
                data={"policy_id": policy.pk, "claimant_ref": policy.buyer_ref, "amount": "30.00"},
                files={"photos": (f"{700 + number}.jpg", jpeg(700 + number), "image/jpeg")},
            )
            for shipping in self.shipping[2 * number : 2 * number + 2]:
                self._post(
                    "return",
                    f"/api/v1/orders/{shipping.order_ref}/events",
                    json={"kind": "return_shipped", "tracking_number": f"SF{number:08d}"},
                )
            time.sleep(0.2)


def test_a_worker_survives_a_rabbitmq_crash_and_checkout_never_notices(
    api, start_web, start_worker, tmp_path
):
    produce = [
        delivered_policy(api, f"RF-P{n}", {**PRODUCE, "buyer_ref": f"rb{n}"}) for n in range(16)
    ]
    shipping = [
        delivered_policy(api, f"RF-S{n}", {**SHIPPING, "buyer_ref": f"rs{n}"}) for n in range(32)
    ]
    key = ApiKeyFactory.create_raw(merchant=produce[0].merchant)

    with ThrowawayRabbitMQ(tmp_path / "rabbitmq") as rabbit:
        env = {
            "CELERY_BROKER_URL": rabbit.url,
            "OUTBOX_LEASE_SECONDS": "3",
            "OUTBOX_SWEEP_SECONDS": "1",
        }
        base = start_web(**env)
        worker = start_worker(beat=True, **env)
        stream = Stream(base, key, produce, shipping)
        stream.thread.start()
        time.sleep(2.0)
        rabbit.kill()
        outage = (time.monotonic(), None)
        time.sleep(5.0)
        rabbit.start()
        outage = (outage[0], time.monotonic())
        stream.thread.join(timeout=120)

        wait_for(
            lambda: (
                Claim.objects.count() == len(produce) + len(shipping)
                and not Claim.objects.filter(status__in=UNSETTLED).exists()
            ),
            timeout=120,
            what="every claim to be decided",
        )
        wait_for(lambda: not OutboxTask.objects.exists(), timeout=60, what="the outbox to empty")

        # The same worker process did it all: it reconnected by itself.
        assert worker.process.poll() is None, worker.text()[-3000:]
        connects = [
            line
            for line in worker.json_lines()
            if line["name"] == "celery.worker.consumer.connection"
            and line["message"].startswith("Connected to")
        ]
        assert len(connects) >= 2, worker.text()[-3000:]
        # Tasks that ended while the broker was down could not be acknowledged (Celery says so
        # at CRITICAL): RabbitMQ delivers them again, and each repeat finds its work done.
        critical = [line["message"] for line in worker.json_lines() if line["level"] == "CRITICAL"]
        assert [m for m in critical if not m.startswith("Couldn't ack")] == []
        # No task raised (the ERROR lines while the node was down are the consumer's "Cannot
        # connect ... Trying again" and beat's "Couldn't apply scheduled task").
        failed = [
            line["message"]
            for line in worker.json_lines()
            if line["level"] == "ERROR" and line["name"] == "celery.app.trace"
        ]
        assert failed == []

    # Every request was taken, during the outage too, and none waited on the broker. (Not a
    # timing target: the old after-commit send retried the broker for 6 s per request.)
    assert {status for *_, status in stream.answers} == {201}
    during = [took for _, at, took, _ in stream.answers if outage[0] <= at <= outage[1]]
    assert len(during) >= 5
    before = [took for _, at, took, _ in stream.answers if at < outage[0]]
    print(
        f"requests before the outage: {len(before)}, p50 {_ms(before, 0.5)} ms, max "
        f"{_ms(before, 1)} ms; during it: {len(during)}, p50 {_ms(during, 0.5)} ms, max "
        f"{_ms(during, 1)} ms"
    )
    assert max(during) < 2.0, sorted(during)[-5:]
    # Decided and paid once each.
    paid = set(Claim.objects.filter(status=ClaimStatus.PAID).values_list("pk", flat=True))
    returns = Claim.objects.filter(policy__in=shipping)
    assert set(returns.values_list("status", flat=True)) == {ClaimStatus.PAID}
    assert set(Payout.objects.values_list("claim_id", flat=True)) == paid
    ledger = LedgerTransfer.objects.filter(kind="claim_paid")
    assert sorted(ledger.values_list("claim_id", flat=True)) == sorted(paid)


def _ms(durations: list[float], share: float) -> int:
    ordered = sorted(durations)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000)
