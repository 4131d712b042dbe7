"""Broker, cache or database trouble never reaches checkout as a hang or a 500: a request
with the broker down keeps its latency (its tasks wait in the outbox for the sweeper), and a
database that does not answer is a 503 service_unavailable with Retry-After."""

import time

import pytest
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from config.celery import app as celery_app
from outbox import services as outbox_services
from outbox.models import OutboxTask
from tests.claims.conftest import delivered_policy
from tests.factories import ApiKeyFactory
from tests.insurance.helpers import SHIPPING
from tests.processes import free_port


@pytest.fixture
def broker_down(monkeypatch, settings):
    """The broker's port has nothing listening (Celery reads CELERY_BROKER_URL from the
    environment when it connects)."""
    scheme = "amqp://guest:guest@" if settings.BROKER_KIND == "rabbitmq" else "redis://"
    monkeypatch.setenv("CELERY_BROKER_URL", f"{scheme}127.0.0.1:{free_port()}/")
    monkeypatch.setattr(outbox_services, "_paused_until", 0.0)
    _new_connections()  # the pooled ones, made by earlier tests, go to the real broker
    yield
    _new_connections()


def _new_connections() -> None:
    """Forget the app's pools: the next send takes kombu's pool for the broker URL in the
    environment then (kombu keeps one per URL, so the real broker's stays open for later)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db
def test_with_the_broker_down_order_events_are_taken_at_once_and_wait_in_the_outbox(
    api, broker_down, django_capture_on_commit_callbacks, caplog
):
    policies = [delivered_policy(api, f"BD-{n}", SHIPPING) for n in range(5)]
    OutboxTask.objects.all().delete()

    durations = []
    for policy in policies:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"/api/v1/orders/{policy.order_ref}/events",
                {"kind": "return_shipped", "tracking_number": "SF0000000001"},
                format="json",
            )
        durations.append(time.monotonic() - started)
        assert response.status_code == 201

    rows = list(OutboxTask.objects.all())
    assert len(rows) == 5
    # Not sent: the sweeper sends them once due, whatever the queue holds.
    assert {row.sent_at for row in rows} == {None}
    # One failed connection (refused at once), then the process stops trying for a while.
    failures = [r for r in caplog.records if "could not send" in r.getMessage()]
    assert len(failures) == 1
    # Not a timing target: the old after-commit send retried for 6 s per request.
    assert max(durations) < 2


@pytest.mark.django_db(transaction=True)
def test_a_database_that_does_not_answer_is_a_503_with_retry_after(merchant, caplog):
    key = ApiKeyFactory.create_raw(merchant=merchant)
    connection = connections["default"]
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        api_response = APIClient().get(
            "/api/v1/policies?limit=1", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        page_response = Client().post("/accounts/login/", {"username": "a", "password": "b"})
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port

    assert api_response.status_code == 503
    assert api_response["Retry-After"] == "2"
    assert api_response.json()["error"]["code"] == "service_unavailable"
    assert page_response.status_code == 503
    assert page_response["Retry-After"] == "2"
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
