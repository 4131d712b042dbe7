"""The login lockout over real HTTP: a live server behind a (pretended) proxy, and Chromium."""

import re

import httpx
import pytest

from tests.factories import MerchantFactory
from tests.web.conftest import PASSWORD, merchant_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


LIMITS = {"LOGIN_FAILURE_LIMIT_PER_ADDRESS": "30", "LOGIN_FAILURE_LIMIT": "5"}


@pytest.fixture
def mia(backend):
    return merchant_user(MerchantFactory(), "mia")


def post_login(base_url: str, username: str, password: str, **headers) -> httpx.Response:
    """What a browser does: fetch the form (CSRF cookie and token), then post it."""
    with httpx.Client(base_url=base_url, headers=headers) as http:
        form = http.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return http.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        )


def test_behind_a_proxy_the_lockout_holds_the_forwarded_client_not_the_proxy(start_site, mia):
    # The server's peer (127.0.0.1) plays the proxy.
    site = start_site(TRUSTED_PROXY_COUNT="1", **LIMITS)
    attacker = {"X-Forwarded-For": "10.9.9.9, 203.0.113.5"}  # the first entry is made up
    owner = {"X-Forwarded-For": "198.51.100.9"}

    wrong = [post_login(site, "mia", f"guess-{n}", **attacker).status_code for n in range(6)]
    refused = post_login(site, "mia", PASSWORD, **attacker)
    spoofed = post_login(site, "mia", PASSWORD, **{"X-Forwarded-For": "198.51.100.9, 203.0.113.5"})
    welcomed = post_login(site, "mia", PASSWORD, **owner)

    assert wrong == [200] * 4 + [429] * 2
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(15 * 60)
    # Naming the owner's address in front of its own does not make the attacker the owner.
    assert spoofed.status_code == 429
    assert welcomed.status_code == 302
    assert welcomed.headers["Location"] == "/"


def test_a_chinese_browser_is_told_in_chinese_to_wait(browser, start_site, mia, screenshot):
    site = start_site(**LIMITS)
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{site}/accounts/login/")

    for n in range(5):
        page.fill("#id_username", "mia")
        page.fill("#id_password", f"guess-{n}")
        with page.expect_navigation() as navigation:
            page.click("button[type=submit]")
    response = navigation.value

    assert response.status == 429
    assert page.text_content("h1") == "登录失败次数过多"
    assert "15 分钟后重试" in page.text_content("[role=alert]")
    screenshot(page, "login-locked-out-zh")
    page.click("text=返回登录页面")
    assert page.url.endswith("/accounts/login/")
    page.context.close()
