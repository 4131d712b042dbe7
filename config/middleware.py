"""Middleware that every request passes: a safe request id, a log line per request, the API's
body size limit."""

import logging
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.errors import error_body

logger = logging.getLogger("request")

# A client's own request id is kept when it is a short token; django-guid echoes it in the
# response and puts it on every log line of the request and of the tasks it queues.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
_REQUEST_ID_META = "HTTP_" + settings.DJANGO_GUID["GUID_HEADER_NAME"].upper().replace("-", "_")


class RequestIdHeaderMiddleware:
    """Drop an X-Request-ID that is not a short token, before django-guid reads it.

    django-guid then makes a fresh id, as for a request that sent none, so a long or hostile
    value (markup, control characters, 5,000 characters) is never echoed or logged. Runs just
    before django_guid's middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.META.get(_REQUEST_ID_META)
        refused = sent is not None and not REQUEST_ID_PATTERN.fullmatch(sent)
        if refused:
            del request.META[_REQUEST_ID_META]
            request.__dict__.pop("headers", None)  # built from META on first use
        response = self.get_response(request)
        if refused:
            # Logged here, once django-guid has set the fresh id this line carries.
            logger.warning(
                "X-Request-ID refused (%d characters, not 1-64 of A-Z a-z 0-9 . _ -); "
                "a fresh id was used",
                len(sent),
            )
        return response


class ApiBodyLimitMiddleware:
    """Refuse oversize API bodies from their Content-Length, before a parser reads a byte."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            limit = (
                settings.API_MAX_UPLOAD_BYTES
                if request.content_type == "multipart/form-data"
                else settings.API_MAX_JSON_BYTES
            )
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse(
                    error_body("malformed_request", "Content-Length is not a number."), status=400
                )
            if length > limit:
                return JsonResponse(
                    error_body(
                        "payload_too_large",
                        f"The request body is {length} bytes; this endpoint accepts {limit}.",
                    ),
                    status=413,
                )
        return self.get_response(request)


class RequestLogMiddleware:
    """One log line per request: method, path, status and time, with the request id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response


# Seconds a client is told to wait when the database does not answer.
DATABASE_RETRY_AFTER_SECONDS = 2


class DatabaseUnavailableMiddleware:
    """A database that does not answer (down, restarting, connections refused) is a moment's
    outage, not a fault of ours: the request is answered 503 service_unavailable with
    Retry-After (the API's error shape; a short page for the web UIs), not 500. Nothing was
    done: the request's transaction never committed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            # Raised from a middleware below this one (sessions, the login lockout).
            return self._unavailable(request, exc)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, OperationalError | InterfaceError):
            return self._unavailable(request, exc)
        return None

    def _unavailable(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.warning(
            "database unavailable: %s %s answered 503: %s: %s",
            request.method,
            request.path,
            type(exc).__name__,
            str(exc).strip()[:300],
        )
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            response = JsonResponse(
                error_body(
                    "service_unavailable",
                    "The database does not answer; nothing was done. Retry after the "
                    "Retry-After seconds.",
                ),
                status=503,
                headers=headers,
            )
        else:
            response = HttpResponse(
                "Service unavailable for a moment: please retry.",
                status=503,
                headers=headers,
                content_type="text/plain; charset=utf-8",
            )
        # Logged above as the warning it is; Django would log every 5xx again at ERROR.
        response._has_been_logged = True
        return response
