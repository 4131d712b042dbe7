"""Webhooks go to public addresses only: non-public ones are refused when an endpoint is
registered and again when a delivery is sent, the connection goes to the address that was
checked, and the merchant reads "refused: not a public address", nothing of the resolution.

These tests run with the platform's defaults: WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off.
"""

import importlib
import secrets

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.test import Client

from insurance.models import WebhookAttempt, WebhookEndpoint
from tests.config.test_settings import manage
from tests.insurance.helpers import error_of, issue
from tests.insurance.webhook_world import (
    PUBLIC_ADDRESS,
    Receiver,
    deliver_pending,
    register,
    self_signed_certificate,
    verify,
)
from tests.web.conftest import PASSWORD, merchant_user

pytestmark = pytest.mark.django_db

REFUSED = "refused: not a public address"
HOST = "hooks.example.com"


@pytest.fixture(autouse=True)
def short_timeout(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


def test_the_guard_is_on_by_default_and_its_switch_is_refused_in_production(tmp_path):
    development = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES)",
        DATA_DIR=str(tmp_path),
    )
    production = manage(
        "check",
        DATA_DIR=str(tmp_path),
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true",
    )

    assert development.stdout.strip() == "False", development.stderr
    assert settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES is False  # and so in these tests
    assert production.returncode != 0
    assert "WEBHOOK_ALLOW_PRIVATE_ADDRESSES" in production.stderr


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hooks",
        "http://172.16.0.1/hooks",
        "http://192.168.1.1/hooks",
        "http://100.64.0.1/hooks",  # carrier-grade NAT
        "http://0.0.0.0:8000/",
        "http://224.0.0.1/hooks",  # multicast
        "http://240.0.0.1/hooks",  # reserved
        "http://255.255.255.255/hooks",
        "http://[::1]:8000/",
        "http://[::]/hooks",
        "http://[fe80::1]/hooks",
        "http://[fc00::1]/hooks",
        "http://[fec0::1]/hooks",  # site-local
        "http://[ff02::1]/hooks",
        "http://[64:ff9b::a9fe:a9fe]/hooks",  # NAT64 of 169.254.169.254
        "http://[64:ff9b::a00:5]/hooks",  # NAT64 of 10.0.0.5
        "http://[64:ff9b:1::808:808]/hooks",  # local-use NAT64
        "http://[::ffff:127.0.0.1]/hooks",  # IPv4-mapped
        "http://[::ffff:8.8.8.8]/hooks",
        "http://[::7f00:1]/hooks",  # IPv4-compatible 127.0.0.1
        "http://[2002:a00:5::1]/hooks",  # 6to4 of 10.0.0.5
        "http://[2002:a9fe:a9fe::1]/hooks",  # 6to4 of 169.254.169.254
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hooks",  # Teredo, client 10.0.0.1
        "http://[2001:db8::1]/hooks",
        "http://localhost:8000/hooks",
    ],
)
def test_endpoints_at_non_public_addresses_are_refused(api, url):
    error = error_of(
        api.post(
            "/api/v1/webhook-endpoints",
            {"url": url, "event_types": ["policy.issued"]},
            format="json",
        ),
        422,
    )

    assert error["code"] == "webhook_address_not_public"
    assert error["message"] == REFUSED
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "answer",
    [["169.254.169.254"], [PUBLIC_ADDRESS, "10.0.0.5"], ["64:ff9b::a9fe:a9fe"], ["::1"]],
)
def test_a_name_that_resolves_to_any_non_public_address_is_refused(api, dns, answer):
    dns.answer(HOST, answer)

    response = api.post(
        "/api/v1/webhook-endpoints",
        {"url": f"https://{HOST}/hooks", "event_types": ["policy.issued"]},
        format="json",
    )

    assert error_of(response, 422) == {
        "code": "webhook_address_not_public",
        "message": REFUSED,
        "fields": {"url": [REFUSED]},
    }


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@hooks.example.com/hooks",
        "https://token@hooks.example.com/hooks",
    ],
)
def test_urls_with_credentials_are_refused(api, dns, url):
    dns.answer(HOST, [PUBLIC_ADDRESS])

    response = api.post(
        "/api/v1/webhook-endpoints", {"url": url, "event_types": ["policy.issued"]}, format="json"
    )

    assert error_of(response, 422)["code"] == "invalid_webhook_url"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        f"https://{HOST}/hooks",
        "https://8.8.8.8/hooks",
        "https://[2606:4700::1111]/hooks",
        "https://[64:ff9b::808:808]/hooks",  # NAT64 of 8.8.8.8
        "https://[2002:808:808::1]/hooks",  # 6to4 of 8.8.8.8
        "https://unresolvable.invalid/hooks",  # it may exist later; checked at delivery
    ],
)
def test_public_addresses_are_accepted(api, dns, url):
    dns.answer(HOST, [PUBLIC_ADDRESS, "2606:4700::1111"])

    assert register(api, url)["url"] == url


