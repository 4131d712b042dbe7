"""Signed webhooks: events written with the change, delivered by workers, retried with backoff.

Delivery is at least once: receivers deduplicate on the `Webhook-Id` header. The signature is
HMAC-SHA256 with the endpoint's secret over "<timestamp>.<body>", sent as
`Webhook-Signature: t=<timestamp>,v1=<hex>`; receivers should refuse old timestamps. For a
grace period after a rotation the old secret signs too: `t=<timestamp>,v1=<new>,v1=<old>`.
Deliveries go to public addresses only, over a connection to the address that was checked
(insurance.webhook_http).
"""

import hashlib
import hmac
import json
import logging
import secrets
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction

from config import clock
from config.errors import ApplicationError, ConflictError, NotFoundError
from insurance import webhook_http
from insurance.models import (
    DeliveryStatus,
    Merchant,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from insurance.selectors import webhook_endpoints_subscribed
from outbox.services import (
    outbox_complete,
    outbox_enqueue,
    outbox_enqueue_many,
    outbox_retry_later,
)

logger = logging.getLogger(__name__)

DELIVER_TASK = "insurance.webhook_deliver"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of generated secrets, not a secret


def webhook_signature(*, signing_secrets: list[str], timestamp: int, body: bytes) -> str:
    """The Webhook-Signature header: the timestamp, then one v1 signature per secret."""
    signed = f"{timestamp}.".encode() + body
    signatures = [
        "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        for secret in signing_secrets
    ]
    return ",".join([f"t={timestamp}", *signatures])


def _signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    expires_at = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires_at is not None and expires_at > clock.now():
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        valid = False
    else:
        valid = bool(parts.hostname)
    if not valid:
        raise ApplicationError(
            "invalid_webhook_url",
            "The URL must be http(s)://host/...",
            fields={"url": ["Not an http(s) URL."]},
        )
    if settings.WEBHOOK_REQUIRE_HTTPS and parts.scheme != "https":
        raise ApplicationError(
            "invalid_webhook_url", "Webhook URLs must use https.", fields={"url": ["Use https."]}
        )
    if webhook_http.has_credentials(url):
        raise ApplicationError(
            "invalid_webhook_url",
            "Webhook URLs may not carry a user name or password.",
            fields={"url": ["Remove the user name and password."]},
        )
    try:
        webhook_http.resolve(url)
    except webhook_http.AddressRefused:
        raise ApplicationError(
            "webhook_address_not_public",
            webhook_http.NOT_PUBLIC,
            fields={"url": [webhook_http.NOT_PUBLIC]},
        ) from None
    except socket.gaierror:
        pass  # a name that does not resolve yet may later: every delivery checks again


def webhook_endpoint_create(
    *, merchant: Merchant, url: str, event_types: list[str], description: str = ""
) -> WebhookEndpoint:
    _check_url(url)
    unknown = set(event_types) - set(WebhookEventType.values)
    if not event_types or unknown:
        raise ApplicationError(
            "invalid_event_types",
            "Choose one or more of the known event types.",
            fields={"event_types": [f"Known types: {', '.join(WebhookEventType.values)}."]},
        )
    return WebhookEndpoint.objects.create(
        merchant=merchant,
        url=url,
        description=description,
        event_types=sorted(event_types),
        secret=_new_secret(),
    )


def webhook_endpoint_disable(*, merchant: Merchant, endpoint_id: int) -> None:
    """Stop sending to an endpoint. The row stays for its delivery log; disabling it again
    changes nothing, so a repeated DELETE succeeds as the first did."""
    found = WebhookEndpoint.objects.filter(merchant=merchant, pk=endpoint_id).update(active=False)
    if not found:
        raise NotFoundError("endpoint_not_found", f"Webhook endpoint {endpoint_id} was not found.")


def webhook_endpoint_rotate_secret(
    *, merchant: Merchant, endpoint_id: int, actor: str
) -> WebhookEndpoint:
    """Give the endpoint a new signing secret, returned on the endpoint this once.

    The replaced secret signs too for WEBHOOK_SECRET_GRACE_HOURS, so receivers can switch
    without refusing a delivery; rotating again within that time retires the oldest at once.
    """
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update()
            .filter(pk=endpoint_id, merchant=merchant)
            .first()
        )
        if endpoint is None:
            raise NotFoundError(
                "endpoint_not_found", f"Webhook endpoint {endpoint_id} was not found."
            )
        grace = timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS)
        if grace > timedelta(0):
            endpoint.previous_secret = endpoint.secret
            endpoint.previous_secret_expires_at = clock.now() + grace
        else:
            endpoint.previous_secret, endpoint.previous_secret_expires_at = "", None
        endpoint.secret = _new_secret()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    logger.info("webhook endpoint %s: signing secret rotated by %s", endpoint.pk, actor)
    return endpoint


