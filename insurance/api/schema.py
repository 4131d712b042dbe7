"""OpenAPI pieces shared by the API modules (drf-spectacular)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from insurance.authentication import ApiKeyAuthentication


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


class ApiSchema(AutoSchema):
    """Every operation behind an API key documents the errors any such request can get,
    whatever its view declares: 401 for a bad key, and 429 both for a key over its rate limit
    (insurance.authentication.ApiKeyRateThrottle) and for an address sending bad keys."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        statuses = []
        if any(issubclass(cls, ApiKeyAuthentication) for cls in self.view.authentication_classes):
            statuses += ["401", "429"]
        if self.view.throttle_classes:
            statuses.append("429")
        responses = operation["responses"]
        missing = [status for status in dict.fromkeys(statuses) if status not in responses]
        if missing:
            error = self.resolve_serializer(ErrorSerializer, "response").ref
            for status in missing:
                responses[status] = {
                    "content": {"application/json": {"schema": error}},
                    "description": "",
                }
            operation["responses"] = dict(sorted(responses.items()))
        return operation
