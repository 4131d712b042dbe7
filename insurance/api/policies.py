import django_filters
from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError
from insurance.api.common import (
    IDEMPOTENCY_HEADER,
    MerchantListView,
    actor,
    idempotent_post,
)
from insurance.api.filters import InstantFilter
from insurance.api.schema import error_responses
from insurance.api.serializers import (
    BIND_REQUEST_SCHEMA,
    BindInput,
    JsonInput,
    PolicyDetailOutput,
    PolicyOutput,
    policy_output,
)
from insurance.models import Policy, PolicyStatus
from insurance.selectors import policies_for_merchant, policy_get_for_merchant
from insurance.services.policies import policies_issue_batch, policy_bind, policy_cancel


class PolicyFilter(django_filters.FilterSet):
    product = django_filters.CharFilter(field_name="product__code")
    status = django_filters.ChoiceFilter(choices=PolicyStatus.choices)
    order_ref = django_filters.CharFilter()
    buyer_ref = django_filters.CharFilter()
    issued_after = InstantFilter(field_name="issued_at", lookup_expr="gte")
    issued_before = InstantFilter(field_name="issued_at", lookup_expr="lt")

    class Meta:
        model = Policy
        fields = ["product", "status", "order_ref", "buyer_ref", "issued_after", "issued_before"]


class PolicyListView(MerchantListView):
    serializer_class = PolicyOutput
    filterset_class = PolicyFilter

    def merchant_queryset(self, merchant):
        return policies_for_merchant(merchant=merchant)

    @extend_schema(
        summary="The merchant's policies, newest first",
        responses={200: PolicyOutput(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(
        summary="Issue a policy for an order: bind a quote, or price and issue at once",
        request=BIND_REQUEST_SCHEMA,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: PolicyOutput,
            **error_responses(400, 401, 403, 404, 409, 413, 415, 429, 503),
        },
    )
    def post(self, request: Request) -> Response:
        data = BindInput(data=request.data)
        data.is_valid(raise_exception=True)

        def run() -> Response:
            policy = policy_bind(
                merchant=request.user.merchant,
                bind=BindInput.to_bind(data.validated_data),
                actor=actor(request),
            )
            return Response(policy_output(policy), status=status.HTTP_201_CREATED)

        return idempotent_post(request, run)


class BatchInput(JsonInput):
    items = BindInput(many=True, allow_empty=False)


BATCH_REQUEST_SCHEMA = inline_serializer(
    "Batch",
    {
        "items": serializers.ListField(
            child=BIND_REQUEST_SCHEMA,
            min_length=1,
            max_length=settings.POLICY_BATCH_MAX_ITEMS,
        )
    },
)


class PolicyBatchView(APIView):
    @extend_schema(
        summary="Issue the policies of a whole cart: all of them, or none",
        description="One transaction. When any item cannot be issued, nothing is issued and "
        "the error's fields.items reports each item: status ok, or its error.",
        request=BATCH_REQUEST_SCHEMA,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: inline_serializer("BatchOutput", {"policies": PolicyOutput(many=True)}),
            **error_responses(400, 401, 403, 404, 409, 413, 415, 429, 503),
        },
    )
    def post(self, request: Request) -> Response:
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if isinstance(items, list) and len(items) > settings.POLICY_BATCH_MAX_ITEMS:
            raise ApplicationError(
                "batch_too_large",
                f"A batch takes at most {settings.POLICY_BATCH_MAX_ITEMS} items.",
                fields={"items": [f"{len(items)} items sent."]},
            )
        data = BatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        binds = [BindInput.to_bind(item) for item in data.validated_data["items"]]

        def run() -> Response:
            policies = policies_issue_batch(
                merchant=request.user.merchant, binds=binds, actor=actor(request)
            )
            return Response(
                {"policies": [policy_output(p) for p in policies]}, status=status.HTTP_201_CREATED
            )

        return idempotent_post(request, run)


class PolicyDetailView(APIView):
    @extend_schema(
        summary="A policy with its history",
        responses={200: PolicyDetailOutput, **error_responses(401, 404)},
    )
    def get(self, request: Request, policy_id: int) -> Response:
        policy = policy_get_for_merchant(merchant=request.user.merchant, policy_id=policy_id)
        return Response(PolicyDetailOutput(policy).data)


class PolicyCancelView(APIView):
    @extend_schema(
        summary="Cancel a policy (refund: all before cover starts; deposit cover pro rata)",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: PolicyOutput, **error_responses(401, 404, 409, 429)},
    )
    def post(self, request: Request, policy_id: int) -> Response:
        def run() -> Response:
            policy = policy_get_for_merchant(merchant=request.user.merchant, policy_id=policy_id)
            policy = policy_cancel(policy=policy, actor=actor(request))
            return Response(PolicyOutput(policy).data)

        return idempotent_post(request, run)
