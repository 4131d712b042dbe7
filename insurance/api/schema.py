"""OpenAPI pieces shared by the API modules (drf-spectacular)."""

from django.db import DatabaseError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from config.errors import ERROR_CODES
from insurance.selectors import order_event_kinds, product_codes_on_sale


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "insurance.authentication.ApiKeyAuthentication"
    name = "MerchantApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A merchant's API key."}


ErrorSerializer = inline_serializer(
    "Error",
    fields={
        "error": inline_serializer(
            "ErrorDetail",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(),
            },
        )
    },
)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(ErrorSerializer) for status in statuses}


# --- Postprocessing: what every operation can answer, and how operations connect ------------

# Statuses every API operation can answer (503: the database does not answer, or issuance
# sheds load), and those that follow from its shape.
_ALWAYS = (401, 429, 503)
_WITH_QUERY = (400,)
_WITH_PATH_ID = (404,)
_WITH_CURSOR = (404,)  # invalid_cursor
_WITH_BODY = (400, 413, 415, 422)
_WITH_IDEMPOTENCY_KEY = (400, 409)

# OpenAPI links: the ids a response gives and the operations that take them, so that clients
# (and the stateful fuzzer) can follow a quote to its policy, its order and its claims.
_LINKS: dict[str, dict[str, dict]] = {
    "v1_products_list": {
        "QuoteProduct": {
            "operationId": "v1_quotes_create",
            "requestBody": {"product": "$response.body#/0/code"},
        },
    },
    "v1_quotes_create": {
        "GetQuote": {
            "operationId": "v1_quotes_retrieve",
            "parameters": {"quote_id": "$response.body#/id"},
        },
        "BindQuote": {
            "operationId": "v1_policies_create",
            "requestBody": {
                "quote_id": "$response.body#/id",
                "order_ref": "order-{$response.body#/id}",
            },
            "x-schemathesis": {"merge_body": False},
        },
    },
    "v1_policies_create": {
        "GetPolicy": {
            "operationId": "v1_policies_retrieve",
            "parameters": {"policy_id": "$response.body#/id"},
        },
        "CancelPolicy": {
            "operationId": "v1_policies_cancel_create",
            "parameters": {"policy_id": "$response.body#/id"},
        },
        "RecordOrderEvent": {
            "operationId": "v1_orders_events_create",
            "parameters": {"order_ref": "$response.body#/order_ref"},
        },
        "FileClaim": {
            "operationId": "v1_claims_create",
            "requestBody": {"policy_id": "$response.body#/id"},
        },
        "ListClaims": {
            "operationId": "v1_claims_list",
            "parameters": {"policy_id": "$response.body#/id"},
        },
    },
    "v1_policies_batch_create": {
        "GetFirstPolicy": {
            "operationId": "v1_policies_retrieve",
            "parameters": {"policy_id": "$response.body#/policies/0/id"},
        },
    },
    "v1_claims_create": {
        "GetClaim": {
            "operationId": "v1_claims_retrieve",
            "parameters": {"claim_id": "$response.body#/id"},
        },
    },
    "v1_webhook_endpoints_create": {
        "GetEndpoint": {
            "operationId": "v1_webhook_endpoints_retrieve",
            "parameters": {"endpoint_id": "$response.body#/id"},
        },
        "DisableEndpoint": {
            "operationId": "v1_webhook_endpoints_destroy",
            "parameters": {"endpoint_id": "$response.body#/id"},
        },
        "RotateSecret": {
            "operationId": "v1_webhook_endpoints_rotate_secret_create",
            "parameters": {"endpoint_id": "$response.body#/id"},
        },
        "ListDeliveries": {
            "operationId": "v1_webhook_deliveries_list",
            "parameters": {"endpoint": "$response.body#/id"},
        },
    },
}


def _statuses_for(operation: dict) -> set[int]:
    parameters = operation.get("parameters", [])
    where = {parameter["in"] for parameter in parameters}
    names = {parameter["name"] for parameter in parameters}
    statuses = set(_ALWAYS)
    if "query" in where:
        statuses.update(_WITH_QUERY)
    if "path" in where:
        statuses.update(_WITH_PATH_ID)
    if "cursor" in names:
        statuses.update(_WITH_CURSOR)
    if "requestBody" in operation:
        statuses.update(_WITH_BODY)
    if "Idempotency-Key" in names:
        statuses.update(_WITH_IDEMPOTENCY_KEY)
    return statuses


def _error_description(status: int) -> str:
    codes = sorted(code for code, entry in ERROR_CODES.items() if entry.status == status)
    return "Error codes: " + ", ".join(f"`{code}`" for code in codes)


# PostgreSQL text holds no NUL character, so no string the API stores or searches may have one.
_NO_NUL = "^[^\\u0000]*$"


def _free_text(schema: dict) -> bool:
    return schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema)


def _on_sale(read):
    """What the products on sale say now; nothing when the schema is made without a database
    (an offline `manage.py spectacular`)."""
    try:
        return read()
    except DatabaseError:
        return []


def _complete_request_schema(schema: dict, components: dict, seen: set[str]) -> None:
    """Free-text strings of request bodies have no NUL (DRF refuses it) and product codes
    are those on sale: say both."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            _complete_request_schema(components[name], components, seen)
        return
    for branch in schema.get("oneOf", []):
        _complete_request_schema(branch, components, seen)
    if "items" in schema:
        _complete_request_schema(schema["items"], components, seen)
    for name, prop in schema.get("properties", {}).items():
        if name == "product" and "enum" not in prop and (codes := _on_sale(product_codes_on_sale)):
            # Products are data: the schema lists those on sale when it is served.
            prop["enum"] = codes
        elif name == "kind" and (kinds := _on_sale(order_event_kinds)):
            prop["enum"] = sorted(kinds)
        elif _free_text(prop):
            prop["pattern"] = _NO_NUL
        else:
            _complete_request_schema(prop, components, seen)


def complete_operations(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation documents every error status it
    can answer, each with the codes it may carry (from config.errors.ERROR_CODES), and the
    links from what it creates to what can be done with it next; strings may not hold NUL and
    query parameters may not be empty."""
    components = result.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True  # no POST of ours is bodiless
                for media in operation["requestBody"]["content"].values():
                    _complete_request_schema(media["schema"], components, seen)
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                if parameter["in"] in ("query", "path") and schema.get("type") == "string":
                    # An empty parameter is refused (400): leave it out instead.
                    schema.setdefault("minLength", 1)
                    if _free_text(schema):
                        schema["pattern"] = _NO_NUL
            responses = operation["responses"]
            for status in _statuses_for(operation):
                responses.setdefault(
                    str(status),
                    {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        }
                    },
                )
            for status, response in responses.items():
                if int(status) >= 400:
                    response["description"] = _error_description(int(status))
            links = _LINKS.get(operation.get("operationId"))
            if links:
                success = min(status for status in responses if int(status) < 300)
                responses[success]["links"] = links
    return result
