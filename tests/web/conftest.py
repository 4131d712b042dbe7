import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections
from django.db.utils import load_backend
from django.utils import timezone

from claims.models import REVIEWERS_GROUP
from claims.photos import photo_check
from claims.services import claim_screen, claim_submit
from config.settings import embedded_database
from insurance.models import MerchantMembership
from insurance.services.orders import order_event_record
from insurance.services.policies import BindRequest, CoverRequest, policy_bind
from tests.claims.helpers import photo
from tests.processes import PROJECT_DIR, embedded_env

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "pw-for-tests-only"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def merchant_user(merchant, username: str):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    MerchantMembership.objects.create(user=user, merchant=merchant)
    return user


def reviewer_user(username: str):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
    return user


def issue(merchant, order_ref: str, product: str = "fresh_produce", buyer: str = "b-1", **extra):
    cover = CoverRequest(
        product=product,
        buyer_ref=buyer,
        order_value=Decimal("200.00"),
        category="fruit",
        buyer_region="CN-SH",
        **extra,
    )
    policy = policy_bind(
        merchant=merchant, bind=BindRequest(order_ref=order_ref, cover=cover), actor="test"
    )
    if product == "fresh_produce":
        order_event_record(
            merchant=merchant,
            order_ref=order_ref,
            kind="delivered",
            occurred_at=timezone.now(),
            actor="test",
        )
    return policy


def file_claim(merchant, order_ref: str, buyer: str, seed: int, *, picture=None, screen=True):
    """A produce claim with a photo (`seed`'s, or `picture`) on a new delivered policy,
    screened as a worker would unless `screen` is False."""
    policy = issue(merchant, order_ref, buyer=buyer)
    claim = claim_submit(
        merchant=merchant,
        policy_id=policy.pk,
        claimant_ref=buyer,
        amount=Decimal("40.00"),
        description="",
        photos=[photo_check(picture or photo(seed))],
        actor="test",
    )
    return claim_screen(claim_id=claim.pk) if screen else claim


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (installed by `make test`)."""
    # Playwright's sync API keeps an event loop running in this thread, which Django takes
    # for async code; the tests' own database calls are not concurrent with it. The flag is
    # lifted afterwards so no later process (e.g. a deploy check) inherits it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot under test-artifacts/<backend>/ (not committed)."""
    folder = ARTIFACTS
    if "backend" in request.fixturenames:
        folder = ARTIFACTS / request.getfixturevalue("backend").name
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(browser, base_url: str, username: str, password: str = PASSWORD, **context):
    context.setdefault("viewport", {"width": 1280, "height": 900})
    page = browser.new_context(**context).new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"{username} could not log in: {page.url}"
    return page


# --- The backends the browser tests run on ---------------------------------------------------
# Each browser test runs twice: against the web server (config.server) on the test PostgreSQL
# database and Redis, and against it on the embedded default (SQLite and the filesystem broker,
# as `make run`).
BACKENDS = ["postgresql", "sqlite"]


@dataclass(frozen=True)
class Backend:
    name: str
    data_dir: Path | None  # the embedded default's DATA_DIR; None on PostgreSQL


@pytest.fixture(scope="session")
def embedded_template(tmp_path_factory) -> Path:
    """A migrated embedded database, made once by `manage.py migrate` in a process of its own,
    copied for each test that runs on SQLite."""
    data_dir = tmp_path_factory.mktemp("embedded-template")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=PROJECT_DIR,
        env=embedded_env(data_dir),
        check=True,
    )
    return data_dir / "platform.sqlite3"


@contextmanager
def default_database_is(database: dict) -> Iterator[None]:
    """This process's default connection is `database` for the block: the rows a test makes
    and reads go where the embedded server reads and writes them."""
    settings_dict = connections.configure_settings({"default": database})["default"]
    original = connections["default"]
    connection = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    connections["default"] = connection
    try:
        yield
    finally:
        connection.close()
        connections["default"] = original


@pytest.fixture(params=BACKENDS)
def backend(request, transactional_db, tmp_path, embedded_template) -> Iterator[Backend]:
    if request.param == "postgresql":
        yield Backend("postgresql", None)
        return
    data_dir = tmp_path / "embedded"
    data_dir.mkdir()
    shutil.copy(embedded_template, data_dir / "platform.sqlite3")
    with default_database_is(embedded_database(data_dir)):
        yield Backend("sqlite", data_dir)


@pytest.fixture
def start_site(backend, start_web):
    """Start the web server on the test's backend (settings as environment variables); its URL."""

    def start(**env: str) -> str:
        return start_web(embedded=backend.data_dir, **{"WEB_CONCURRENCY": "1", **env})

    return start


@pytest.fixture
def site(start_site) -> str:
    return start_site()
