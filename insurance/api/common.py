"""What every API view shares: who is acting, idempotent POSTs, pagination, documented errors."""

import hashlib
import json
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework import mixins
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import ApplicationError
from insurance.models import Merchant
from insurance.services.idempotency import MAX_KEY_LENGTH, idempotent_run

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat a POST safely: the same key and body return the stored answer; the "
    "same key with another body is refused with 409 idempotency_key_reused.",
)


def actor(request: Request) -> str:
    return f"api_key:{request.auth.prefix}"


def _file_digest(upload: UploadedFile) -> dict:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return {"file_sha256": digest.hexdigest(), "size": upload.size}


def request_fingerprint(request: Request) -> str:
    """The request as comparable data: the same fields in any order give the same digest.

    A multipart form is flat (every value of every key, files by their content's digest); a
    JSON body's depth is bounded by the parser (config.parsers), so encoding it is safe.
    """
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict (multipart form)
        data = {
            key: [_file_digest(v) if isinstance(v, UploadedFile) else v for v in values]
            for key, values in data.lists()
        }
    return body_fingerprint(request.method, request.path, data)


def body_fingerprint(method: str, path: str, data) -> str:
    """A parsed request body's digest: the same fields in any order give the same one."""
    body = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


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


def refuse_empty_parameters(request: Request, names: set[str]) -> None:
    """A query parameter sent empty is refused, as the schema says (minLength 1), instead of
    being read as "no filter": a client that sends `status=` meant something."""
    empty = sorted(name for name in names if request.query_params.get(name) == "")
    if empty:
        message = "Leave the parameter out rather than send it empty."
        raise ApplicationError(
            "validation_error",
            "The request has invalid fields.",
            fields={name: [message] for name in empty},
        )


class NewestFirstPagination(CursorPagination):
    """Cursor pagination: stable pages however many rows arrive while a client pages.

    Stricter than DRF's: a page_size that is not a whole number from 1 to 500 is a 400 (DRF
    would quietly use the default), and a cursor this API did not give out is a 404
    invalid_cursor (DRF's position would reach the database unchecked).
    """

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ApplicationError(
                "validation_error",
                "The request has invalid fields.",
                fields={"page_size": [f"A whole number from 1 to {self.max_page_size}."]},
            )
        return int(raw)

    def decode_cursor(self, request: Request):
        invalid = ApplicationError(
            "invalid_cursor", "This page cursor was not given out by this API."
        )
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise invalid from None
        # Positions are ids: this pagination orders by id only.
        position = cursor.position if cursor is not None else None
        if position is not None and not (position.isascii() and position.isdigit()):
            raise invalid
        return cursor

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            else:
                parameter["schema"]["minLength"] = 1
        return parameters

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
    filterset_class = None

    def merchant_queryset(self, merchant: Merchant) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no merchant
            return self.serializer_class.Meta.model.objects.none()
        return self.merchant_queryset(self.request.user.merchant)

    def get(self, request: Request) -> Response:
        known = {self.paginator.cursor_query_param, self.paginator.page_size_query_param}
        if self.filterset_class is not None:
            known.update(self.filterset_class.base_filters)
        refuse_empty_parameters(request, known)
        return self.list(request)
