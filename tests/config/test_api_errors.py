"""One error shape for the whole API, with stable codes."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

POLICY_BODY = {
    "product": "fresh_produce",
    "order_ref": "O-1",
    "buyer_ref": "b-1",
    "order_value": "80.00",
}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_malformed_json_is_a_400_malformed_request(api):
    response = api.post(
        "/api/v1/policies", data='{"product": "fresh_produce",', content_type="application/json"
    )

    assert_error(response, 400, "malformed_request")


def test_a_body_that_is_not_json_is_a_415(api):
    response = api.post("/api/v1/policies", data="product=fresh_produce", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")


def test_no_credentials_is_a_401_that_says_how_to_authenticate():
    response = APIClient().post("/api/v1/policies", POLICY_BODY, format="json")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer ins_not-a-key", "Basic dXNlcjpwdw==", "Bearer "])
def test_a_wrong_or_malformed_key_is_a_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/policies/1")

    assert_error(response, 401, "authentication_failed")


def test_field_errors_name_each_field(api):
    response = api.post("/api/v1/policies", {**POLICY_BODY, "order_value": "lots"}, format="json")

    error = assert_error(response, 400, "validation_error")
    assert "order_value" in error["fields"]


def test_an_unknown_api_path_is_a_json_404(api):
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_405(api):
    assert_error(api.delete("/api/v1/policies"), 405, "method_not_allowed")


@override_settings(API_MAX_JSON_BYTES=1000)
def test_an_oversize_body_is_refused_with_413_before_it_is_read(api):
    body = '{"description": "' + "x" * 2000 + '"}'

    response = api.post("/api/v1/policies", data=body, content_type="application/json")

    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    ("depth", "headers"),
    [(990, {}), (600, {"HTTP_IDEMPOTENCY_KEY": "deep-1"}), (21, {})],
    ids=["990 deep", "600 deep with a key", "just too deep"],
)
def test_json_nested_too_deep_is_refused_before_anything_walks_it(api, depth, headers):
    body = '{"product": ' + "[" * depth + "]" * depth + "}"

    response = api.post("/api/v1/quotes", data=body, content_type="application/json", **headers)

    assert_error(response, 400, "malformed_request")


def test_brackets_inside_strings_are_text_not_nesting(api):
    body = {**POLICY_BODY, "buyer_ref": "[" * 50 + "{" * 45}

    response = api.post("/api/v1/policies", body, format="json")

    assert response.status_code == 201, response.content
