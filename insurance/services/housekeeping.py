from datetime import timedelta

from django.conf import settings

from config import clock
from insurance.models import IdempotencyRecord, Quote
from insurance.services.webhooks import webhook_previous_secrets_forget


def housekeeping_run() -> dict[str, int]:
    """Drop what has served its purpose: stored idempotent answers, unbound stale quotes and
    webhook secrets replaced longer ago than their grace period."""
    now = clock.now()
    idempotency, _ = IdempotencyRecord.objects.filter(
        created_at__lt=now - timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS)
    ).delete()
    quotes, _ = Quote.objects.filter(
        expires_at__lt=now - timedelta(days=1), policy__isnull=True
    ).delete()
    return {
        "idempotency_records": idempotency,
        "quotes": quotes,
        "webhook_previous_secrets": webhook_previous_secrets_forget(),
    }
