from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insurance import services
from insurance.models import Policy
from insurance.money import MONEY_DECIMALS, MONEY_DIGITS
from insurance.schema import error_responses
from insurance.selectors import policy_get_for_merchant


def _actor(request: Request) -> str:
    return f"api_key:{request.auth.prefix}"


class PolicyOutput(serializers.ModelSerializer):
    product = serializers.CharField(source="product.code")

    class Meta:
        model = Policy
        fields = [
            "id",
            "product",
            "order_ref",
            "buyer_ref",
            "status",
            "currency",
            "order_value",
            "premium",
            "cover",
            "issued_at",
        ]


class PolicyIssueInput(serializers.Serializer):
    product = serializers.SlugField(max_length=50)
    order_ref = serializers.CharField(max_length=100)
    buyer_ref = serializers.CharField(max_length=100)
    order_value = serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMALS, min_value=0
    )


class PolicyListView(APIView):
    @extend_schema(
        request=PolicyIssueInput,
        responses={201: PolicyOutput, **error_responses(400, 401, 404, 409, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        data = PolicyIssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.policy_issue(
            merchant=request.user.merchant,
            product_code=data.validated_data["product"],
            order_ref=data.validated_data["order_ref"],
            buyer_ref=data.validated_data["buyer_ref"],
            order_value=data.validated_data["order_value"],
            actor=_actor(request),
        )
        return Response(PolicyOutput(policy).data, status=status.HTTP_201_CREATED)


class PolicyDetailView(APIView):
    @extend_schema(responses={200: PolicyOutput, **error_responses(401, 404)})
    def get(self, request: Request, policy_id: int) -> Response:
        policy = policy_get_for_merchant(merchant=request.user.merchant, policy_id=policy_id)
        return Response(PolicyOutput(policy).data)
