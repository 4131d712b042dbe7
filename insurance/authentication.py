"""API clients authenticate as a merchant with `Authorization: Bearer <key>`."""

from dataclasses import dataclass

from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from insurance.models import ApiKey, Merchant
from insurance.selectors import api_key_active_by_hash
from insurance.services import api_key_hash, api_key_touch


@dataclass(frozen=True)
class MerchantClient:
    """request.user for API calls: the merchant a key belongs to."""

    merchant: Merchant
    is_authenticated: bool = True


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[MerchantClient, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, raw_key = header.partition(" ")
        if keyword != self.keyword or not raw_key.strip():
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Bearer <key>'.")
        api_key = api_key_active_by_hash(key_hash=api_key_hash(raw_key.strip()))
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is unknown or revoked.")
        api_key_touch(api_key=api_key)
        return MerchantClient(merchant=api_key.merchant), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IsMerchantClient(permissions.BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        return isinstance(request.user, MerchantClient)


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Requests per API key, counted in the shared cache so every web process agrees."""

    scope = "api_key"

    def get_cache_key(self, request: Request, view) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
