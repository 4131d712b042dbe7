from django.db import models

from config import clock


class OutboxTask(models.Model):
    """A Celery task to run, written in the same transaction as the change that needs it.

    The row is the durable record of the work; the broker message is only a wake-up call. A
    task deletes its row in the transaction that completes the work, so what remains is work
    not yet done, and the sweeper re-sends any row whose lease has run out.
    """

    task_name = models.CharField(max_length=100)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Not sent again before this time: the lease of a send in flight, or a retry's backoff.
    available_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["available_at"])]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"
