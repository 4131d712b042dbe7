"""Webhook signing secrets: shown once (on creation and on rotation), never on a read;
rotated with a grace period in which deliveries carry a signature for the old secret too."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from insurance.models import WebhookEndpoint
from insurance.services.housekeeping import housekeeping_run
from tests.insurance.helpers import error_of, issue
from tests.insurance.webhook_world import deliver_pending, register, rotate, verify
from tests.web.conftest import PASSWORD, merchant_user

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/hooks"


@pytest.fixture
def public_dns(dns):
    dns.answer("hooks.example.com", ["93.184.216.34"])
    return dns


@pytest.fixture
def local_receivers(settings):
    """For tests whose receivers listen on 127.0.0.1."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


def portal(merchant, username: str = "dev", **kwargs) -> Client:
    merchant_user(merchant, username)
    client = Client(**kwargs)
    client.login(username=username, password=PASSWORD)
    return client


def signatures(request: dict) -> list[str]:
    header = request["headers"]["Webhook-Signature"]
    return [item.split("=", 1)[1] for item in header.split(",") if item.startswith("v1=")]


# --- Shown once ------------------------------------------------------------------------------
def test_the_secret_is_in_the_creation_answer_only(api, public_dns):
    created = register(api, URL)

    listed = api.get("/api/v1/webhook-endpoints").json()["results"]
    detail = api.get(f"/api/v1/webhook-endpoints/{created['id']}").json()

    assert created["secret"].startswith("whsec_")
    assert [e["id"] for e in listed] == [created["id"]]
    for read in (listed[0], detail):
        assert "secret" not in read
        assert created["secret"] not in json.dumps(read)


def test_the_developer_page_shows_a_new_secret_once(merchant, public_dns):
    client = portal(merchant)

    created = client.post(
        "/merchant/developer/endpoints/",
        {"url": URL, "event_types": ["policy.issued"]},
        follow=True,
    ).content.decode()
    again = client.get("/merchant/developer/").content.decode()

    secret = WebhookEndpoint.objects.get().secret
    assert secret in created
    assert secret not in again
    assert URL in again


# --- Rotation through the API ----------------------------------------------------------------
def test_rotating_gives_a_new_secret_once_and_keeps_the_old_one_for_the_grace_period(
    api, public_dns, settings
):
    settings.WEBHOOK_SECRET_GRACE_HOURS = 24
    created = register(api, URL)

    first = rotate(api, created["id"], key="rot-1")
    replay = rotate(api, created["id"], key="rot-1")
    detail = api.get(f"/api/v1/webhook-endpoints/{created['id']}").json()

    assert first.status_code == replay.status_code == 200
    rotated = first.json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert replay.json() == rotated and replay["Idempotent-Replayed"] == "true"
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.secret, endpoint.previous_secret) == (rotated["secret"], created["secret"])
    grace_ends = endpoint.previous_secret_expires_at - timezone.now()
    assert timedelta(hours=23, minutes=59) < grace_ends <= timedelta(hours=24)
    assert rotated["previous_secret_expires_at"] == detail["previous_secret_expires_at"]
    assert "secret" not in detail


def test_rotating_again_without_a_key_rotates_again(api, public_dns):
    created = register(api, URL)

    first = rotate(api, created["id"]).json()
    second = rotate(api, created["id"]).json()

    assert len({created["secret"], first["secret"], second["secret"]}) == 3
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.secret, endpoint.previous_secret) == (second["secret"], first["secret"])


def test_rotation_errors_are_documented(api, other_api, public_dns):
    theirs = register(other_api, URL)
    mine = register(api, URL)
    rotate(api, mine["id"], key="rot-2")

    assert error_of(rotate(api, theirs["id"]), 404)["code"] == "endpoint_not_found"
    assert error_of(rotate(api, 999_999), 404)["code"] == "endpoint_not_found"
    assert error_of(rotate(api, theirs["id"], key="rot-3"), 404)["code"] == "endpoint_not_found"
    other_endpoint = register(api, "https://hooks.example.com/other")
    reused = rotate(api, other_endpoint["id"], key="rot-2")
    assert error_of(reused, 409)["code"] == "idempotency_key_reused"
    assert error_of(rotate(api, mine["id"], key="k" * 256), 400)["code"] == (
        "invalid_idempotency_key"
    )
    assert WebhookEndpoint.objects.get(pk=theirs["id"]).secret == theirs["secret"]