def webhook_previous_secrets_forget() -> int:
    """Erase replaced secrets whose grace period is over (housekeeping); returns how many."""
    return WebhookEndpoint.objects.filter(previous_secret_expires_at__lte=clock.now()).update(
        previous_secret="", previous_secret_expires_at=None
    )


def webhook_events_emit(*, merchant_id: int, event_type: str, payloads: list[dict]) -> int:
    """Record events and their deliveries with the change (call inside its transaction).

    No query when the merchant has no endpoint for this type, which is the common case.
    Returns the number of deliveries queued.
    """
    endpoints = webhook_endpoints_subscribed(merchant_id=merchant_id, event_type=event_type)
    if not endpoints or not payloads:
        return 0
    events = WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(merchant_id=merchant_id, type=event_type, payload=payload)
            for payload in payloads
        ]
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=event, endpoint=endpoint)
            for event in events
            for endpoint in endpoints
        ]
    )
    outbox_enqueue_many(
        task_name=DELIVER_TASK, kwargs_list=[{"delivery_id": d.pk} for d in deliveries]
    )
    return len(deliveries)


def _backoff(attempts: int) -> timedelta:
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_MAX_SECONDS))


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """One HTTP attempt, outside any transaction: (status code, error, response excerpt)."""
    event = delivery.event
    body = json.dumps(
        {
            "id": str(event.pk),
            "type": event.type,
            "created_at": event.created_at,
            "data": event.payload,
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    ).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "insurance-platform-webhooks/1",
        "Webhook-Id": str(event.pk),
        "Webhook-Signature": webhook_signature(
            signing_secrets=_signing_secrets(delivery.endpoint), timestamp=timestamp, body=body
        ),
    }
    url = delivery.endpoint.url
    try:
        reply = webhook_http.post(
            url, addresses=webhook_http.resolve(url), content=body, headers=headers
        )
    except webhook_http.AddressRefused as refused:
        return None, str(refused), ""
    except socket.gaierror:
        return None, "The host name does not resolve.", ""
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], ""
    return reply.status_code, "", reply.excerpt


def webhook_deliver(*, delivery_id: int, outbox_id: int | None = None) -> WebhookDelivery | None:
    delivery = (
        WebhookDelivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        with transaction.atomic():
            outbox_complete(outbox_id=outbox_id)
        return delivery
    started = time.perf_counter()
    status_code, error, excerpt = _post(delivery)
    duration_ms = int((time.perf_counter() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=status_code,
            duration_ms=duration_ms,
            error=error,
            response_excerpt=excerpt,
        )
        delivery.attempts += 1
        if ok:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, clock.now()
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        delivery.save(update_fields=["attempts", "status", "delivered_at"])
        if delivery.status == DeliveryStatus.PENDING:
            outbox_retry_later(
                outbox_id=outbox_id,
                delay=_backoff(delivery.attempts),
                error=error or f"HTTP {status_code}",
            )
        else:
            outbox_complete(outbox_id=outbox_id)
    if not ok:
        logger.info(
            "webhook delivery %s failed (attempt %s): %s",
            delivery.pk,
            delivery.attempts,
            error or status_code,
        )
    return delivery


def webhook_delivery_resend(*, merchant: Merchant, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it (a merchant's 'resend')."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery_id, endpoint__merchant=merchant)
            .first()
        )
        if delivery is None:
            raise NotFoundError("delivery_not_found", f"Delivery {delivery_id} was not found.")
        if delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0:
            raise ConflictError("delivery_in_progress", "This delivery has not been tried yet.")
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.save(update_fields=["status", "attempts"])
        outbox_enqueue(task_name=DELIVER_TASK, kwargs={"delivery_id": delivery.pk})
    return delivery
