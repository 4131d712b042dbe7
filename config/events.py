"""The event rows every audited change writes in the same transaction as the change (Zulip's
audit log, Saleor's OrderEvent): one shape for policies, claims and trust levels."""

from django.db import models

from config import clock


class AuditEvent(models.Model):
    """Who changed something, when and why."""

    actor = models.CharField(max_length=100)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class StatusEvent(AuditEvent):
    """A row's move from one status to another (equal for a note that keeps the status; no
    from_status for the row's creation). The concrete model adds the foreign key to the row,
    named as the row's model (`policy`, `claim`)."""

    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)

    class Meta(AuditEvent.Meta):
        abstract = True
