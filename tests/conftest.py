import json
from pathlib import Path

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from rest_framework.test import APIClient

from config.celery import app as celery_app
from tests.factories import ApiKeyFactory, MerchantFactory
from tests.processes import celery_worker_args, child_env, running, test_database_url, wait_for


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine or settings.EMBEDDED_BROKER:
        raise pytest.UsageError(
            "The tests run on PostgreSQL and Redis: use `make test`, or set DATABASE_URL=postgres://"
            "... and CELERY_BROKER_URL=redis://... yourself."
        )


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    """The OpenAPI document the platform serves at /api/schema/."""
    return OpenAPI.from_dict(SchemaGenerator().get_schema(request=None, public=True))


class SchemaCheckedClient(APIClient):
    """An API client that fails the test when a response differs from the OpenAPI schema:
    an undocumented status code, a missing field, a wrong type."""

    def __init__(self, openapi: OpenAPI, **kwargs) -> None:
        super().__init__(**kwargs)
        self.openapi = openapi

    def request(self, **kwargs):
        response = super().request(**kwargs)
        try:
            self.openapi.validate_response(
                DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
            )
        except (PathNotFound, OperationNotFound):
            pass  # not an API operation (an unknown path or method): nothing to compare
        return response


def client_for(merchant, openapi: OpenAPI) -> SchemaCheckedClient:
    client = SchemaCheckedClient(openapi)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiKeyFactory.create_raw(merchant=merchant)}")
    return client


@pytest.fixture
def merchant():
    return MerchantFactory()


@pytest.fixture
def api(merchant, openapi) -> SchemaCheckedClient:
    """The API as `merchant`'s checkout system sees it."""
    return client_for(merchant, openapi)


@pytest.fixture
def other_merchant():
    return MerchantFactory()


@pytest.fixture
def other_api(other_merchant, openapi) -> SchemaCheckedClient:
    return client_for(other_merchant, openapi)


class WorkerLog:
    """The log of a worker process started by a test, read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def text(self) -> str:
        return self.path.read_text(errors="replace")

    def json_lines(self) -> list[dict]:
        lines = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real Celery worker process on the test database and the test broker.

    Function-scoped so each test sees a worker whose log is its own; tests that use it commit
    their rows (transactional_db) so the worker can read them.
    """
    # Messages left by earlier tests (sent where no worker ran) are not this test's work.
    celery_app.control.purge()
    log_path = tmp_path / "worker.log"
    env = child_env(DATABASE_URL=test_database_url(), LOG_FORMAT="json")
    with running(celery_worker_args(), env=env, log_path=log_path) as process:
        log = WorkerLog(log_path)
        wait_for(
            lambda: "ready." in log.text() or process.poll() is not None,
            timeout=60,
            what="the Celery worker to start",
        )
        assert process.poll() is None, log.text()
        yield log
