import contextlib
import json
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from rest_framework.test import APIClient

from claims.services import claim_rules_forget
from config.celery import app as celery_app
from insurance.selectors import product_offers_forget, webhook_endpoints_forget
from tests.factories import ApiKeyFactory, MerchantFactory, ensure_default_products
from tests.processes import (
    VENV_BIN,
    celery_worker_args,
    free_port,
    running,
    server_env,
    wait_for,
)


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine or settings.EMBEDDED_BROKER:
        raise pytest.UsageError(
            "The tests run on PostgreSQL and RabbitMQ (or Redis): use `make test`, or set "
            "DATABASE_URL=postgres://... and CELERY_BROKER_URL=amqp://... yourself."
        )


@pytest.fixture(scope="session", autouse=True)
def _delete_this_runs_queues():
    """A run's RabbitMQ queues carry its prefix (CELERY_BROKER_KEY_PREFIX) and are durable:
    delete them when the run ends, or every run would leave two behind."""
    yield
    if settings.BROKER_KIND != "rabbitmq" or not settings.BROKER_PREFIX:
        return
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        for name in (settings.CELERY_TASK_DEFAULT_QUEUE, settings.DEAD_LETTER_QUEUE):
            channel.queue_delete(name)
        for name in (settings.CELERY_TASK_DEFAULT_QUEUE, settings.DEAD_LETTER_QUEUE):
            channel.exchange_delete(name)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test reads configuration it may just have changed with a bulk update (which sends
    no signal): the per-process caches start empty."""
    product_offers_forget()
    webhook_endpoints_forget()
    claim_rules_forget()


@pytest.fixture(autouse=True)
def _default_products_in_transactional_tests(request):
    """Transactional tests flush every table after they run, the products the data migration
    inserted included; put them back for the tests that follow."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    ):
        request.getfixturevalue("transactional_db")
        ensure_default_products()


@pytest.fixture(scope="session")
def openapi(django_db_setup, django_db_blocker) -> OpenAPI:
    """The OpenAPI document the platform serves at /api/schema/ (it reads the products on
    sale from the test database)."""
    with django_db_blocker.unblock():
        return OpenAPI.from_dict(SchemaGenerator().get_schema(request=None, public=True))


class _RequestForResponseChecks(DjangoOpenAPIRequest):
    """Only responses are checked: a multipart body, already read by the view, is not needed."""

    @property
    def body(self) -> bytes:
        return b""


class SchemaCheckedClient(APIClient):
    """An API client that fails the test when a response differs from the OpenAPI schema:
    an undocumented status code, a missing field, a wrong type."""

    def __init__(self, openapi: OpenAPI, **kwargs) -> None:
        super().__init__(**kwargs)
        self.openapi = openapi

    def request(self, **kwargs):
        response = super().request(**kwargs)
        # Paths and methods outside the API (an unknown path, a wrong method) have nothing to
        # compare against.
        with contextlib.suppress(PathNotFound, OperationNotFound):
            self.openapi.validate_response(
                _RequestForResponseChecks(response.wsgi_request), DjangoOpenAPIResponse(response)
            )
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

    def __init__(self, path: Path, process) -> None:
        self.path = path
        self.process = process

    def text(self) -> str:
        return self.path.read_text(errors="replace")

    def json_lines(self) -> list[dict]:
        lines = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start real Celery worker processes on the test database and broker; stopped after.

    Tests that use a worker commit their rows (transactional_db) so the worker can read them.
    `beat=True` runs the periodic tasks (the outbox sweeper) in the worker too.
    """
    with contextlib.ExitStack() as stack:

        def start(
            *, beat: bool = False, name: str = "worker", embedded: Path | None = None, **env: str
        ) -> WorkerLog:
            """`embedded`: a DATA_DIR whose embedded default (SQLite, filesystem broker) the
            worker runs on instead of the test database and broker."""
            log_path = tmp_path / f"{name}.log"
            args = celery_worker_args() + (["--beat"] if beat else [])
            child = server_env(
                embedded,
                LOG_FORMAT="json",
                MEDIA_ROOT=str(settings.MEDIA_ROOT),
                **({} if embedded else {"DATA_DIR": str(tmp_path / name)}),
                **env,
            )
            process = stack.enter_context(running(args, env=child, log_path=log_path))
            log = WorkerLog(log_path, process)
            wait_for(
                lambda: "ready." in log.text() or process.poll() is not None,
                timeout=60,
                what="the Celery worker to start",
            )
            assert process.poll() is None, log.text()
            return log

        # Messages left by earlier tests (sent where no worker ran) are not this test's work.
        celery_app.control.purge()
        yield start


@pytest.fixture
def celery_worker(start_worker) -> "WorkerLog":
    return start_worker()


@pytest.fixture
def start_web(transactional_db, tmp_path):
    """Start the production web server (config.server: uvicorn, the lean issuance path in
    front of Django) on the test database; returns its base URL. Its log is web.log in the
    test's tmp_path."""
    with contextlib.ExitStack() as stack:

        def start(*, embedded: Path | None = None, **env: str) -> str:
            """`embedded`: a DATA_DIR whose embedded default the server serves instead of the
            test database."""
            port = free_port()
            child = server_env(
                embedded,
                WEB_ADDR=f"127.0.0.1:{port}",
                MEDIA_ROOT=str(settings.MEDIA_ROOT),
                **({} if embedded else {"DATA_DIR": str(tmp_path / "web")}),
                **{"WEB_CONCURRENCY": "2", **env},
            )
            args = [str(VENV_BIN / "python"), "-m", "config.server"]
            log = tmp_path / "web.log"
            process = stack.enter_context(running(args, env=child, log_path=log))
            base = f"http://127.0.0.1:{port}"

            def up() -> bool:
                assert process.poll() is None, log.read_text()
                try:
                    return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(up, timeout=60, what="the web server to answer")
            return base

        yield start


@pytest.fixture
def web_server(start_web) -> str:
    return start_web()
