"""The platform's ASGI front door, with a lean path for issuance at checkout peaks.

POST /api/v1/policies and POST /api/v1/policies/batch are the requests a peak is made of. A
direct issue (priced now) that is well-formed in every way is served here without Django's
request cycle: the API key from this process's cache, the rate limit counted locally (both
reconciled with Redis in the background, insurance.authentication), the body read by orjson
and direct_issues_from (BindInput's rules), and the write shared with every bind that arrives
meanwhile (insurance.group_commit). The answer is the one the DRF view gives (policy_output),
kept under the Idempotency-Key in the same transaction.

Anything else goes to Django unchanged, the body replayed: other paths and methods, a quote to
bind, a body or header the lean path does not read exactly as DRF does, an unknown key, a key
over its limit, an Idempotency-Key used before, a policy issued already, an item that cannot
be priced. Django then answers it as it always has (errors, replays, 429s), so every answer
that is not a fresh issue comes from the one code path that is documented and tested.

Overload: beyond ISSUANCE_MAX_IN_FLIGHT requests in this process, or while the oldest request
waiting for a group has waited ISSUANCE_MAX_QUEUE_SECONDS, an issue request is answered at once
with 503 service_unavailable and Retry-After instead of queueing into timeouts; nothing of it
is written. The lean path needs PostgreSQL and Redis: on the embedded
default (SQLite, no Redis) every request goes to Django.
"""

import functools
import logging
import time
import uuid

import orjson
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, parse_cookie
from django.utils.translation import get_language_from_request
from django_guid import set_guid

from config.errors import error_body
from config.middleware import REQUEST_ID_PATTERN
from insurance.api.common import body_fingerprint
from insurance.api.serializers import direct_issues_from, policy_output
from insurance.authentication import ApiKeyCache, LocalRateLimits, redis_in_use
from insurance.group_commit import GroupWriter
from insurance.models import Policy
from insurance.services.idempotency import MAX_KEY_LENGTH
from insurance.services.policies import IssueRequest

logger = logging.getLogger("request")

# Path -> is it the cart batch.
HOT_PATHS = {"/api/v1/policies": False, "/api/v1/policies/batch": True}
JSON_TYPES = {b"application/json", b"application/json;charset=utf-8"}
JSON_ACCEPTED = {None, b"*/*", b"application/json"}
# What the lean path reads of a request; a request that sends one of them twice goes to Django.
READ_HEADERS = {
    b"authorization",
    b"content-type",
    b"content-length",
    b"accept",
    b"idempotency-key",
    b"x-request-id",
    b"accept-language",
    b"cookie",
}
# The headers Django's middleware and DRF put on an answer of this path (and Content-Language).
ANSWER_HEADERS = [
    (b"content-type", b"application/json"),
    (b"allow", b"GET, POST, HEAD, OPTIONS"),
    (b"x-frame-options", b"DENY"),
    (b"vary", b"Accept-Language"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"access-control-expose-headers", b"X-Request-ID"),
]


def _answer(request: IssueRequest, policies: list[Policy]) -> dict:
    if request.batch:
        return {"policies": [policy_output(p) for p in policies]}
    return policy_output(policies[0])


