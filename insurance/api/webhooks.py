import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import NotFoundError
from insurance.api.common import IDEMPOTENCY_HEADER, MerchantListView, actor, idempotent_post
from insurance.api.filters import IdFilter
from insurance.api.schema import error_responses
from insurance.api.serializers import JsonInput, TextInput
from insurance.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)
from insurance.selectors import webhook_deliveries_for_merchant, webhook_endpoints_for_merchant
from insurance.services.webhooks import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_rotate_secret,
)


@extend_schema_field({"type": "string", "format": "uri", "maxLength": 500})
class WebhookUrlInput(TextInput):
    pass


class EndpointInput(JsonInput):
    # Any URI the schema allows is parsed; whether this platform sends to it is the
    # service's rule (422 invalid_webhook_url).
    url = WebhookUrlInput(max_length=500)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices), min_length=1
    )
    description = TextInput(max_length=200, required=False)


class EndpointOutput(serializers.ModelSerializer):
    """An endpoint as every read shows it: without its signing secret."""

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "active",
            "previous_secret_expires_at",
            "created_at",
        ]


class EndpointWithSecretOutput(EndpointOutput):
    """The answer that makes a secret (creation, rotation): the only one that shows it."""

    class Meta(EndpointOutput.Meta):
        fields = [*EndpointOutput.Meta.fields, "secret"]


class AttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "duration_ms", "error", "response_excerpt"]


class DeliveryOutput(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id")
    event_type = serializers.CharField(source="event.type")
    endpoint_id = serializers.IntegerField()
    log = AttemptOutput(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "endpoint_id",
            "status",
            "attempts",
            "created_at",
            "delivered_at",
            "log",
        ]


def _endpoint(request: Request, endpoint_id: int) -> WebhookEndpoint:
    endpoint = (
        webhook_endpoints_for_merchant(merchant=request.user.merchant)
        .filter(pk=endpoint_id)
        .first()
    )
    if endpoint is None:
        raise NotFoundError("endpoint_not_found", f"Webhook endpoint {endpoint_id} was not found.")
    return endpoint


class EndpointListView(MerchantListView):
    serializer_class = EndpointOutput

    def merchant_queryset(self, merchant):
        return webhook_endpoints_for_merchant(merchant=merchant)

    @extend_schema(
        summary="The merchant's webhook endpoints",
        responses={200: EndpointOutput(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(
        summary="Register a webhook endpoint (its signing secret is in this answer only)",
        description="The URL must lead to public addresses only: loopback, private, link-local "
        "and other non-public addresses (also inside NAT64, 6to4 or Teredo IPv6 addresses) and "
        "URLs with a user name or password are refused with 400 webhook_address_not_public or "
        "invalid_webhook_url.",
        request=EndpointInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: EndpointWithSecretOutput, **error_responses(400, 401, 409, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)

        def run() -> Response:
            endpoint = webhook_endpoint_create(
                merchant=request.user.merchant, **data.validated_data
            )
            return Response(EndpointWithSecretOutput(endpoint).data, status=status.HTTP_201_CREATED)

        return idempotent_post(request, run)


class EndpointDetailView(APIView):
    @extend_schema(
        summary="A webhook endpoint", responses={200: EndpointOutput, **error_responses(401, 404)}
    )
    def get(self, request: Request, endpoint_id: int) -> Response:
        return Response(EndpointOutput(_endpoint(request, endpoint_id)).data)

    @extend_schema(
        summary="Stop sending to an endpoint", responses={204: None, **error_responses(401, 404)}
    )
    def delete(self, request: Request, endpoint_id: int) -> Response:
        webhook_endpoint_disable(merchant=request.user.merchant, endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateSecretView(APIView):
    @extend_schema(
        summary="Rotate an endpoint's signing secret (the new one is in this answer only)",
        description="Until previous_secret_expires_at (WEBHOOK_SECRET_GRACE_HOURS, 24 h by "
        "default) deliveries carry a signature for the old secret too "
        "(Webhook-Signature: t=...,v1=<new>,v1=<old>), so a receiver verifying with either "
        "secret accepts them. Rotating again within that time retires the oldest secret.",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: EndpointWithSecretOutput, **error_responses(400, 401, 404, 409, 415, 429)},
    )
    def post(self, request: Request, endpoint_id: int) -> Response:
        def run() -> Response:
            endpoint = webhook_endpoint_rotate_secret(
                merchant=request.user.merchant, endpoint_id=endpoint_id, actor=actor(request)
            )
            return Response(EndpointWithSecretOutput(endpoint).data)

        return idempotent_post(request, run)


class DeliveryFilter(django_filters.FilterSet):
    endpoint = IdFilter(field_name="endpoint_id")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.ChoiceFilter(
        field_name="event__type", choices=WebhookEventType.choices
    )

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]


class DeliveryListView(MerchantListView):
    serializer_class = DeliveryOutput
    filterset_class = DeliveryFilter

    def merchant_queryset(self, merchant):
        return webhook_deliveries_for_merchant(merchant=merchant).prefetch_related("log")

    @extend_schema(
        summary="The delivery log, newest first",
        responses={200: DeliveryOutput(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class DeliveryResendView(APIView):
    @extend_schema(
        summary="Send a delivery again",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: DeliveryOutput, **error_responses(400, 401, 404, 409, 415, 429)},
    )
    def post(self, request: Request, delivery_id: int) -> Response:
        def run() -> Response:
            delivery = webhook_delivery_resend(
                merchant=request.user.merchant, delivery_id=delivery_id
            )
            return Response(DeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)

        return idempotent_post(request, run)
