"""The catalogue: what a checkout developer needs to quote each product a merchant may sell."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insurance.api.schema import error_responses
from insurance.models import (
    QUOTE_INPUTS,
    ClaimTrigger,
    ClaimWindowStart,
    CoverEnd,
    CoverRule,
    CoverStart,
    Exposure,
    Payer,
    PayoutRule,
    RefundRule,
)
from insurance.money import CURRENCY_CHOICES
from insurance.selectors import ProductOffer, product_offers_for_merchant, quote_inputs_of

INPUT_KINDS = sorted(set(QUOTE_INPUTS.values()))


class QuoteInputOutput(serializers.Serializer):
    name = serializers.ChoiceField(choices=sorted(QUOTE_INPUTS))
    required = serializers.BooleanField()
    kind = serializers.ChoiceField(
        choices=INPUT_KINDS,
        help_text='amount: a string of digits such as "128.50"; region: CN-ZJ or '
        "CN-ZJ/Hangzhou; slug: letters, digits, - and _; integer; text.",
    )
    values = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="The values the product takes, when it limits them.",
    )


class CoverTermsOutput(serializers.Serializer):
    starts = serializers.ChoiceField(choices=CoverStart.choices)
    ends = serializers.ChoiceField(choices=CoverEnd.choices)
    term_months = serializers.ListField(child=serializers.IntegerField())
    max_cover_days = serializers.IntegerField()
    rule = serializers.ChoiceField(choices=CoverRule.choices)
    max_cover = serializers.DecimalField(max_digits=14, decimal_places=2)
    refund_rule = serializers.ChoiceField(choices=RefundRule.choices)


class ClaimTermsOutput(serializers.Serializer):
    trigger = serializers.ChoiceField(choices=ClaimTrigger.choices)
    event = serializers.CharField(help_text="The order event that opens a claim, if any.")
    photo_required = serializers.BooleanField()
    tracking_number_required = serializers.BooleanField()
    per_policy = serializers.IntegerField(help_text="0: any number until the cover is used up.")
    payout_rule = serializers.ChoiceField(choices=PayoutRule.choices)
    recovered_from_merchant = serializers.BooleanField()
    window_starts = serializers.ChoiceField(choices=ClaimWindowStart.choices)
    window_hours = serializers.IntegerField()


class ProductOutput(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    payer = serializers.ChoiceField(choices=Payer.choices)
    rated_on = serializers.ChoiceField(choices=Exposure.choices)
    min_premium = serializers.DecimalField(max_digits=14, decimal_places=2)
    max_premium = serializers.DecimalField(max_digits=14, decimal_places=2)
    inputs = QuoteInputOutput(many=True)
    cover = CoverTermsOutput()
    claims = ClaimTermsOutput()


def _describe(offer: ProductOffer) -> dict:
    product, terms = offer.product, offer.terms
    return {
        "code": product.code,
        "name": product.name,
        "currency": product.currency,
        "payer": offer.payer,
        "rated_on": product.exposure,
        "min_premium": terms.min_premium,
        "max_premium": terms.max_premium,
        "inputs": quote_inputs_of(offer),
        "cover": {
            "starts": product.cover_starts,
            "ends": product.cover_ends,
            "term_months": product.term_months_allowed,
            "max_cover_days": product.max_cover_days,
            "rule": product.cover_rule,
            "max_cover": terms.max_cover,
            "refund_rule": product.refund_rule,
        },
        "claims": {
            "trigger": product.claim_trigger,
            "event": product.claim_event,
            "photo_required": product.photo_required,
            "tracking_number_required": product.tracking_number_required,
            "per_policy": product.claims_per_policy,
            "payout_rule": product.payout_rule,
            "recovered_from_merchant": product.recover_from_merchant,
            "window_starts": product.claim_window_start,
            "window_hours": offer.claim_window_hours,
        },
    }


class ProductListView(APIView):
    @extend_schema(
        summary="The products this merchant may sell, with the inputs a quote of each needs "
        "and its terms",
        responses={
            200: serializers.ListSerializer(child=ProductOutput()),
            **error_responses(401, 429),
        },
    )
    def get(self, request: Request) -> Response:
        offers = product_offers_for_merchant(merchant=request.user.merchant)
        return Response(ProductOutput([_describe(offer) for offer in offers], many=True).data)
