from django.db import models

from config import clock


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # Given up after OUTBOX_MAX_ATTEMPTS runs that did not complete: never sent again by the
    # sweeper; an operator looks at last_error (admin, the count in /readyz, the log line).
    DEAD = "dead", "Dead"


class OutboxTask(models.Model):
    """A Celery task to run, written in the same transaction as the change that needs it.

    The row is the durable record of the work; the broker message is only a wake-up call. A
    task deletes its row in the transaction that completes the work, so what remains is work
    not yet done. The sweeper sends a row again only when its message is lost: never sent (the
    broker was down), started by a worker that did not finish within the lease, or not started
    while the broker's queue holds nothing ready (outbox.services.outbox_sweep).
    """

    task_name = models.CharField(max_length=100)
    kwargs = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Not sent again before this time: the lease of a send in flight or of a run under way, or
    # a retry's backoff.
    available_at = models.DateTimeField()
    # When the broker last took a message for this row (None: not sent, or the send failed).
    sent_at = models.DateTimeField(null=True, blank=True)
    # When a worker last started the task (None: not since it was last sent).
    started_at = models.DateTimeField(null=True, blank=True)
    # Times the sweeper sent it again (0: never; a held payout is one the sweeper has not sent).
    attempts = models.PositiveIntegerField(default=0)
    # Runs started by a worker; at OUTBOX_MAX_ATTEMPTS without completing, the row is dead.
    starts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "available_at"], name="outbox_status_due")]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"
