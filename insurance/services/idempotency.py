"""Idempotency-Key: a repeated state-changing request gets the first one's stored answer."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from config.errors import ApplicationError, ConflictError
from insurance.models import IdempotencyRecord, Merchant

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class IdempotentResult:
    status: int
    body: dict
    replayed: bool


def idempotent_run(
    *, merchant: Merchant, key: str, fingerprint: str, run: Callable[[], tuple[int, dict]]
) -> IdempotentResult:
    """Run `run` once per (merchant, key), in one transaction with the record of its answer.

    The record is inserted first: a concurrent request with the same key waits on the unique
    index until this transaction ends, then finds the stored answer. An error rolls the whole
    transaction back, record included, so a failed request can be retried with the same key.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApplicationError(
            "invalid_idempotency_key", f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters."
        )
    with transaction.atomic():
        IdempotencyRecord.objects.bulk_create(
            [IdempotencyRecord(merchant=merchant, key=key, request_fingerprint=fingerprint)],
            ignore_conflicts=True,
        )
        record = IdempotencyRecord.objects.get(merchant=merchant, key=key)
        if record.request_fingerprint != fingerprint:
            raise ConflictError(
                "idempotency_key_reused", "This Idempotency-Key was used with a different request."
            )
        if record.response_status is not None:
            return IdempotentResult(record.response_status, record.response_body, replayed=True)
        status, body = run()
        record.response_status, record.response_body = status, body
        record.save(update_fields=["response_status", "response_body"])
    return IdempotentResult(status, body, replayed=False)
