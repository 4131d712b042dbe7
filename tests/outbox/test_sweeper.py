"""The sweeper re-sends only what is lost, on the test run's real broker queue, and gives a
row up after OUTBOX_MAX_ATTEMPTS runs."""

import logging
from datetime import timedelta

import pytest

from config import clock
from config.celery import app as celery_app
from config.celery import ping
from config.clock import clock_at
from outbox.models import OutboxStatus, OutboxTask
from outbox.services import DEAD_MARKER, outbox_dead_count, outbox_start, outbox_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_queue():
    """The run's task queue with nothing in it (no worker consumes it in these tests)."""
    celery_app.control.purge()
    yield
    celery_app.control.purge()


def _row(**fields) -> OutboxTask:
    now = clock.now()
    return OutboxTask.objects.create(
        task_name="platform.ping", available_at=now - timedelta(seconds=1), **fields
    )


def _queued() -> int:
    with celery_app.connection_for_write() as conn:
        queue = celery_app.amqp.queues[celery_app.conf.task_default_queue]
        return queue(conn.default_channel).queue_declare().message_count


def test_a_message_waiting_in_the_queue_is_not_sent_again_however_long_it_waits(empty_queue):
    for _ in range(3):
        ping.delay()  # a backlog before it
    waiting = _row(sent_at=clock.now() - timedelta(hours=1))

    sent = outbox_sweep()

    waiting.refresh_from_db()
    assert sent == 0
    assert _queued() == 3
    assert (waiting.attempts, waiting.sent_at is not None) == (0, True)
    assert waiting.available_at > clock.now()  # looked at again after a lease


def test_a_sent_message_is_sent_again_once_the_queue_has_nothing_ready(empty_queue):
    lost = _row(sent_at=clock.now() - timedelta(hours=1))

    sent = outbox_sweep()

    lost.refresh_from_db()
    assert sent == 1
    assert _queued() == 1
    assert lost.attempts == 1


def test_a_row_never_sent_is_sent_whatever_waits_in_the_queue(empty_queue):
    ping.delay()
    unsent = _row(sent_at=None)

    assert outbox_sweep() == 1
    unsent.refresh_from_db()
    assert unsent.sent_at is not None and unsent.attempts == 1
    assert _queued() == 2


def test_the_lease_runs_from_a_worker_s_start_and_a_row_is_dead_after_its_attempts(
    empty_queue, settings, caplog
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    ping.delay()  # the queue is busy: only started rows can be due
    row = _row(sent_at=clock.now())

    assert outbox_start(outbox_id=row.pk)  # a worker starts it, then dies
    row.refresh_from_db()
    assert row.starts == 1
    assert row.available_at - row.started_at == timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    assert outbox_sweep() == 0  # within its lease

    with caplog.at_level(logging.INFO, logger="outbox.services"):
        with clock_at(_past_due(row)):
            assert outbox_sweep() == 1  # the lease ran out: sent again
            outbox_start(outbox_id=row.pk)  # ... started again, and dies again
        with clock_at(_past_due(row)):
            assert outbox_sweep() == 0  # two runs: given up, not sent
        with clock_at(_past_due(row) + timedelta(days=1)):
            assert outbox_sweep() == 0  # never again

    row.refresh_from_db()
    assert (row.status, row.starts, row.attempts) == (OutboxStatus.DEAD, 2, 1)
    assert outbox_dead_count() == 1
    dead_lines = [r for r in caplog.records if DEAD_MARKER in r.getMessage()]
    assert len(dead_lines) == 1
    assert dead_lines[0].levelno == logging.ERROR
    assert f"platform.ping #{row.pk}" in dead_lines[0].getMessage()


def test_a_delivery_whose_row_is_gone_starts_nothing():
    row = _row()
    row.delete()

    assert outbox_start(outbox_id=row.pk) is False


def _past_due(row: OutboxTask):
    row.refresh_from_db()
    return row.available_at + timedelta(seconds=1)
