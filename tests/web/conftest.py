import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from claims.models import REVIEWERS_GROUP
from insurance.models import MerchantMembership
from insurance.services.orders import order_event_record
from insurance.services.policies import BindRequest, CoverRequest, policy_bind

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
def screenshot():
    """Save a full-page screenshot under test-artifacts/ (not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(browser, base_url: str, username: str, **context):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, **context).new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page
