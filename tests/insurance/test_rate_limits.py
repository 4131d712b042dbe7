import pytest
from rest_framework.test import APIClient

from insurance.services.api_keys import api_key_create
from tests.insurance.helpers import error_of

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
