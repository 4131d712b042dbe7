import pytest
from rest_framework.test import APIClient

from tests.processes import free_port

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker():
    response = APIClient().get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "postgresql"
    assert body["broker"] == "redis"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]


def test_healthz_is_503_when_the_broker_is_unreachable(monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before its configuration: point it at
    # a port where nothing listens, so a real connection really fails.
    monkeypatch.setenv("CELERY_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")

    response = APIClient().get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False
    assert "Error" in body["checks"]["broker"]["error"]
