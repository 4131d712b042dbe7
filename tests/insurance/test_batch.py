"""Cart batches: every policy of a cart in one transaction, or none, each item reported."""

import pytest
from django.test import override_settings

from insurance.models import LedgerTransfer, Policy, PolicyEvent
from tests.insurance.helpers import PRODUCE, SHIPPING, error_of, issue

pytestmark = pytest.mark.django_db


def cart(*items: dict) -> dict:
    return {"items": list(items)}


def test_a_cart_is_issued_in_one_request(api):
    response = api.post(
        "/api/v1/policies/batch",
        cart(
            {**SHIPPING, "order_ref": "CART-1"},
            {**PRODUCE, "order_ref": "CART-1"},
            {**PRODUCE, "order_ref": "CART-2", "category": "fruit"},
        ),
        format="json",
    )

    assert response.status_code == 201, response.content
    policies = response.json()["policies"]
    assert [(p["order_ref"], p["product"]) for p in policies] == [
        ("CART-1", "shipping_return"),
        ("CART-1", "fresh_produce"),
        ("CART-2", "fresh_produce"),
    ]
    assert Policy.objects.count() == PolicyEvent.objects.count() == 3
    assert LedgerTransfer.objects.filter(kind="premium_written").count() == 3


def test_one_bad_item_rejects_the_whole_cart_and_reports_each_item(api):
    issue(api, "TAKEN", PRODUCE)

    response = api.post(
        "/api/v1/policies/batch",
        cart(
            {**SHIPPING, "order_ref": "CART-3"},
            {**PRODUCE, "order_ref": "CART-3", "order_value": "0.00"},
            {**PRODUCE, "order_ref": "TAKEN"},
            {**PRODUCE, "order_ref": "CART-4", "product": "pet_insurance"},
        ),
        format="json",
    )

    error = error_of(response, 422)
    assert error["code"] == "batch_rejected"
    assert [
        (item["index"], item["status"], item.get("code")) for item in error["fields"]["items"]
    ] == [
        (0, "ok", None),
        (1, "error", "amount_out_of_range"),
        (2, "error", "policy_already_issued"),
        (3, "error", "unknown_product"),
    ]
    assert list(Policy.objects.values_list("order_ref", flat=True)) == ["TAKEN"]


def test_the_same_order_and_product_twice_in_one_cart_is_refused(api):
    response = api.post(
        "/api/v1/policies/batch",
        cart({**PRODUCE, "order_ref": "DUP"}, {**PRODUCE, "order_ref": "DUP"}),
        format="json",
    )

    items = error_of(response, 422)["fields"]["items"]
    assert [item["status"] for item in items] == ["ok", "error"]
    assert items[1]["code"] == "policy_already_issued"
    assert not Policy.objects.exists()


def test_an_item_that_fails_validation_names_its_index(api):
    response = api.post(
        "/api/v1/policies/batch", cart({**PRODUCE, "order_ref": "V-1"}, {**PRODUCE}), format="json"
    )

    error = error_of(response, 400)
    assert error["code"] == "validation_error"
    assert "order_ref" in error["fields"]["items"]["1"]  # errors keyed by the item's index
    assert not Policy.objects.exists()


@override_settings(POLICY_BATCH_MAX_ITEMS=3)
def test_an_oversize_cart_is_refused_before_any_work(api):
    response = api.post(
        "/api/v1/policies/batch",
        cart(*[{**PRODUCE, "order_ref": f"BIG-{n}"} for n in range(4)]),
        format="json",
    )

    assert error_of(response, 400)["code"] == "batch_too_large"
    assert not Policy.objects.exists()


@pytest.mark.parametrize("body", [{"items": []}, {"items": "all of them"}, {}, {"items": [1]}])
def test_a_cart_without_items_is_a_validation_error(api, body):
    assert (
        error_of(api.post("/api/v1/policies/batch", body, format="json"), 400)["code"]
        == "validation_error"
    )
