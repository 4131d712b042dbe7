"""The hot path's row writer reads each value as Django would prepare it for the database."""

import pytest
from django.db import connection

from insurance.models import IdempotencyRecord, LedgerTransfer, Policy, PolicyEvent
from insurance.services.rows import _db_value
from outbox.models import OutboxTask
from tests.insurance.helpers import PRODUCE, SHIPPING, issue

pytestmark = pytest.mark.django_db

MODELS = [Policy, PolicyEvent, LedgerTransfer, IdempotencyRecord, OutboxTask]


def _unwrapped(value):
    return getattr(value, "obj", value)  # psycopg's Jsonb wrapper compares by identity


def test_every_value_is_what_get_db_prep_save_gives(api):
    for body in (SHIPPING, PRODUCE):
        issue(api, f"ROWS-{body['product']}", body, HTTP_IDEMPOTENCY_KEY=f"rows-{body['product']}")
    compared = 0
    for model in MODELS:
        for row in model.objects.all()[:20]:
            for field in model._meta.concrete_fields:
                expected = field.get_db_prep_save(field.pre_save(row, add=True), connection)
                actual = _db_value(field, row, connection)
                assert _unwrapped(actual) == _unwrapped(expected), (model, field.name)
                compared += 1
    assert compared > 50
