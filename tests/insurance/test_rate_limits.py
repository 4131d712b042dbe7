import ipaddress
import secrets

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from insurance.authentication import _redis
from insurance.services.api_keys import api_key_create
from tests.conftest import SchemaCheckedClient
from tests.insurance.helpers import error_of
from tests.processes import free_port

pytestmark = pytest.mark.django_db


def test_a_key_over_its_limit_gets_429_with_retry_after_and_others_are_unaffected(merchant):
    _, limited = api_key_create(merchant=merchant, name="limited", rate_limit_per_minute=3)
    _, other = api_key_create(merchant=merchant, name="other")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {limited}")

    statuses = [client.get("/api/v1/policies").status_code for _ in range(3)]
    refused = client.get("/api/v1/policies")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other}")

    assert statuses == [200, 200, 200]
    assert error_of(refused, 429)["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert client.get("/api/v1/policies").status_code == 200


def test_a_key_without_a_limit_of_its_own_gets_api_rate_limit_per_minute(merchant, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    _, raw = api_key_create(merchant=merchant, name="default limit")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    statuses = [client.get("/api/v1/policies").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


# --- Requests with a bad key, counted per client address --------------------------------------
def new_address() -> str:
    """An address no other test (or test run sharing this Redis) counts requests for."""
    return str(ipaddress.IPv6Address("2001:db8::") + secrets.randbits(64))


def bad_key_client(openapi, address: str, **extra) -> SchemaCheckedClient:
    client = SchemaCheckedClient(openapi, REMOTE_ADDR=address, **extra)
    client.credentials(HTTP_AUTHORIZATION="Bearer ins_not-a-key")
    return client


@pytest.fixture
def bad_key_limit(settings):
    settings.API_BAD_KEY_LIMIT_PER_MINUTE = 3
    return 3


def test_bad_keys_from_one_address_are_throttled_with_429_and_retry_after(openapi, bad_key_limit):
    client = bad_key_client(openapi, new_address())

    # A detail path too: every API operation documents the 429 (the client checks the schema).
    statuses = [client.get("/api/v1/policies/1").status_code for _ in range(bad_key_limit)]
    refused = client.get("/api/v1/policies/1")
    also_refused = client.post("/api/v1/quotes", {}, format="json")

    assert statuses == [401] * bad_key_limit
    error = error_of(refused, 429)
    assert error["code"] == "rate_limited"
    assert error["fields"] == {}
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert error_of(also_refused, 429)["code"] == "rate_limited"


def test_malformed_authorization_headers_count_as_bad_keys(openapi, bad_key_limit):
    address = new_address()
    client = SchemaCheckedClient(openapi, REMOTE_ADDR=address)

    for header in ["Basic dXNlcjpwdw==", "Bearer ", "Bearer ins_nope"]:
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get("/api/v1/policies").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token abc")

    assert error_of(client.get("/api/v1/policies"), 429)["code"] == "rate_limited"


def test_a_throttled_address_with_a_good_key_and_other_addresses_go_on(
    openapi, merchant, bad_key_limit
):
    address = new_address()
    client = bad_key_client(openapi, address)
    for _ in range(bad_key_limit + 1):
        client.get("/api/v1/policies")
    _, good = api_key_create(merchant=merchant, name="good")
    good_client = SchemaCheckedClient(openapi, REMOTE_ADDR=address)
    good_client.credentials(HTTP_AUTHORIZATION=f"Bearer {good}")

    assert client.get("/api/v1/policies").status_code == 429
    assert good_client.get("/api/v1/policies").status_code == 200
    assert bad_key_client(openapi, new_address()).get("/api/v1/policies").status_code == 401


def test_x_forwarded_for_is_ignored_unless_proxies_are_configured(openapi, bad_key_limit):
    address = new_address()

    statuses = [
        bad_key_client(openapi, address, HTTP_X_FORWARDED_FOR=new_address())
        .get("/api/v1/policies")
        .status_code
        for _ in range(bad_key_limit + 1)
    ]

    # Each request claimed another address; without TRUSTED_PROXY_COUNT the claim is not read.
    assert statuses == [401] * bad_key_limit + [429]


def test_behind_one_proxy_clients_are_counted_by_the_address_the_proxy_saw(
    openapi, settings, bad_key_limit
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy, client_a, client_b = new_address(), new_address(), new_address()

    def call(forwarded_for: str) -> int:
        return (
            bad_key_client(openapi, proxy, HTTP_X_FORWARDED_FOR=forwarded_for)
            .get("/api/v1/policies")
            .status_code
        )

    # Client A puts a made-up address in front; only the proxy's own entry is believed.
    a = [call(f"{new_address()}, {client_a}") for _ in range(bad_key_limit + 1)]
    b = call(client_b)

    assert a == [401] * bad_key_limit + [429]
    assert b == 401


def test_bad_keys_are_not_throttled_but_refused_while_redis_is_down(openapi, settings):
    settings.API_BAD_KEY_LIMIT_PER_MINUTE = 1
    settings.CACHE_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    _redis.cache_clear()
    try:
        client = bad_key_client(openapi, new_address())
        statuses = [client.get("/api/v1/policies").status_code for _ in range(3)]
    finally:
        _redis.cache_clear()

    assert statuses == [401, 401, 401]


def test_every_api_operation_documents_401_and_429():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (method.upper(), path, set(operation["responses"]))
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]

    assert len(operations) > 10
    assert [(m, p) for m, p, codes in operations if not {"401", "429"} <= codes] == []
