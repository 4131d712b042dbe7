"""API clients authenticate as a merchant with `Authorization: Bearer <key>`."""

import functools
import logging
import time
from dataclasses import dataclass
from typing import NoReturn

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from config.clients import client_ip
from insurance.models import ApiKey, Merchant
from insurance.selectors import api_key_active_by_hash
from insurance.services.api_keys import api_key_hash, api_key_touch

logger = logging.getLogger(__name__)


@functools.cache
def _redis() -> redis.Redis | None:
    return (
        redis.Redis.from_url(settings.CACHE_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        if settings.CACHE_URL.startswith(("redis://", "rediss://"))
        else None
    )


def _count(key: str, *, ttl: int) -> int:
    """Add one to a counter that expires; one round trip to Redis.

    If Redis cannot be reached the request is let through (0): a rate limiter's outage must
    not stop checkouts.
    """
    client = _redis()
    if client is None:  # the embedded file cache: good enough for one machine's demo
        cache.add(key, 0, timeout=ttl)
        return cache.incr(key)
    pipeline = client.pipeline(transaction=False)
    pipeline.incr(key)
    pipeline.expire(key, ttl, nx=True)
    try:
        return pipeline.execute()[0]
    except redis.RedisError:
        logger.warning("rate limits are not counted: Redis is unreachable", exc_info=True)
        return 0


def _window(seconds: int) -> tuple[int, float]:
    """The current fixed window's number and the seconds until the next one starts."""
    now = time.time()
    window = int(now // seconds)
    return window, (window + 1) * seconds - now


BAD_KEY_WINDOW_SECONDS = 60


def _refuse_bad_key(request: Request, message: str) -> NoReturn:
    """Refuse a request with a bad or malformed key: 401, or 429 once its address has sent
    more than API_BAD_KEY_LIMIT_PER_MINUTE of them this minute.

    Counted per client address (config.clients.client_ip) in the shared cache, one round trip
    and only for refused requests; a good key from the same address is never held back.
    """
    window, retry_after = _window(BAD_KEY_WINDOW_SECONDS)
    key = cache.make_and_validate_key(f"throttle:bad-key:{client_ip(request)}:{window}")
    if _count(key, ttl=BAD_KEY_WINDOW_SECONDS * 2) > settings.API_BAD_KEY_LIMIT_PER_MINUTE:
        raise exceptions.Throttled(
            wait=retry_after, detail="Too many requests with a bad API key from this address."
        )
    raise exceptions.AuthenticationFailed(message)


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
            _refuse_bad_key(request, "Use the header 'Authorization: Bearer <key>'.")
        api_key = api_key_active_by_hash(key_hash=api_key_hash(raw_key.strip()))
        if api_key is None:
            _refuse_bad_key(request, "The API key is unknown or revoked.")
        api_key_touch(api_key=api_key)
        return MerchantClient(merchant=api_key.merchant), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IsMerchantClient(permissions.BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        return isinstance(request.user, MerchantClient)


class ApiKeyRateThrottle(throttling.BaseThrottle):
    """Requests per API key per minute, counted in the shared cache (Redis in production).

    A fixed one-minute window with an atomic increment: one cache round trip per request,
    and every web process sees the same count.
    """

    WINDOW_SECONDS = 60

    def allow_request(self, request: Request, view) -> bool:
        if not isinstance(request.auth, ApiKey):
            return True
        limit = request.auth.rate_limit_per_minute or settings.API_RATE_LIMIT_PER_MINUTE
        window, self.retry_after = _window(self.WINDOW_SECONDS)
        # The key's hash, not its row id: ids repeat across databases sharing one cache.
        key = cache.make_and_validate_key(f"throttle:{request.auth.key_hash[:32]}:{window}")
        count = _count(key, ttl=self.WINDOW_SECONDS * 2)
        return count <= limit

    def wait(self) -> float:
        return self.retry_after
