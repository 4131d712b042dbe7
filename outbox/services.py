"""Record work in the same transaction as the change that needs it; send it after commit.

A row's message can be in one of three places, and the sweeper sends it again only when it
is lost:
- not sent (`sent_at` is None: the broker was down, or the row was written to be sent later):
  sent when due;
- waiting in the broker's queue (`sent_at` set, `started_at` None): RabbitMQ confirmed it and
  keeps it until a worker acknowledges it, so it is not sent again while the queue holds
  ready messages however long the backlog; only once the queue has nothing ready (the broker
  lost it: a Redis broker restarted empty) is it sent again;
- started by a worker (`started_at` set): the lease runs from the start; a worker that dies
  or fails leaves the row, which is sent again when the lease runs out.
Every start by a worker is counted; a row due again after OUTBOX_MAX_ATTEMPTS starts is dead:
never sent again, logged with the OUTBOX_DEAD marker, counted in /readyz, listed in the admin.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from config import clock
from config.celery import app as celery_app
from outbox.models import OutboxStatus, OutboxTask

logger = logging.getLogger(__name__)

# The stable word an alert matches in the log when a row is given up.
DEAD_MARKER = "OUTBOX_DEAD"
# After a send fails, a process stops trying for this long: with the broker down a request
# costs nothing more (the rows wait for the sweeper), rather than a connect timeout each.
SEND_PAUSE_SECONDS = 5.0
# How long a send may wait for the broker's confirm before it counts as failed.
SEND_CONFIRM_TIMEOUT_SECONDS = 2.0
_paused_until = 0.0


def _lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def _send(tasks: list[OutboxTask]) -> list[OutboxTask]:
    """Send each task's message without retrying; returns the tasks whose send failed."""
    global _paused_until
    if time.monotonic() < _paused_until:
        return tasks
    for number, task in enumerate(tasks):
        try:
            celery_app.send_task(
                task.task_name,
                kwargs={**task.kwargs, "outbox_id": task.pk},
                retry=False,
                confirm_timeout=SEND_CONFIRM_TIMEOUT_SECONDS,
            )
        except Exception:
            _paused_until = time.monotonic() + SEND_PAUSE_SECONDS
            logger.warning(
                "outbox: could not send %s #%s now (nor, for %gs, anything else); the sweeper will",
                task.task_name,
                task.pk,
                SEND_PAUSE_SECONDS,
                exc_info=True,
            )
            return tasks[number:]
    return []


def _send_after_commit(tasks: list[OutboxTask]) -> None:
    failed = _send(tasks)
    if failed:
        # Mark them not sent, so the sweeper sends them once due whatever the queue holds. If
        # the database is gone too, the lease covers it: they are sent when it runs out.
        try:
            OutboxTask.objects.filter(pk__in=[task.pk for task in failed]).update(sent_at=None)
        except Exception:
            logger.warning("outbox: could not mark %d rows unsent", len(failed), exc_info=True)


def outbox_enqueue(*, task_name: str, kwargs: dict, delay: timedelta | None = None) -> OutboxTask:
    """Record a task; send it when the surrounding transaction commits (now if `delay` is None)."""
    now = clock.now()
    task = OutboxTask.objects.create(
        task_name=task_name,
        kwargs=kwargs,
        available_at=now + (delay or _lease()),
        sent_at=None if delay else now,
    )
    if delay is None:
        transaction.on_commit(lambda: _send_after_commit([task]))
    return task


def outbox_enqueue_many(*, task_name: str, kwargs_list: list[dict]) -> list[OutboxTask]:
    """Record many tasks of one kind in one INSERT; send them all after commit."""
    now = clock.now()
    tasks = OutboxTask.objects.bulk_create(
        [
            OutboxTask(task_name=task_name, kwargs=kw, available_at=now + _lease(), sent_at=now)
            for kw in kwargs_list
        ]
    )
    transaction.on_commit(lambda: _send_after_commit(tasks))
    return tasks


def outbox_start(*, outbox_id: int) -> bool:
    """A worker starts the task of this row: count the attempt and run its lease from now.

    False when the row is gone: its work was completed (a task deletes its row in the
    transaction that does the work), so this delivery is a repeat with nothing to do.
    """
    now = clock.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Not worth a wait for the disk: a start lost in a crash only means the lease runs
            # from the send, and the row is sent again a little sooner.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return bool(
            OutboxTask.objects.filter(pk=outbox_id).update(
                started_at=now, available_at=now + _lease(), starts=F("starts") + 1
            )
        )


def outbox_complete(*, outbox_id: int | None) -> None:
    """The work is done: call inside the transaction that did it. A repeat deletes nothing."""
    if outbox_id is not None:
        OutboxTask.objects.filter(pk=outbox_id).delete()


def outbox_retry_later(*, outbox_id: int | None, delay: timedelta, error: str) -> None:
    """The work failed for now: the sweeper sends it again after `delay`."""
    if outbox_id is not None:
        OutboxTask.objects.filter(pk=outbox_id).update(
            available_at=clock.now() + delay, last_error=error[:2000]
        )


def outbox_record_failure(*, outbox_id: int, error: str) -> None:
    """A run raised: keep what it said for the admin (the lease sends it again)."""
    OutboxTask.objects.filter(pk=outbox_id).update(last_error=error[:2000])


def _ready_in_queue() -> int | None:
    """Messages ready (not taken by a worker) in the task queue; None if the broker does not
    answer."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
            queue = celery_app.amqp.queues[celery_app.conf.task_default_queue]
            # Declared, not looked up passively: an empty Redis queue has no key to look up.
            return queue(conn.default_channel).queue_declare().message_count
    except Exception:
        logger.warning("outbox: the broker does not answer; nothing re-sent", exc_info=True)
        return None


def outbox_dead_count() -> int:
    return OutboxTask.objects.filter(status=OutboxStatus.DEAD).count()


def outbox_sweep(*, limit: int = 500) -> int:
    """Send again every task whose message is lost; returns how many were sent.

    The rows are taken with SKIP LOCKED and their lease renewed in the same transaction, so two
    sweepers never send the same row at once.
    """
    now = clock.now()
    with transaction.atomic():
        due = list(
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING, available_at__lte=now)
            .order_by("available_at")[:limit]
        )
        if not due:
            return 0
        ready = _ready_in_queue()
        if ready is None:
            return 0
        dead = [task for task in due if task.starts >= settings.OUTBOX_MAX_ATTEMPTS]
        alive = [task for task in due if task.starts < settings.OUTBOX_MAX_ATTEMPTS]
        # Sent and not started: in the queue, unless the queue has nothing ready (lost).
        resend = [
            task
            for task in alive
            if task.sent_at is None or task.started_at is not None or ready == 0
        ]
        for task in dead:
            task.status = OutboxStatus.DEAD
        for task in alive:
            task.available_at = now + _lease()
        for task in resend:
            task.sent_at, task.started_at = now, None
            task.attempts += 1
        OutboxTask.objects.bulk_update(
            due, ["status", "available_at", "sent_at", "started_at", "attempts"]
        )
    for task in dead:
        logger.error(
            "%s outbox task %s #%s given up after %d runs: %s",
            DEAD_MARKER,
            task.task_name,
            task.pk,
            task.starts,
            task.last_error[:500] or "(no error recorded)",
        )
    failed = _send(resend)
    if failed:
        OutboxTask.objects.filter(pk__in=[task.pk for task in failed]).update(sent_at=None)
    if resend:
        logger.info("outbox: re-sent %d tasks", len(resend) - len(failed))
    return len(resend) - len(failed)
