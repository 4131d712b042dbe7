"""One error family and one JSON error shape for the whole API.

Every API error renders as {"error": {"code": ..., "message": ..., "fields": {...}}}; the codes
are stable and documented, so clients can branch on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response


@dataclass(frozen=True)
class ErrorCode:
    status: int
    meaning: str


# Every code the API answers with, its one HTTP status and what it means. The README's error
# table is checked against this registry (tests/config/test_error_codes.py), and every code
# raised in the source must be here.
#
# 400 means the request does not match the OpenAPI schema; 422 means it matches the schema but
# breaks a rule the schema cannot say (a product's inputs, a policy's cover, a photo's content).
# A client that follows the schema never sees a 400.
ERROR_CODES: dict[str, ErrorCode] = {
    code: ErrorCode(status, meaning)
    for code, status, meaning in [
        (
            "malformed_request",
            400,
            "The body is not JSON, nests too deep, or a header is malformed.",
        ),
        ("validation_error", 400, "Fields do not match the schema; `fields` names each one."),
        ("invalid_idempotency_key", 400, "Idempotency-Key is empty or longer than 255 characters."),
        ("unknown_event_kind", 400, "No product acts on that kind of order event."),
        ("batch_too_large", 400, "A batch has more items than POLICY_BATCH_MAX_ITEMS."),
        ("not_authenticated", 401, "No API key was sent."),
        ("authentication_failed", 401, "The API key is unknown, revoked or malformed."),
        ("permission_denied", 403, "The key may not do this."),
        ("product_not_available", 403, "The product is switched off for this merchant."),
        ("not_found", 404, "No such endpoint or object."),
        (
            "invalid_cursor",
            404,
            "The cursor is not one this API gave out: start without it.",
        ),
        ("unknown_product", 404, "No product is sold under that code."),
        ("quote_not_found", 404, "No quote of this merchant has that id."),
        ("policy_not_found", 404, "No policy of this merchant has that id."),
        ("order_not_found", 404, "No policy of this merchant covers that order."),
        ("claim_not_found", 404, "No claim of this merchant has that id."),
        ("endpoint_not_found", 404, "No webhook endpoint of this merchant has that id."),
        ("delivery_not_found", 404, "No webhook delivery of this merchant has that id."),
        ("method_not_allowed", 405, "The endpoint does not take this HTTP method."),
        ("not_acceptable", 406, "The API answers in JSON only."),
        ("idempotency_key_reused", 409, "The Idempotency-Key was used with another request."),
        ("policy_already_issued", 409, "A policy for this order and product exists already."),
        ("quote_already_bound", 409, "The quote was bound to a policy already."),
        ("quote_expired", 409, "The quote's price is no longer held: quote again."),
        ("invalid_transition", 409, "The policy or claim cannot go to that state from its state."),
        ("policy_state_changed", 409, "The policy changed while the request ran: read it again."),
        ("policy_not_active", 409, "The policy does not cover anything now."),
        ("cover_exhausted", 409, "The policy's cover is used up."),
        ("claim_state_changed", 409, "The claim changed while the request ran: read it again."),
        ("claim_already_decided", 409, "Someone decided the claim first."),
        ("no_recovery_pending", 409, "The claim has no recovery to record."),
        ("delivery_in_progress", 409, "The delivery has not been tried yet."),
        ("payload_too_large", 413, "The body is larger than this endpoint accepts."),
        ("photo_too_large", 413, "A photo file is larger than CLAIM_PHOTO_MAX_BYTES."),
        ("image_dimensions_too_large", 413, "A photo has more pixels than CLAIM_PHOTO_MAX_PIXELS."),
        ("unsupported_media_type", 415, "The Content-Type is not one this endpoint reads."),
        ("missing_input", 422, "The product needs an input the request left out."),
        ("amount_precision", 422, "An amount has more decimals than its currency (JPY: none)."),
        ("currency_mismatch", 422, "The product is sold in another currency."),
        ("amount_out_of_range", 422, "The amount is outside what the product covers."),
        ("invalid_region", 422, "A region is not written like CN-ZJ or CN-ZJ/Hangzhou."),
        ("invalid_term", 422, "The product is not sold for that term."),
        ("invalid_amount", 422, "The claimed amount is zero, negative or above the cover left."),
        (
            "event_time_out_of_range",
            422,
            "An order event is dated before checkout or after now.",
        ),
        ("claim_not_allowed", 422, "Claims on this product are not filed through this endpoint."),
        (
            "batch_rejected",
            422,
            "An item cannot be issued, so none was; see fields.items.",
        ),
        ("empty_file", 422, "A photo file is empty."),
        ("not_an_image", 422, "A photo file is not an image."),
        ("unsupported_image_format", 422, "A photo is not JPEG, PNG, WebP or HEIC."),
        ("extension_mismatch", 422, "A photo's file name says another format than its content."),
        ("image_dimensions_implausible", 422, "A photo declares more pixels than its bytes hold."),
        ("corrupt_image", 422, "A photo is truncated or damaged."),
        (
            "invalid_webhook_url",
            422,
            "The webhook URL is not one this platform sends to.",
        ),
        ("webhook_address_not_public", 422, "The webhook URL's host is not a public address."),
        ("invalid_event_types", 422, "An event type is not one this platform sends."),
        ("invalid_reason", 422, "A reviewer's reason is not one of the listed reasons."),
        ("rate_limited", 429, "Too many requests: wait for Retry-After seconds."),
        ("internal_error", 500, "A fault on our side; it was logged with the request id."),
        (
            "service_unavailable",
            503,
            "At capacity, or the database does not answer: nothing was done; retry after "
            "Retry-After seconds.",
        ),
    ]
}


class ApplicationError(Exception):
    """A domain error a client can act on. Services raise it; the handler renders it.

    Its HTTP status comes from the code's entry in ERROR_CODES.
    """

    def __init__(self, code: str, message: str, *, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.status_code = ERROR_CODES[code].status


# Kinds of error that callers catch apart; their codes are registered with 404 and 409.
class NotFoundError(ApplicationError):
    pass


class ConflictError(ApplicationError):
    pass


# DRF's exception classes, mapped to our stable codes.
_DRF_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ParseError, "malformed_request"),
    (exceptions.ValidationError, "validation_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "rate_limited"),
]


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _plain(detail: Any) -> Any:
    """DRF's error details as plain JSON, keeping their nesting (a list item's errors stay at
    its index)."""
    if isinstance(detail, dict):
        return {key: _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(item) for item in detail]
    return str(detail)


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return _plain(detail)
    return {"non_field_errors": _plain(detail)}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("payload_too_large", "The request body is larger than this API accepts."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500 (rendered by server_error below)

    code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), "internal_error")
    headers = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(code, "The request has invalid fields.", _field_errors(exc.detail))
    else:
        body = error_body(code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    """handler404: JSON for API paths, Django's page for the web UIs."""
    if _is_api(request):
        return JsonResponse(error_body("not_found", "No such endpoint."), status=404)
    from django.views.defaults import page_not_found as html_404

    return html_404(request, exception)


def server_error(request: HttpRequest) -> JsonResponse:
    if _is_api(request):
        return JsonResponse(
            error_body("internal_error", "Something went wrong on our side; it was logged."),
            status=500,
        )
    from django.views.defaults import server_error as html_500

    return html_500(request)
