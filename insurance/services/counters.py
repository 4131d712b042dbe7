"""Numbers from a named counter row: no two callers get the same one, on PostgreSQL and on the
embedded SQLite alike (a `count() + 1` gives two buyers at once the same number)."""

from django.db import IntegrityError, transaction
from django.db.models import F

from insurance.models import Counter


def counter_next(*, name: str) -> int:
    """The counter's next number (1 for a new counter). The UPDATE locks the row (PostgreSQL)
    or the database (SQLite) until the caller's transaction ends, so the number read back is
    this caller's own, and a caller that rolls back gives its number back."""
    with transaction.atomic():
        if not Counter.objects.filter(name=name).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    Counter.objects.create(name=name, value=1)
            except IntegrityError:  # created by another caller meanwhile: take the next one
                Counter.objects.filter(name=name).update(value=F("value") + 1)
        return Counter.objects.values_list("value", flat=True).get(name=name)
