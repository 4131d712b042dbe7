"""Webhooks delivered by a real worker to a real HTTP receiver: signed, retried with backoff,
logged, resendable."""

from datetime import datetime

import pytest

from insurance.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.insurance.helpers import PRODUCE, error_of, issue
from tests.insurance.webhook_world import register, verify
from tests.processes import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def local_receivers(settings):
    """These receivers listen on 127.0.0.1, which the platform refuses unless told otherwise."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def celery_worker(start_worker):
    return start_worker(WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true")


def test_an_issued_policy_is_delivered_signed(api, receiver, celery_worker):
    endpoint = register(api, receiver.url)

    policy = issue(api, "WH-1", PRODUCE)

    wait_for(lambda: receiver.requests, timeout=30, what="the webhook")
    event = verify(receiver.requests[0], endpoint["secret"])
    assert event["type"] == "policy.issued"
    assert event["data"]["policy_id"] == policy["id"]
    assert event["data"]["premium"] == "6.48"
    assert receiver.requests[0]["headers"]["Webhook-Id"] == event["id"]
    wait_for(
        lambda: WebhookDelivery.objects.filter(status="delivered").exists(),
        timeout=10,
        what="the delivery to be logged",
    )
    log = api.get("/api/v1/webhook-deliveries").json()["results"]
    assert [(d["event_type"], d["status"], d["attempts"]) for d in log] == [
        ("policy.issued", "delivered", 1)
    ]
    assert log[0]["log"][0]["status_code"] == 200


def test_a_forged_signature_does_not_verify(api, receiver, celery_worker):
    register(api, receiver.url)
    issue(api, "WH-2", PRODUCE)
    wait_for(lambda: receiver.requests, timeout=30, what="the webhook")

    with pytest.raises(AssertionError):
        verify(receiver.requests[0], "whsec_someone-else")


def test_failures_are_retried_with_growing_gaps_until_delivered(api, receiver, start_worker):
    start_worker(
        beat=True,
        OUTBOX_SWEEP_SECONDS="0.2",
        WEBHOOK_RETRY_BASE_SECONDS="0.5",
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true",
    )
    receiver.script = [500, 503, 500]
    endpoint = register(api, receiver.url, "policy.issued", "policy.cancelled")

    policy = issue(api, "WH-3", PRODUCE)

    wait_for(lambda: len(receiver.requests) >= 4, timeout=60, what="four attempts")
    delivery = WebhookDelivery.objects.get()
    wait_for(
        lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED,
        timeout=10,
        what="the delivery to succeed",
    )
    gaps = [
        b["at"] - a["at"] for a, b in zip(receiver.requests, receiver.requests[1:], strict=False)
    ]
    assert gaps[0] >= 0.5 and gaps[1] >= 1.0 and gaps[2] >= 2.0  # 0.5 s, 1 s, 2 s backoff
    assert len({verify(r, endpoint["secret"])["id"] for r in receiver.requests}) == 1
    codes = list(
        WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True)
    )
    assert codes == [500, 503, 500, 200]

    api.post(f"/api/v1/policies/{policy['id']}/cancel")
    wait_for(lambda: len(receiver.requests) == 5, timeout=30, what="the cancellation event")
    assert verify(receiver.requests[4], endpoint["secret"])["type"] == "policy.cancelled"


def test_a_delivery_gives_up_after_its_attempts_and_can_be_resent(api, receiver, start_worker):
    start_worker(
        beat=True,
        OUTBOX_SWEEP_SECONDS="0.2",
        WEBHOOK_RETRY_BASE_SECONDS="0.2",
        WEBHOOK_MAX_ATTEMPTS="2",
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true",
    )
    receiver.script = [500, 500]
    register(api, receiver.url)
    issue(api, "WH-4", PRODUCE)
    wait_for(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).exists(),
        timeout=30,
        what="the delivery to give up",
    )
    delivery = WebhookDelivery.objects.get()

    response = api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/resend")

    assert response.status_code == 202
    wait_for(
        lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED,
        timeout=30,
        what="the resent delivery",
    )
    assert len(receiver.requests) == 3


def test_unreachable_endpoints_are_logged_with_the_error(api, celery_worker):
    register(api, "http://127.0.0.1:9/nothing-listens-here")

    issue(api, "WH-5", PRODUCE)

    wait_for(lambda: WebhookAttempt.objects.exists(), timeout=30, what="an attempt")
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "ConnectError" in attempt.error
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING  # it will retry


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"url": "ftp://example.com/x", "event_types": ["policy.issued"]},
            422,
            "invalid_webhook_url",
        ),
        ({"url": "not a url", "event_types": ["policy.issued"]}, 422, "invalid_webhook_url"),
        (
            {"url": "https://example.com/x", "event_types": ["policy.eaten"]},
            400,
            "validation_error",
        ),
        ({"url": "https://example.com/x", "event_types": []}, 400, "validation_error"),
    ],
)
def test_bad_endpoints_are_refused(api, body, status, code):
    response = api.post("/api/v1/webhook-endpoints", body, format="json")

    assert error_of(response, status)["code"] == code


def test_another_merchant_s_endpoints_and_deliveries_are_invisible(api, other_api, receiver):
    endpoint = register(other_api, receiver.url)

    assert api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}").status_code == 404
    assert api.delete(f"/api/v1/webhook-endpoints/{endpoint['id']}").status_code == 404
    assert api.get("/api/v1/webhook-endpoints").json()["results"] == []
    assert datetime.fromisoformat(endpoint["created_at"])