def test_the_portal_refuses_a_non_public_endpoint(merchant):
    merchant_user(merchant, "dev")
    client = Client()
    client.login(username="dev", password=PASSWORD)

    response = client.post(
        "/merchant/developer/endpoints/",
        {"url": "http://169.254.169.254/latest/meta-data/", "event_types": ["policy.issued"]},
        follow=True,
    )

    assert REFUSED in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_name_that_turns_private_is_refused_at_delivery_and_the_merchant_reads_only_that(
    api, merchant, dns, internet, receiver
):
    dns.answer(HOST, [PUBLIC_ADDRESS], ["10.0.0.7"])
    internet.route("10.0.0.7", receiver.port, receiver)
    register(api, f"http://{HOST}:{receiver.port}/hooks")
    issue(api, "GUARD-1")

    deliver_pending()

    assert receiver.requests == []
    assert internet.to_port(receiver.port) == []
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (None, REFUSED, "")
    log = api.get("/api/v1/webhook-deliveries").json()["results"][0]["log"]
    assert [(a["error"], a["response_excerpt"]) for a in log] == [(REFUSED, "")]
    merchant_user(merchant, "dev")
    client = Client()
    client.login(username="dev", password=PASSWORD)
    page = client.get("/merchant/developer/").content.decode()
    assert REFUSED in page
    assert "10.0.0.7" not in page


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/hooks", "http://user:pass@{host}:{port}/hooks"],
    ids=["loopback", "credentials"],
)
def test_endpoints_stored_before_the_guard_are_refused_at_delivery(
    api, merchant, dns, internet, receiver, url
):
    dns.answer(HOST, [PUBLIC_ADDRESS])
    internet.route(PUBLIC_ADDRESS, receiver.port, receiver)
    WebhookEndpoint.objects.create(
        merchant=merchant,
        url=url.format(port=receiver.port, host=HOST),
        event_types=["policy.issued"],
        secret="whsec_old",
    )
    issue(api, "GUARD-2")

    deliver_pending()

    assert receiver.requests == []
    assert WebhookAttempt.objects.get().error.startswith("refused: ")


@pytest.mark.parametrize("public", [PUBLIC_ADDRESS, "2606:4700::1111"])
def test_the_connection_goes_to_the_address_that_was_checked(api, dns, internet, receiver, public):
    """DNS rebinding: the name answers a public address when it is checked and a private one
    after; the platform resolves once and connects to what it checked."""
    dns.answer(HOST, [public], [public], ["127.0.0.1"])
    internet.route(public, receiver.port, receiver)
    receiver.reply = b"x" * 5000
    endpoint = register(api, f"http://{HOST}:{receiver.port}/hooks")
    issue(api, "GUARD-3")

    deliver_pending()

    assert internet.to_port(receiver.port) == [(public, receiver.port)]
    assert dns.lookups == [HOST, HOST]  # at registration, and once for the delivery
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"{HOST}:{receiver.port}"
    assert verify(request, endpoint["secret"])["type"] == "policy.issued"
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (200, "")
    assert attempt.response_excerpt == "x" * 500  # a public address's reply, truncated


def test_tls_is_verified_for_the_name_on_the_connection_to_the_checked_address(
    api, dns, internet, tmp_path, monkeypatch
):
    cert, key = self_signed_certificate(tmp_path, HOST)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # this machine trusts the merchant's CA
    receiver = Receiver(tls=(cert, key))
    dns.answer(HOST, [PUBLIC_ADDRESS])
    internet.route(PUBLIC_ADDRESS, receiver.port, receiver)
    register(api, f"https://{HOST}:{receiver.port}/hooks")
    issue(api, "GUARD-4")

    deliver_pending()
    receiver.server.shutdown()

    assert internet.to_port(receiver.port) == [(PUBLIC_ADDRESS, receiver.port)]
    assert receiver.server_names == [HOST]  # SNI
    assert receiver.requests[0]["headers"]["Host"] == f"{HOST}:{receiver.port}"
    assert WebhookAttempt.objects.get().status_code == 200


def test_a_certificate_for_another_name_is_refused(api, dns, internet, tmp_path, monkeypatch):
    cert, key = self_signed_certificate(tmp_path, "other.example.com")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    receiver = Receiver(tls=(cert, key))
    dns.answer(HOST, [PUBLIC_ADDRESS])
    internet.route(PUBLIC_ADDRESS, receiver.port, receiver)
    register(api, f"https://{HOST}:{receiver.port}/hooks")
    issue(api, "GUARD-5")

    deliver_pending()
    receiver.server.shutdown()

    assert receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in attempt.error


def test_replies_from_private_addresses_are_not_kept_even_when_allowed(api, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # a developer's machine
    register(api, receiver.url)
    issue(api, "GUARD-6")

    deliver_pending()

    assert len(receiver.requests) == 1
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.response_excerpt) == (200, "")


def test_refusals_logged_by_the_old_guard_lose_the_resolution(api, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    register(api, receiver.url)
    issue(api, "GUARD-7")
    deliver_pending()
    leaked = "ValueError: hooks.example.com resolves to a non-public address (10.0.0.7)"
    WebhookAttempt.objects.update(error=leaked)
    migration = importlib.import_module("insurance.migrations.0003_scrub_webhook_refusal_details")

    migration.scrub_refusals(django_apps, None)

    assert list(WebhookAttempt.objects.values_list("error", "response_excerpt")) == [(REFUSED, "")]
