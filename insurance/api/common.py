"""What every API view shares: who is acting, idempotent POSTs, pagination, documented errors."""

import hashlib
import json
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework import mixins
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from insurance.models import Merchant
from insurance.services.idempotency import idempotent_run

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat a POST safely: the same key and body return the stored answer; the "
    "same key with another body is refused with 409 idempotency_key_reused.",
)


def actor(request: Request) -> str:
    return f"api_key:{request.auth.prefix}"


def _canonical(value):
    """The request body as comparable data: files by their content's digest."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file_sha256": digest.hexdigest(), "size": value.size}
    if hasattr(value, "lists"):  # a QueryDict (multipart form): every value of every key
        return {key: [_canonical(v) for v in values] for key, values in value.lists()}
    if isinstance(value, dict):
        return {key: _canonical(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def request_fingerprint(request: Request) -> str:
    body = json.dumps(_canonical(request.data), sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent_post(request: Request, run: Callable[[], Response]) -> Response:
    """Answer a state-changing POST once per Idempotency-Key, in one transaction."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        with transaction.atomic():
            return run()

    def run_and_keep() -> tuple[int, dict]:
        response = run()
        return response.status_code, response.data

    result = idempotent_run(
        merchant=request.user.merchant,
        key=key,
        fingerprint=request_fingerprint(request),
        run=run_and_keep,
    )
    response = Response(result.body, status=result.status)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class NewestFirstPagination(CursorPagination):
    """Cursor pagination: stable pages however many rows arrive while a client pages."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response_schema(self, schema: dict) -> dict:
        # DRF describes the links with OpenAPI 3.0's `nullable`; the schema is OpenAPI 3.1.
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }


class MerchantListView(mixins.ListModelMixin, GenericAPIView):
    """GET a list of the calling merchant's rows: filtered, cursor-paginated, newest first."""

    pagination_class = NewestFirstPagination

    def merchant_queryset(self, merchant: Merchant) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no merchant
            return self.serializer_class.Meta.model.objects.none()
        return self.merchant_queryset(self.request.user.merchant)

    def get(self, request: Request) -> Response:
        return self.list(request)
