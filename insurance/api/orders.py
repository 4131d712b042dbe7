from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import NotFoundError
from insurance.api.common import IDEMPOTENCY_HEADER, actor, idempotent_post
from insurance.api.schema import error_responses
from insurance.api.serializers import JsonInput, TextInput
from insurance.models import Policy
from insurance.services.orders import order_event_record

ORDER_REF_MAX_LENGTH = Policy._meta.get_field("order_ref").max_length


class OrderEventInput(JsonInput):
    # delivered, completed, cancelled, or the claim event of a product (the schema lists them).
    kind = serializers.SlugField(max_length=50)
    tracking_number = TextInput(max_length=64, required=False)
    occurred_at = serializers.DateTimeField(required=False)


class OrderPolicyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.CharField(source="product.code")
    status = serializers.CharField()


class OrderEventOutput(serializers.Serializer):
    order_ref = serializers.CharField(source="event.order_ref")
    kind = serializers.CharField(source="event.kind")
    tracking_number = serializers.CharField(source="event.tracking_number")
    occurred_at = serializers.DateTimeField(source="event.occurred_at")
    policies = OrderPolicyOutput(many=True)
    claims_opening = serializers.IntegerField()


class OrderEventView(APIView):
    @extend_schema(
        summary="Tell us what happened to an order: it moves the order's policies",
        description="Each of the order's policies moves as its product says: delivered starts "
        "the cover of products whose cover starts at delivery; completed ends the cover of "
        "those that end with the order; cancelled ends any with its product's refund; a "
        "product's claim event (such as return_shipped, with tracking_number) opens its "
        "claim. GET /api/v1/products says which product does what.",
        request=OrderEventInput,
        parameters=[
            IDEMPOTENCY_HEADER,
            OpenApiParameter(
                "order_ref", {"type": "string", "maxLength": ORDER_REF_MAX_LENGTH}, "path"
            ),
        ],
        responses={201: OrderEventOutput, **error_responses(400, 401, 404, 409, 415, 429)},
    )
    def post(self, request: Request, order_ref: str) -> Response:
        if len(order_ref) > ORDER_REF_MAX_LENGTH or "\x00" in order_ref:
            # No policy can have such an order_ref (see the schema).
            raise NotFoundError("order_not_found", f"No policy covers order {order_ref!r}.")
        data = OrderEventInput(data=request.data)
        data.is_valid(raise_exception=True)

        def run() -> Response:
            result = order_event_record(
                merchant=request.user.merchant,
                order_ref=order_ref,
                kind=data.validated_data["kind"],
                tracking_number=data.validated_data["tracking_number"],
                occurred_at=data.validated_data.get("occurred_at") or timezone.now(),
                actor=actor(request),
            )
            return Response(OrderEventOutput(result).data, status=status.HTTP_201_CREATED)

        return idempotent_post(request, run)
