from celery import shared_task

from outbox import services


@shared_task(name="outbox.sweep", acks_late=True, ignore_result=True)
def outbox_sweep_task() -> None:
    services.outbox_sweep()
