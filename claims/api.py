from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import services
from claims.models import Claim, ClaimEvent, Payout
from claims.selectors import claim_get_for_merchant
from insurance.api.schema import error_responses
from insurance.money import MONEY_DECIMALS, MONEY_DIGITS


class ClaimEventOutput(serializers.ModelSerializer):
    class Meta:
        model = ClaimEvent
        fields = ["from_status", "to_status", "actor", "reason", "created_at"]


class PayoutOutput(serializers.ModelSerializer):
    class Meta:
        model = Payout
        fields = ["amount", "currency", "paid_at"]


class ClaimOutput(serializers.ModelSerializer):
    policy_id = serializers.IntegerField()
    payout = PayoutOutput(read_only=True, allow_null=True)
    events = ClaimEventOutput(many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "policy_id",
            "claimant_ref",
            "status",
            "reason_code",
            "amount",
            "currency",
            "description",
            "submitted_at",
            "decided_at",
            "payout",
            "events",
        ]


class ClaimSubmitInput(serializers.Serializer):
    policy_id = serializers.IntegerField(min_value=1)
    claimant_ref = serializers.CharField(max_length=100)
    amount = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMALS)
    description = serializers.CharField(max_length=2000, required=False, default="")


class ClaimListView(APIView):
    @extend_schema(
        request=ClaimSubmitInput,
        responses={201: ClaimOutput, **error_responses(400, 401, 404, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        data = ClaimSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_submit(
            merchant=request.user.merchant,
            policy_id=data.validated_data["policy_id"],
            claimant_ref=data.validated_data["claimant_ref"],
            amount=data.validated_data["amount"],
            description=data.validated_data["description"],
            photos=[],
            actor=f"api_key:{request.auth.prefix}",
        )
        claim = claim_get_for_merchant(merchant=request.user.merchant, claim_id=claim.pk)
        return Response(ClaimOutput(claim).data, status=status.HTTP_201_CREATED)


class ClaimDetailView(APIView):
    @extend_schema(responses={200: ClaimOutput, **error_responses(401, 404)})
    def get(self, request: Request, claim_id: int) -> Response:
        claim = claim_get_for_merchant(merchant=request.user.merchant, claim_id=claim_id)
        return Response(ClaimOutput(claim).data)
