from celery import shared_task

from insurance.services.housekeeping import housekeeping_run
from insurance.services.policies import policies_expire
from insurance.services.risk import risk_profiles_refresh
from insurance.services.webhooks import webhook_deliver
from outbox.tasks import OutboxBackedTask

WORKER_ACTOR = "system:scheduler"


@shared_task(
    name="insurance.webhook_deliver",
    base=OutboxBackedTask,
    acks_late=True,
    ignore_result=True,
    time_limit=60,
)
def webhook_deliver_task(delivery_id: int, outbox_id: int | None = None) -> None:
    webhook_deliver(delivery_id=delivery_id, outbox_id=outbox_id)


@shared_task(name="insurance.policies_expire", acks_late=True, ignore_result=True)
def policies_expire_task() -> None:
    policies_expire(actor=WORKER_ACTOR)


@shared_task(name="insurance.risk_profiles_refresh", acks_late=True, ignore_result=True)
def risk_profiles_refresh_task() -> None:
    risk_profiles_refresh()


@shared_task(name="insurance.housekeeping", acks_late=True, ignore_result=True)
def housekeeping_task() -> None:
    housekeeping_run()
