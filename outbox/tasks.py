import logging

from celery import Task, shared_task
from celery.signals import task_failure

from outbox import services

logger = logging.getLogger(__name__)


class OutboxBackedTask(Task):
    """A task sent from an outbox row (it takes `outbox_id`): each run starts the row's lease
    and counts an attempt, and a delivery whose row is gone does nothing, because the row is
    deleted in the transaction that did the work: a repeat (a re-send, a redelivery) is a no-op
    whatever the state its work left behind."""

    abstract = True

    def __call__(self, *args, **kwargs):
        outbox_id = kwargs.get("outbox_id")
        if outbox_id is not None and not services.outbox_start(outbox_id=outbox_id):
            logger.info("%s: outbox #%s is done already; nothing to do", self.name, outbox_id)
            return None
        return super().__call__(*args, **kwargs)


@task_failure.connect
def _record_failure(sender=None, exception=None, kwargs=None, **extra) -> None:
    outbox_id = (kwargs or {}).get("outbox_id")
    if isinstance(sender, OutboxBackedTask) and outbox_id is not None:
        services.outbox_record_failure(
            outbox_id=outbox_id, error=f"{type(exception).__name__}: {exception}"
        )


@shared_task(name="outbox.sweep", acks_late=True, ignore_result=True)
def outbox_sweep_task() -> None:
    services.outbox_sweep()
