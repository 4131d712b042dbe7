"""Input and output shapes shared by the insurance API views."""

import re
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from insurance.models import Policy, PolicyEvent, Quote
from insurance.money import CURRENCY_CHOICES, MINOR_UNITS, MONEY_DECIMALS, MONEY_DIGITS, money_text
from insurance.services.policies import BindRequest, CoverRequest

# A sum of money in a request: digits with at most two decimals, written as a string.
AMOUNT_PATTERN = rf"^\d{{1,{MONEY_DIGITS - MONEY_DECIMALS}}}(?:\.\d{{1,{MONEY_DECIMALS}}})?$"


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": AMOUNT_PATTERN, "example": "128.50"}
)
class AmountInput(serializers.DecimalField):
    """A sum of money sent by a client: a string such as "128.50", never a JSON number (a
    float may have rounded it before it left the client), never negative or in exponent form.
    Whether it is above zero and within what a product covers is the product's rule (422)."""

    default_error_messages = {
        **serializers.DecimalField.default_error_messages,
        "invalid": 'Write the amount as a string of digits such as "128.50".',
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMALS, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(AMOUNT_PATTERN, data):
            self.fail("invalid")
        return super().to_internal_value(data)


def _json_type_error(field: serializers.Field, value) -> str | None:
    """What is wrong with the JSON type of `value` for `field`, if anything."""
    if isinstance(field, serializers.IntegerField):
        # JSON Schema counts 41.0 as an integer, as JSON has one number type.
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return None if whole and not isinstance(value, bool) else "Must be a JSON integer."
    if isinstance(
        field,
        serializers.CharField
        | serializers.ChoiceField
        | serializers.UUIDField
        | serializers.DecimalField
        | serializers.DateTimeField,
    ):
        return None if isinstance(value, str) else "Must be a JSON string."
    if isinstance(field, serializers.ListField):
        return None if isinstance(value, list) else "Must be a JSON array."
    return None


class JsonInput(serializers.Serializer):
    """A request body whose JSON types are the schema's: DRF on its own would take 12 for
    "12" and "12" for 12, and a schema-violating request must not be accepted. (A multipart
    form carries only strings and is left to the fields.)"""

    def to_internal_value(self, data):
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            errors = {
                name: [error]
                for name, field in self.fields.items()
                if name in data and (error := _json_type_error(field, data[name])) is not None
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class TextInput(serializers.CharField):
    """Text a client sends, kept as sent: references such as order_ref are identifiers, so
    no whitespace is trimmed off them. An optional one may be left out or sent empty."""

    def __init__(self, *, max_length: int, required: bool = True, **kwargs) -> None:
        if not required:
            kwargs.update(required=False, default="", allow_blank=True)
        super().__init__(max_length=max_length, trim_whitespace=False, **kwargs)


class CoverInput(JsonInput):
    """The rating inputs of a quote or of a direct issue. Which are required depends on the
    product: order_value and buyer_ref for order cover, deposit_amount and term_months for
    deposit cover, buyer_region where the cover follows the shipping distance."""

    product = serializers.SlugField(max_length=50)
    buyer_ref = TextInput(max_length=100, required=False)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    order_value = AmountInput(required=False)
    deposit_amount = AmountInput(required=False)
    term_months = serializers.IntegerField(min_value=1, max_value=120, required=False)
    category = serializers.SlugField(max_length=50, required=False)
    buyer_region = TextInput(max_length=50, required=False)
    seller_region = TextInput(max_length=50, required=False)
    transit_days = serializers.IntegerField(min_value=0, max_value=60, required=False)

    def to_request(self) -> CoverRequest:
        return CoverRequest(**self.validated_data)


class IssueInput(CoverInput):
    """Issue directly: price the cover now and issue it for the order."""

    order_ref = TextInput(max_length=100)


class BindQuoteInput(JsonInput):
    """Bind a held quote to the order it was made for."""

    order_ref = TextInput(max_length=100)
    quote_id = serializers.UUIDField()


# One of the two shapes: the schema says "exactly one" (oneOf), so a body with both quote_id
# and product matches neither alone and is refused by the schema, as by the server.
BIND_REQUEST_SCHEMA = PolymorphicProxySerializer(
    component_name="Bind",
    serializers=[BindQuoteInput, IssueInput],
    resource_type_field_name=None,
)


class BindInput(IssueInput):
    """Parses either shape of BIND_REQUEST_SCHEMA."""

    quote_id = serializers.UUIDField(required=False)
    product = serializers.SlugField(max_length=50, required=False)

    def validate(self, attrs: dict) -> dict:
        if ("quote_id" in attrs) == ("product" in attrs):
            raise serializers.ValidationError(
                "Give either quote_id (bind a quote) or product with its inputs (issue directly)."
            )
        return attrs

    @staticmethod
    def to_bind(validated: dict) -> BindRequest:
        data = dict(validated)
        order_ref, quote_id = data.pop("order_ref"), data.pop("quote_id", None)
        if quote_id is not None:
            return BindRequest(order_ref=order_ref, quote_id=str(quote_id))
        return BindRequest(order_ref=order_ref, cover=CoverRequest(**data))


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?\d+(?:\.\d+)?$", "example": "6.48"}
)
class MoneyOutput(serializers.Field):
    """An amount in its row's currency, written with that currency's minor unit: "6.48" in
    CNY, "1500" in JPY."""

    def __init__(self, *, currency_field: str = "currency", **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)
        self.currency_field = currency_field

    def get_attribute(self, instance):
        return super().get_attribute(instance), getattr(instance, self.currency_field)

    def to_representation(self, value) -> str | None:
        amount, currency = value
        return None if amount is None else money_text(amount, currency)


# --- The hot path's reading of a direct issue (insurance.api.fastpath) -------------------------
# BindInput's rules for the shape checkouts send at peaks, without DRF's per-field machinery.
# It accepts only what BindInput accepts and reads the same values (tests/insurance/
# test_fastpath.py holds it to that); anything else (a quote to bind, a value DRF would refuse or
# coerce, a field it does not know) is None, and BindInput parses and answers it.
_AMOUNT = re.compile(AMOUNT_PATTERN)
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")  # DRF refuses NUL and lone surrogates
_TEXTS = {"order_ref": 100, "buyer_ref": 100, "buyer_region": 50, "seller_region": 50}
_SLUGS = {"product": 50, "category": 50}
_WHOLE_NUMBERS = {"term_months": (1, 120), "transit_days": (0, 60)}
_AMOUNTS = {"order_value", "deposit_amount"}
_CENT = Decimal(1).scaleb(-MONEY_DECIMALS)


def _direct_issue_value(name: str, value):
    """The value BindInput would read for `name`, or None where it might read another or
    refuse it."""
    if name in _TEXTS:
        ok = type(value) is str and len(value) <= _TEXTS[name] and not _NOT_TEXT.search(value)
        return value if ok and (value or name != "order_ref") else None
    if name in _SLUGS:
        ok = type(value) is str and len(value) <= _SLUGS[name]
        return value if ok and _SLUG.fullmatch(value) else None
    if name in _WHOLE_NUMBERS:
        low, high = _WHOLE_NUMBERS[name]
        return value if type(value) is int and low <= value <= high else None
    if name in _AMOUNTS:
        ok = type(value) is str and _AMOUNT.fullmatch(value)
        return Decimal(value).quantize(_CENT) if ok else None
    if name == "currency":
        return value if type(value) is str and value in MINOR_UNITS else None
    return None


def direct_issue_from(item) -> BindRequest | None:
    """The direct issue a JSON object asks for, read as BindInput reads it; None for anything
    BindInput must read (or refuse) itself."""
    if type(item) is not dict or "product" not in item or "order_ref" not in item:
        return None
    cover = {}
    for name, value in item.items():
        cover[name] = _direct_issue_value(name, value)
        if cover[name] is None:
            return None
    return BindRequest(order_ref=cover.pop("order_ref"), cover=CoverRequest(**cover))


def direct_issues_from(body, *, batch: bool) -> list[BindRequest] | None:
    """The binds of a single issue body or of a cart batch's ({"items": [...]}), when all of
    them are direct issues the hot path reads as BindInput does; None otherwise."""
    if not batch:
        bind = direct_issue_from(body)
        return None if bind is None else [bind]
    items = body.get("items") if type(body) is dict and len(body) == 1 else None
    if type(items) is not list or not 1 <= len(items) <= settings.POLICY_BATCH_MAX_ITEMS:
        return None
    binds = [direct_issue_from(item) for item in items]
    return None if None in binds else binds


class QuoteOutput(serializers.ModelSerializer):
    product = serializers.CharField(source="product.code")
    premium = MoneyOutput()
    cover = MoneyOutput()
    exposure_amount = MoneyOutput()

    class Meta:
        model = Quote
        fields = [
            "id",
            "product",
            "currency",
            "premium",
            "cover",
            "exposure_amount",
            "payer",
            "claim_window_hours",
            "inputs",
            "rating",
            "created_at",
            "expires_at",
        ]


class PolicyEventOutput(serializers.ModelSerializer):
    class Meta:
        model = PolicyEvent
        fields = ["from_status", "to_status", "actor", "reason", "created_at"]


class PolicyOutput(serializers.ModelSerializer):
    product = serializers.CharField(source="product.code")
    exposure_amount = MoneyOutput()
    premium = MoneyOutput()
    cover = MoneyOutput()
    cover_used = MoneyOutput()
    remaining_cover = MoneyOutput()
    refund_amount = MoneyOutput(allow_null=True)
    quote_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = Policy
        fields = [
            "id",
            "product",
            "order_ref",
            "buyer_ref",
            "payer",
            "status",
            "currency",
            "exposure_amount",
            "premium",
            "cover",
            "cover_used",
            "remaining_cover",
            "quote_id",
            "inputs",
            "rating",
            "claim_window_hours",
            "issued_at",
            "cover_starts_at",
            "cover_ends_at",
            "delivered_at",
            "claim_event_at",
            "claim_event_reference",
            "ended_at",
            "refund_amount",
        ]


def _instant(value: datetime | None, zone) -> str | None:
    """A time as DRF's DateTimeField writes it: ISO 8601 in the current time zone, UTC as Z."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _money(value: Decimal | None, currency: str) -> str | None:
    return None if value is None else money_text(value, currency)


def policy_output(policy: Policy) -> dict:
    """PolicyOutput(policy).data, written out: the answer to every issue, which the hot path
    renders by the thousand (DRF's field machinery costs more than the rest of a bind).
    tests/insurance/test_fastpath.py holds the two equal."""
    zone = timezone.get_current_timezone()  # a context-local lookup: once, not per field
    return {
        "id": policy.pk,
        "product": policy.product.code,
        "order_ref": policy.order_ref,
        "buyer_ref": policy.buyer_ref,
        "payer": str(policy.payer),
        "status": str(policy.status),
        "currency": str(policy.currency),
        "exposure_amount": _money(policy.exposure_amount, policy.currency),
        "premium": _money(policy.premium, policy.currency),
        "cover": _money(policy.cover, policy.currency),
        "cover_used": _money(policy.cover_used, policy.currency),
        "remaining_cover": _money(policy.remaining_cover, policy.currency),
        "quote_id": None if policy.quote_id is None else str(policy.quote_id),
        "inputs": policy.inputs,
        "rating": policy.rating,
        "claim_window_hours": policy.claim_window_hours,
        "issued_at": _instant(policy.issued_at, zone),
        "cover_starts_at": _instant(policy.cover_starts_at, zone),
        "cover_ends_at": _instant(policy.cover_ends_at, zone),
        "delivered_at": _instant(policy.delivered_at, zone),
        "claim_event_at": _instant(policy.claim_event_at, zone),
        "claim_event_reference": policy.claim_event_reference,
        "ended_at": _instant(policy.ended_at, zone),
        "refund_amount": _money(policy.refund_amount, policy.currency),
    }


class PolicyDetailOutput(PolicyOutput):
    events = PolicyEventOutput(many=True, read_only=True)

    class Meta(PolicyOutput.Meta):
        fields = [*PolicyOutput.Meta.fields, "events"]
