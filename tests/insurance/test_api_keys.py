import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from insurance.models import ApiKey
from insurance.services.api_keys import api_key_revoke

pytestmark = pytest.mark.django_db


def create_key_with_the_command(slug: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "--merchant", slug, stdout=out, stderr=err)
    assert "not shown again" in err.getvalue()
    return out.getvalue().strip()


def client_with(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def test_create_api_key_prints_a_key_that_is_stored_only_as_a_hash(merchant):
    raw_key = create_key_with_the_command(merchant.slug)

    stored = ApiKey.objects.get(merchant=merchant)
    assert raw_key.startswith("ins_") and len(raw_key) > 40
    assert raw_key.startswith(stored.prefix)
    assert raw_key not in {stored.key_hash, stored.prefix, stored.name}
    assert len(stored.key_hash) == 64


def test_the_printed_key_authenticates_and_records_its_last_use(merchant):
    raw_key = create_key_with_the_command(merchant.slug)

    response = client_with(raw_key).get("/api/v1/policies/999999")

    assert response.status_code == 404  # authenticated: the policy simply does not exist
    assert ApiKey.objects.get(merchant=merchant).last_used_at is not None


def test_a_revoked_key_is_refused(merchant):
    raw_key = create_key_with_the_command(merchant.slug)
    api_key_revoke(api_key=ApiKey.objects.get(merchant=merchant))

    response = client_with(raw_key).get("/api/v1/policies/1")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_an_unknown_merchant_is_a_clear_command_error():
    with pytest.raises(CommandError, match="No merchant with slug 'nobody'"):
        call_command("create_api_key", "--merchant", "nobody")
