import django_filters
from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import (
    Claim,
    ClaimEvent,
    ClaimPhoto,
    ClaimStatus,
    Payout,
    RejectReason,
    ReviewerRejectReason,
)
from claims.photos import photo_check
from claims.selectors import claim_get_for_merchant, claims_for_merchant
from claims.services import claim_submit
from config.parsers import BoundedJSONParser
from insurance.api.common import IDEMPOTENCY_HEADER, MerchantListView, actor, idempotent_post
from insurance.api.filters import IdFilter, InstantFilter
from insurance.api.schema import error_responses
from insurance.api.serializers import AmountInput, JsonInput, MoneyOutput, TextInput

REASON_LABELS = {**dict(RejectReason.choices), **dict(ReviewerRejectReason.choices)}


class ClaimJsonInput(JsonInput):
    """A claim without photos, as JSON."""

    policy_id = serializers.IntegerField(min_value=1)
    claimant_ref = TextInput(max_length=100)
    amount = AmountInput()
    description = TextInput(max_length=2000, required=False)
    device_id = TextInput(max_length=100, required=False)
    address = TextInput(max_length=300, required=False)


@extend_schema_field({"type": "string", "format": "binary"})
class PhotoFile(serializers.FileField):
    """One uploaded photo file (the schema's multipart `format: binary`)."""


class ClaimInput(ClaimJsonInput):
    """A claim with its evidence photos, as multipart/form-data."""

    # JPEG, PNG, WebP or HEIC. Checked by claims.photos, which says precisely what is wrong
    # with a bad one.
    photos = serializers.ListField(
        child=PhotoFile(allow_empty_file=True, use_url=False),
        required=False,
        default=list,
        max_length=settings.CLAIM_MAX_PHOTOS,
    )


class ClaimEventOutput(serializers.ModelSerializer):
    class Meta:
        model = ClaimEvent
        fields = ["from_status", "to_status", "actor", "reason", "created_at"]


class PayoutOutput(serializers.ModelSerializer):
    amount = MoneyOutput()

    class Meta:
        model = Payout
        fields = ["amount", "currency", "provider", "provider_reference", "paid_at"]


class ClaimPhotoOutput(serializers.ModelSerializer):
    class Meta:
        model = ClaimPhoto
        fields = ["id", "original_name", "content_type", "size", "width", "height", "uploaded_at"]


class ClaimOutput(serializers.ModelSerializer):
    product = serializers.CharField(source="product.code")
    amount = MoneyOutput()
    reason = serializers.SerializerMethodField()
    review_reasons = serializers.SerializerMethodField()
    payout = PayoutOutput(read_only=True, allow_null=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "policy_id",
            "product",
            "origin",
            "claimant_ref",
            "status",
            "reason_code",
            "reason",
            "review_reasons",
            "amount",
            "currency",
            "description",
            "tracking_number",
            "submitted_at",
            "decided_at",
            "paid_at",
            "payout",
        ]

    def get_reason(self, claim: Claim) -> str:
        """The decision's reason in words (empty until decided)."""
        return REASON_LABELS.get(claim.reason_code, "")

    def get_review_reasons(self, claim: Claim) -> list[str]:
        """Why a person looks at it, by code; the details stay with the reviewers."""
        return [reason["code"] for reason in claim.review_reasons]


class ClaimDetailOutput(ClaimOutput):
    photos = ClaimPhotoOutput(many=True, read_only=True)
    events = ClaimEventOutput(many=True, read_only=True)

    class Meta(ClaimOutput.Meta):
        fields = [*ClaimOutput.Meta.fields, "photos", "events"]


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)
    product = django_filters.CharFilter(field_name="product__code")
    policy_id = IdFilter()
    claimant_ref = django_filters.CharFilter()
    submitted_after = InstantFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = InstantFilter(field_name="submitted_at", lookup_expr="lt")

    class Meta:
        model = Claim
        fields = [
            "status",
            "product",
            "policy_id",
            "claimant_ref",
            "submitted_after",
            "submitted_before",
        ]


class ClaimListView(MerchantListView):
    serializer_class = ClaimOutput
    filterset_class = ClaimFilter
    parser_classes = [BoundedJSONParser, MultiPartParser]

    def merchant_queryset(self, merchant):
        return claims_for_merchant(merchant=merchant)

    @extend_schema(
        summary="The merchant's claims, newest first",
        responses={200: ClaimOutput(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(
        summary="File a claim for a policy, with evidence photos",
        description="JSON, or multipart/form-data when photos are sent (field `photos`, "
        "repeated). Workers decide the claim within seconds: follow it with GET "
        "/api/v1/claims/{id} or the claim.decided and claim.paid webhooks.",
        request={"multipart/form-data": ClaimInput, "application/json": ClaimJsonInput},
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: ClaimDetailOutput, **error_responses(400, 401, 404, 409, 413, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        data = ClaimInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        photos = [photo_check(upload) for upload in fields.pop("photos")]

        def run() -> Response:
            claim = claim_submit(
                merchant=request.user.merchant, photos=photos, actor=actor(request), **fields
            )
            claim = claim_get_for_merchant(merchant=request.user.merchant, claim_id=claim.pk)
            return Response(ClaimDetailOutput(claim).data, status=status.HTTP_201_CREATED)

        return idempotent_post(request, run)


class ClaimDetailView(APIView):
    @extend_schema(
        summary="A claim: status, decision and its reason, payout, history",
        responses={200: ClaimDetailOutput, **error_responses(401, 404)},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = claim_get_for_merchant(merchant=request.user.merchant, claim_id=claim_id)
        return Response(ClaimDetailOutput(claim).data)