def test_the_schema_documents_rotation(openapi):
    operation = openapi.spec / "paths" / "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret"
    responses = (operation / "post" / "responses").read_value()

    assert sorted(responses) == ["200", "400", "401", "404", "409", "415", "429", "503"]
    for path in ("/api/v1/webhook-endpoints", "/api/v1/webhook-endpoints/{endpoint_id}"):
        read = (openapi.spec / "paths" / path / "get" / "responses" / "200").read_value()
        assert "secret" not in json.dumps(read)


# --- Signatures during and after the grace period ----------------------------------------------
def test_during_the_grace_period_deliveries_are_signed_with_both_secrets(
    api, receiver, local_receivers
):
    created = register(api, receiver.url)
    rotated = rotate(api, created["id"]).json()
    issue(api, "ROT-1")

    deliver_pending()

    [request] = receiver.requests
    assert len(signatures(request)) == 2
    assert verify(request, rotated["secret"])["type"] == "policy.issued"
    assert verify(request, created["secret"])["type"] == "policy.issued"


def test_after_the_grace_period_only_the_new_secret_signs(api, receiver, local_receivers):
    created = register(api, receiver.url)
    rotated = rotate(api, created["id"]).json()
    WebhookEndpoint.objects.update(previous_secret_expires_at=timezone.now())
    issue(api, "ROT-2")

    deliver_pending()

    [request] = receiver.requests
    assert len(signatures(request)) == 1
    verify(request, rotated["secret"])
    with pytest.raises(AssertionError):
        verify(request, created["secret"])


def test_no_grace_period_drops_the_old_secret_at_once(api, receiver, local_receivers, settings):
    settings.WEBHOOK_SECRET_GRACE_HOURS = 0
    created = register(api, receiver.url)
    rotated = rotate(api, created["id"]).json()
    issue(api, "ROT-3")

    deliver_pending()

    assert rotated["previous_secret_expires_at"] is None
    assert len(signatures(receiver.requests[0])) == 1
    verify(receiver.requests[0], rotated["secret"])


def test_housekeeping_erases_old_secrets_once_their_grace_period_is_over(merchant):
    now = timezone.now()
    over, running_on = (
        WebhookEndpoint.objects.create(
            merchant=merchant,
            url=URL,
            event_types=["policy.issued"],
            secret=f"whsec_new-{n}",
            previous_secret=f"whsec_old-{n}",
            previous_secret_expires_at=expires_at,
        )
        for n, expires_at in enumerate([now - timedelta(seconds=1), now + timedelta(hours=1)])
    )

    housekeeping_run()

    over.refresh_from_db()
    running_on.refresh_from_db()
    assert (over.previous_secret, over.previous_secret_expires_at) == ("", None)
    assert running_on.previous_secret == "whsec_old-1"


def test_the_admin_shows_no_secret(merchant, client):
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant,
        url=URL,
        event_types=["policy.issued"],
        secret="whsec_current",
        previous_secret="whsec_previous",
        previous_secret_expires_at=timezone.now() + timedelta(hours=1),
    )
    client.force_login(get_user_model().objects.create_superuser("staff", password=PASSWORD))

    page = client.get(f"/admin/insurance/webhookendpoint/{endpoint.pk}/change/")

    assert page.status_code == 200
    assert "whsec_" not in page.content.decode()


# --- Rotation in the portal --------------------------------------------------------------------
def test_the_portal_rotates_a_secret_with_csrf_and_shows_it_once(merchant, public_dns):
    client = portal(merchant, enforce_csrf_checks=True)
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant, url=URL, event_types=["policy.issued"], secret="whsec_before"
    )
    action = f"/merchant/developer/endpoints/{endpoint.pk}/rotate-secret/"

    forged = client.post(action)
    page = client.get("/merchant/developer/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    rotated = client.post(action, {"csrfmiddlewaretoken": token}, follow=True).content.decode()
    again = client.get("/merchant/developer/").content.decode()

    assert forged.status_code == 403
    assert f'action="{action}"' in page
    endpoint.refresh_from_db()
    assert endpoint.secret != "whsec_before" and endpoint.previous_secret == "whsec_before"
    assert endpoint.secret in rotated
    assert endpoint.secret not in again and "whsec_before" not in again


def test_another_merchant_s_endpoint_cannot_be_rotated_in_the_portal(merchant, other_merchant):
    endpoint = WebhookEndpoint.objects.create(
        merchant=other_merchant, url=URL, event_types=["policy.issued"], secret="whsec_theirs"
    )

    response = portal(merchant).post(f"/merchant/developer/endpoints/{endpoint.pk}/rotate-secret/")

    assert response.status_code == 404
    assert WebhookEndpoint.objects.get().secret == "whsec_theirs"
