"""Celery tasks: take ids, call a service. Every task is idempotent, acknowledged late, and
recorded in the outbox, so a killed worker or a broker outage delays a claim but never loses
or doubles it."""

from celery import shared_task
from django.db import OperationalError

from claims import services
from insurance.services.orders import OPEN_EVENT_CLAIM_TASK
from outbox.tasks import OutboxBackedTask

# Transient database trouble (a lock timeout, a dropped connection) is retried with backoff;
# anything else is a bug and fails loudly (the outbox sends it again later).
_TASK_OPTIONS = {
    "base": OutboxBackedTask,
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 8,
    "time_limit": 120,
    "soft_time_limit": 90,
}


@shared_task(name=services.SCREEN_TASK, **_TASK_OPTIONS)
def claim_screen_task(claim_id: int, outbox_id: int | None = None) -> None:
    services.claim_screen(claim_id=claim_id, outbox_id=outbox_id)


@shared_task(name=services.PAY_TASK, **_TASK_OPTIONS)
def claim_pay_task(claim_id: int, outbox_id: int | None = None) -> None:
    services.claim_pay(claim_id=claim_id, outbox_id=outbox_id)


@shared_task(name=OPEN_EVENT_CLAIM_TASK, **_TASK_OPTIONS)
def claim_open_for_event_task(policy_id: int, reference: str, outbox_id: int | None = None) -> None:
    services.claim_open_for_event(policy_id=policy_id, reference=reference, outbox_id=outbox_id)
