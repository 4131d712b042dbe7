from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insurance.api.common import IDEMPOTENCY_HEADER, idempotent_post
from insurance.api.schema import error_responses
from insurance.api.serializers import CoverInput, QuoteOutput
from insurance.selectors import quote_get_for_merchant
from insurance.services.policies import quote_create


class QuoteListView(APIView):
    @extend_schema(
        summary="Price cover and hold the price",
        request=CoverInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: QuoteOutput, **error_responses(400, 401, 403, 404, 409, 413, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        data = CoverInput(data=request.data)
        data.is_valid(raise_exception=True)

        def run() -> Response:
            quote = quote_create(merchant=request.user.merchant, request=data.to_request())
            return Response(QuoteOutput(quote).data, status=status.HTTP_201_CREATED)

        return idempotent_post(request, run)


class QuoteDetailView(APIView):
    @extend_schema(summary="A quote", responses={200: QuoteOutput, **error_responses(401, 404)})
    def get(self, request: Request, quote_id: str) -> Response:
        quote = quote_get_for_merchant(merchant=request.user.merchant, quote_id=quote_id)
        return Response(QuoteOutput(quote).data)
