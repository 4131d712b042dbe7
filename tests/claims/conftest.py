import pytest

from insurance.models import Policy
from tests.insurance.helpers import PRODUCE, SHIPPING, issue


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Claim photos go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def delivered_policy(api, order_ref: str, body: dict | None = None) -> Policy:
    policy = issue(api, order_ref, body or PRODUCE)
    api.post(f"/api/v1/orders/{order_ref}/events", {"kind": "delivered"}, format="json")
    return Policy.objects.select_related("merchant", "product").get(pk=policy["id"])


@pytest.fixture
def produce_policy(api) -> Policy:
    return delivered_policy(api, "P-1")


@pytest.fixture
def shipping_policy(api) -> Policy:
    return delivered_policy(api, "S-1", SHIPPING)
