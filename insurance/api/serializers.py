"""Input and output shapes shared by the insurance API views."""

from rest_framework import serializers

from insurance.models import Policy, PolicyEvent, Quote
from insurance.money import CURRENCY_CHOICES, MONEY_DECIMALS, MONEY_DIGITS
from insurance.services.policies import BindRequest, CoverRequest


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMALS, **kwargs
    )


class CoverInput(serializers.Serializer):
    """The rating inputs of a quote or of a direct issue. Which are required depends on the
    product: order_value and buyer_ref for order cover, deposit_amount and term_months for
    deposit cover, buyer_region where the cover follows the shipping distance."""

    product = serializers.SlugField(max_length=50)
    buyer_ref = serializers.CharField(max_length=100, required=False, default="")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    order_value = money(required=False)
    deposit_amount = money(required=False)
    term_months = serializers.IntegerField(min_value=1, max_value=120, required=False)
    category = serializers.SlugField(max_length=50, required=False)
    buyer_region = serializers.CharField(max_length=50, required=False, default="")
    seller_region = serializers.CharField(max_length=50, required=False, default="")
    transit_days = serializers.IntegerField(min_value=0, max_value=60, required=False)

    def to_request(self) -> CoverRequest:
        return CoverRequest(**self.validated_data)


class BindInput(CoverInput):
    """Bind a held quote (`quote_id`), or issue directly from the cover inputs."""

    order_ref = serializers.CharField(max_length=100)
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


class QuoteOutput(serializers.ModelSerializer):
    product = serializers.CharField(source="product.code")

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
    remaining_cover = money(read_only=True)

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
            "return_tracking_number",
            "return_shipped_at",
            "ended_at",
            "refund_amount",
        ]


class PolicyDetailOutput(PolicyOutput):
    events = PolicyEventOutput(many=True, read_only=True)

    class Meta(PolicyOutput.Meta):
        fields = [*PolicyOutput.Meta.fields, "events"]
