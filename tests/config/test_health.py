"""Probes: /livez says the process is up whatever else is down; /readyz says whether its
database and broker answer, and counts the outbox rows given up."""

import time

import pytest
from rest_framework.test import APIClient

from outbox.models import OutboxStatus, OutboxTask
from tests.processes import free_port

pytestmark = pytest.mark.django_db


def test_readyz_reports_database_broker_and_dead_outbox_rows(settings):
    OutboxTask.objects.create(task_name="claims.pay", available_at="2026-01-01T00:00:00Z")
    OutboxTask.objects.create(
        task_name="claims.pay", available_at="2026-01-01T00:00:00Z", status=OutboxStatus.DEAD
    )

    response = APIClient().get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "postgresql"
    assert body["broker"] == settings.BROKER_KIND
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    assert body["outbox_dead"] == 1


def test_readyz_is_503_quickly_when_the_broker_is_unreachable(monkeypatch, settings):
    # Celery reads CELERY_BROKER_URL from the environment before its configuration: point it at
    # a port where nothing listens, so a real connection really fails.
    scheme = "amqp://guest:guest@" if settings.BROKER_KIND == "rabbitmq" else "redis://"
    monkeypatch.setenv("CELERY_BROKER_URL", f"{scheme}127.0.0.1:{free_port()}/")

    started = time.monotonic()
    response = APIClient().get("/readyz")

    assert time.monotonic() - started < 3
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False
    assert "Error" in body["checks"]["broker"]["error"]


def test_livez_answers_whatever_the_broker(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")

    response = APIClient().get("/livez")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_old_healthz_is_gone():
    assert APIClient().get("/healthz").status_code == 404
