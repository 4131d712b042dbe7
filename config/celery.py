import os

from celery import Celery
from celery.signals import worker_ready
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("insurance_platform")
# Every Celery setting lives in Django settings under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="platform.ping", ignore_result=False)
def ping() -> str:
    """Does nothing: its round trip through the broker is the baseline the claims benchmark
    compares against (it needs CELERY_RESULT_BACKEND set to return its answer)."""
    return "pong"


@worker_ready.connect
def declare_dead_letter_queue(sender=None, **kwargs) -> None:
    """On RabbitMQ, the queue where the broker moves a task message delivered
    CELERY_DELIVERY_LIMIT times: declared (durable, quorum) before the worker takes work, so a
    message dead-lettered is kept for an operator rather than dropped. Nothing consumes it; the
    outbox row of the same work goes to its own dead state (outbox.services)."""
    from django.conf import settings

    if settings.BROKER_KIND != "rabbitmq":
        return
    name = settings.DEAD_LETTER_QUEUE
    queue = Queue(
        name,
        Exchange(name, type="direct", durable=True),
        routing_key=name,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )
    with app.connection_for_write() as conn:
        queue(conn.default_channel).declare()
