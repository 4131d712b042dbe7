from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insurance.api.common import refuse_empty_parameters
from insurance.api.schema import error_responses
from insurance.money import money_text
from insurance.selectors import ledger_balances, product_offer_for

BalancesOutput = inline_serializer(
    "LedgerBalances",
    {
        "product": serializers.CharField(allow_null=True),
        # One entry per currency the merchant's books hold: amounts of two currencies are
        # never added up. Each maps every account to its balance in that currency.
        "balances": serializers.DictField(
            child=serializers.DictField(child=serializers.CharField()),
        ),
    },
)


class ProductQuery(serializers.Serializer):
    product = serializers.SlugField(max_length=50, required=False)


class LedgerBalanceView(APIView):
    @extend_schema(
        summary="The merchant's balances per ledger account (debits minus credits)",
        parameters=[
            OpenApiParameter(
                "product",
                {"type": "string", "maxLength": 50, "pattern": "^[-a-zA-Z0-9_]+$"},
                description="only this product",
            )
        ],
        responses={200: BalancesOutput, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        refuse_empty_parameters(request, {"product"})
        query = ProductQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        code = query.validated_data.get("product")
        merchant = request.user.merchant
        product = product_offer_for(merchant=merchant, code=code).product if code else None
        balances = ledger_balances(merchant=merchant, product=product)
        return Response(
            {
                "product": code,
                "balances": {
                    currency: {
                        account: money_text(amount, currency)
                        for account, amount in accounts.items()
                    }
                    for currency, accounts in balances.items()
                },
            }
        )
