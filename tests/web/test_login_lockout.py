"""Web logins (the portal and dashboard login, and the admin's) lock out after repeated failures:
per username from one address, and per address whatever the usernames; locked out, even the
right password is refused with a 429 page in the user's language until the cool-off ends."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.factories import MerchantFactory
from tests.web.conftest import PASSWORD, merchant_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 12
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def mia():
    return merchant_user(MerchantFactory(), "mia")


def client_at(address: str = "198.51.100.10", **extra) -> Client:
    return Client(REMOTE_ADDR=address, **extra)


def log_in(client: Client, username: str, password: str, path: str = LOGIN):
    return client.post(path, {"username": username, "password": password, "next": "/"})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_after_20_wrong_ones_is_refused_with_429(mia):
    client = client_at()

    wrong = [log_in(client, "mia", f"guess-{n}").status_code for n in range(20)]
    right = log_in(client, "mia", PASSWORD)

    # The first four failures show the form's error; the fifth locks the door.
    assert wrong == [200] * 4 + [429] * 16
    assert right.status_code == 429
    assert not logged_in(client)
    assert int(right["Retry-After"]) == 15 * 60
    assert "Too many failed logins" in right.content.decode()


def test_the_lockout_is_per_username_and_address_so_the_owner_logs_in_elsewhere(mia):
    attacker = client_at("203.0.113.66")
    for n in range(5):
        log_in(attacker, "mia", f"guess-{n}")
    owner = client_at("198.51.100.20")

    response = log_in(owner, "mia", PASSWORD)

    assert log_in(attacker, "mia", PASSWORD).status_code == 429
    assert response.status_code == 302
    assert logged_in(owner)


def test_one_address_trying_many_usernames_is_locked_out_for_all_of_them(mia):
    sprayer = client_at("203.0.113.77")
    # Four tries each at three names (12 failures): no name reaches its own limit of five...
    statuses = [
        log_in(sprayer, name, f"guess-{n}").status_code
        for name in ("ann", "bob", "cy")
        for n in range(4)
    ]

    # ...but the address has reached its limit, for a name it never tried too.
    assert statuses == [200] * 11 + [429]
    assert log_in(sprayer, "mia", PASSWORD).status_code == 429
    assert log_in(client_at("198.51.100.30"), "mia", PASSWORD).status_code == 302


def test_after_the_cool_off_the_right_password_works_again(mia):
    from axes.models import AccessAttempt

    client = client_at()
    for n in range(5):
        log_in(client, "mia", f"guess-{n}")
    assert log_in(client, "mia", PASSWORD).status_code == 429

    # Sixteen minutes pass since the last failure.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert log_in(client, "mia", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_successful_login_forgets_earlier_typos(mia):
    client = client_at()
    for n in range(4):
        log_in(client, "mia", f"typo-{n}")
    assert log_in(client, "mia", PASSWORD).status_code == 302
    client.logout()

    statuses = [log_in(client, "mia", f"typo-again-{n}").status_code for n in range(4)]

    assert statuses == [200] * 4
    assert log_in(client, "mia", PASSWORD).status_code == 302


def test_the_admin_login_locks_out_too():
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    client = client_at()

    wrong = [log_in(client, "root", f"guess-{n}", ADMIN_LOGIN).status_code for n in range(5)]
    right = log_in(client, "root", PASSWORD, ADMIN_LOGIN)

    assert wrong == [200] * 4 + [429]
    assert right.status_code == 429
    assert not logged_in(client)


def test_the_lockout_page_speaks_the_browser_s_language(mia):
    client = client_at(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    for n in range(4):
        log_in(client, "mia", f"guess-{n}")

    response = log_in(client, "mia", "guess-5")

    assert response.status_code == 429
    assert response["Content-Language"] == "zh-hans"
    page = response.content.decode()
    assert "登录失败次数过多" in page
    assert "15 分钟" in page
    assert 'lang="zh-hans"' in page