class FrontDoor:
    """ASGI application: the lean issuance path in front of Django's application."""

    def __init__(self, django_application) -> None:
        self.django = django_application
        self.lean = connection.vendor == "postgresql" and redis_in_use()
        self.in_flight = 0
        self._keys = ApiKeyCache()
        self._limits = LocalRateLimits()
        self._writer: GroupWriter | None = None

    async def __call__(self, scope, receive, send) -> None:
        batch = HOT_PATHS.get(scope.get("path")) if scope["type"] == "http" else None
        if batch is None or not self.lean or scope["method"] != "POST":
            await self.django(scope, receive, send)
            return
        started = time.perf_counter()
        self.in_flight += 1
        try:
            status = await self._issue(scope, receive, send, batch)
        finally:
            self.in_flight -= 1
        if status is not None and logger.isEnabledFor(logging.INFO):
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            logger.info(
                "POST %s %s %.1fms",
                scope["path"],
                status,
                duration_ms,
                extra={
                    "method": "POST",
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": duration_ms,
                    "group_commit": status == 201,
                },
            )

    async def _issue(self, scope, receive, send, batch: bool) -> int | None:
        """Answer the request here (returns the status) or hand it to Django (returns None)."""
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in READ_HEADERS:
                if name in headers:
                    return await self._django(scope, receive, send, None)
                headers[name] = value
        sent_id = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = sent_id if REQUEST_ID_PATTERN.fullmatch(sent_id) else uuid.uuid4().hex
        set_guid(request_id)
        length = headers.get(b"content-length", b"")
        if (
            not length.isdigit()
            or int(length) > settings.API_MAX_JSON_BYTES
            or headers.get(b"content-type", b"").lower().replace(b" ", b"") not in JSON_TYPES
            or headers.get(b"accept") not in JSON_ACCEPTED
        ):
            return await self._django(scope, receive, send, None)
        body = await _read_body(receive)
        if body is None:  # the client went away
            return None
        if self.in_flight > settings.ISSUANCE_MAX_IN_FLIGHT or (
            self._writer is not None
            and self._writer.queued_seconds() > settings.ISSUANCE_MAX_QUEUE_SECONDS
        ):
            return await self._shed(send, request_id)
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = None
        binds = direct_issues_from(data, batch=batch)
        keyword, _, raw_key = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        api_key = None
        if binds is not None and keyword == "Bearer" and raw_key.strip():
            api_key = await self._keys.get(raw_key.strip())
        key = headers.get(b"idempotency-key")
        key = None if key is None else key.decode("latin-1")
        if (
            api_key is None
            or (key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH)
            or not self._limits.allow(api_key)
        ):
            return await self._django(scope, receive, send, body)
        if self._writer is None:
            self._writer = GroupWriter(_answer)
        answer = await self._writer.submit(
            IssueRequest(
                merchant=api_key.merchant,
                actor=f"api_key:{api_key.prefix}",
                binds=binds,
                batch=batch,
                idempotency_key=key,
                fingerprint="" if key is None else body_fingerprint("POST", scope["path"], data),
                request_id=request_id,
            )
        )
        if answer is None:
            return await self._django(scope, receive, send, body)
        language = _language(headers.get(b"accept-language"), headers.get(b"cookie"))
        extra = [(b"content-language", language)]
        await _respond(send, 201, orjson.dumps(answer), request_id, extra)
        return 201

    async def _django(self, scope, receive, send, body: bytes | None) -> None:
        """Let Django answer, with the body already read given back to it."""
        if body is not None:
            replayed = False

            async def receive_again():
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            await self.django(scope, receive_again, send)
        else:
            await self.django(scope, receive, send)

    async def _shed(self, send, request_id: str) -> int:
        await _respond(
            send,
            503,
            orjson.dumps(
                error_body(
                    "service_unavailable",
                    "The service is at capacity; nothing was issued. Retry after the "
                    "Retry-After seconds.",
                )
            ),
            request_id,
            extra=[(b"retry-after", b"1")],
        )
        return 503


@functools.lru_cache(maxsize=256)
def _language(accept_language: bytes | None, cookie: bytes | None) -> bytes:
    """The Content-Language LocaleMiddleware gives an answer to these headers."""
    request = HttpRequest()
    if accept_language is not None:
        request.META["HTTP_ACCEPT_LANGUAGE"] = accept_language.decode("latin-1")
    if cookie is not None:
        request.COOKIES = parse_cookie(cookie.decode("latin-1"))
    return get_language_from_request(request).encode()


async def _read_body(receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(
    send, status: int, body: bytes, request_id: str, extra: list | None = None
) -> None:
    headers = [
        *ANSWER_HEADERS,
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
