"""Record work in the same transaction as the change that needs it; send it after commit."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from config import clock
from config.celery import app as celery_app
from outbox.models import OutboxTask

logger = logging.getLogger(__name__)


def _lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def _send(task: OutboxTask) -> None:
    try:
        # No retries here: with the broker down the request must not wait; the row stays and
        # the sweeper sends it when the broker is back.
        celery_app.send_task(
            task.task_name, kwargs={**task.kwargs, "outbox_id": task.pk}, retry=False
        )
    except Exception:
        logger.warning(
            "outbox: could not send %s #%s now; the sweeper will",
            task.task_name,
            task.pk,
            exc_info=True,
        )


def outbox_enqueue(*, task_name: str, kwargs: dict, delay: timedelta | None = None) -> OutboxTask:
    """Record a task; send it when the surrounding transaction commits (now if `delay` is None)."""
    now = clock.now()
    task = OutboxTask.objects.create(
        task_name=task_name, kwargs=kwargs, available_at=now + (delay or _lease())
    )
    if delay is None:
        transaction.on_commit(lambda: _send(task))
    return task


def outbox_enqueue_many(*, task_name: str, kwargs_list: list[dict]) -> list[OutboxTask]:
    """Record many tasks of one kind in one INSERT; send them all after commit."""
    available_at = clock.now() + _lease()
    tasks = OutboxTask.objects.bulk_create(
        [
            OutboxTask(task_name=task_name, kwargs=kw, available_at=available_at)
            for kw in kwargs_list
        ]
    )
    transaction.on_commit(lambda: [_send(task) for task in tasks])
    return tasks


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


def outbox_sweep(*, limit: int = 500) -> int:
    """Send again every task whose lease or backoff has run out; returns how many were sent.

    The rows are taken with SKIP LOCKED and their lease renewed in the same transaction, so two
    sweepers never send the same row at once.
    """
    now = clock.now()
    with transaction.atomic():
        due = list(
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(available_at__lte=now)
            .order_by("available_at")[:limit]
        )
        for task in due:
            task.attempts += 1
            task.available_at = now + _lease() * min(2 ** (task.attempts - 1), 32)
        OutboxTask.objects.bulk_update(due, ["attempts", "available_at"])
    for task in due:
        _send(task)
    if due:
        logger.info("outbox: re-sent %d tasks", len(due))
    return len(due)
