"""Input and output shapes shared by the insurance API views."""

import re

from django.http import QueryDict
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from insurance.models import Policy, PolicyEvent, Quote
from insurance.money import CURRENCY_CHOICES, MONEY_DECIMALS, MONEY_DIGITS, money_text
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


class PolicyDetailOutput(PolicyOutput):
    events = PolicyEventOutput(many=True, read_only=True)

    class Meta(PolicyOutput.Meta):
        fields = [*PolicyOutput.Meta.fields, "events"]
