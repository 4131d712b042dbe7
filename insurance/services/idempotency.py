"""Idempotency-Key: a repeated state-changing request gets the first one's stored answer."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from config import clock
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
        record_id = _claim_key(merchant=merchant, key=key, fingerprint=fingerprint)
        if record_id is None:  # the key was used before: answer as then
            record = IdempotencyRecord.objects.get(merchant=merchant, key=key)
            if record.request_fingerprint != fingerprint:
                raise ConflictError(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with a different request.",
                )
            return IdempotentResult(record.response_status, record.response_body, replayed=True)
        status, body = run()
        IdempotencyRecord.objects.filter(pk=record_id).update(
            response_status=status, response_body=body
        )
    return IdempotentResult(status, body, replayed=False)


def _claim_key(*, merchant: Merchant, key: str, fingerprint: str) -> int | None:
    """Insert the key's record in one round trip; None if the key already had one.

    ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit (or roll
    back) before it decides, which is what makes concurrent duplicates safe. The ORM cannot
    say "insert unless it exists, and tell me which" in one statement, hence the SQL.
    """
    table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (merchant_id, key, request_fingerprint, created_at) "  # noqa: S608 - our own table name
            "VALUES (%s, %s, %s, %s) ON CONFLICT (merchant_id, key) DO NOTHING RETURNING id",
            [merchant.pk, key, fingerprint, clock.now()],
        )
        row = cursor.fetchone()
    return row[0] if row else None
