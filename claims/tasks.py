from celery import shared_task
from django.db import OperationalError

from claims import services

# Transient database trouble (a lock timeout, a dropped connection) is retried with backoff;
# anything else is a bug and fails loudly. The services are idempotent, so a retry is safe.
_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


@shared_task(name="claims.adjudicate", **_TASK_OPTIONS)
def claim_adjudicate_task(claim_id: int) -> None:
    services.claim_adjudicate(claim_id=claim_id)


@shared_task(name="claims.pay", **_TASK_OPTIONS)
def claim_pay_task(claim_id: int) -> None:
    services.claim_pay(claim_id=claim_id)
