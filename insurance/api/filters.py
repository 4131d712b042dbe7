"""Query filters for the API's lists, as strict as the OpenAPI schema that describes them."""

from datetime import UTC, datetime

import django_filters
from django import forms
from django.utils.dateparse import parse_datetime
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

# The largest id PostgreSQL's bigint holds.
MAX_ID = 2**63 - 1


class InstantField(IsoDateTimeField):
    """An RFC 3339 date-time, as the schema's `format: date-time` says: with its offset."""

    def strptime(self, value, format):
        parsed = parse_datetime(value)
        if parsed is None or parsed.tzinfo is None:
            raise ValueError(value)
        return parsed


class InstantFilter(django_filters.IsoDateTimeFilter):
    """An instant, compared in UTC.

    RFC 3339 allows offsets up to ±23:59; PostgreSQL stores none beyond ±15:59, so the value
    is sent in UTC. An instant that falls outside years 1-9999 once in UTC is past every row,
    so it becomes the end of time on its side.
    """

    field_class = InstantField

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                value = (datetime.min if value.year < 5000 else datetime.max).replace(tzinfo=UTC)
        return super().filter(qs, value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number a bigint holds."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)
