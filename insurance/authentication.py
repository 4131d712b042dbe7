"""API clients authenticate as a merchant with `Authorization: Bearer <key>`."""

import asyncio
import functools
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import NoReturn

import redis
import redis.asyncio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from config.clients import client_ip
from insurance.key_changes import KEY_CHANGES, KEY_KEEP_SECONDS
from insurance.key_changes import redis_client as _redis
from insurance.models import ApiKey, Merchant
from insurance.selectors import api_key_active_by_hash
from insurance.services.api_keys import api_key_hash, api_key_touch, api_key_touch_due

logger = logging.getLogger(__name__)


def redis_in_use() -> bool:
    return _redis() is not None


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
        window, self.retry_after = _window(self.WINDOW_SECONDS)
        count = _count(_throttle_key(request.auth, window), ttl=self.WINDOW_SECONDS * 2)
        return count <= _rate_limit(request.auth)

    def wait(self) -> float:
        return self.retry_after


def _rate_limit(api_key: ApiKey) -> int:
    return api_key.rate_limit_per_minute or settings.API_RATE_LIMIT_PER_MINUTE


def _throttle_key(api_key: ApiKey, window: int) -> str:
    # The key's hash, not its row id: ids repeat across databases sharing one cache.
    return cache.make_and_validate_key(f"throttle:{api_key.key_hash[:32]}:{window}")


# --- The hot path (insurance.api.fastpath): no round trip per request ------------------------
# A process keeps the keys it has seen and counts their requests itself. Both are reconciled
# with Redis in the background: key changes (a revocation) through a version number that every
# change bumps, request counts by adding them to ApiKeyRateThrottle's counters.
KEY_CHANGES_CHECK_SECONDS = 1.0
RATE_SYNC_SECONDS = 0.05


@functools.cache
def _async_redis() -> redis.asyncio.Redis:
    return redis.asyncio.Redis.from_url(
        settings.CACHE_URL, socket_connect_timeout=0.5, socket_timeout=0.5
    )


class ApiKeyCache:
    """Active API keys by hash, kept in this process: a request costs no database round trip.

    Reads the change version in Redis at most once a second, before a request is served, and
    forgets every key when it moved: a revoked key is refused within about a second. A key
    not kept (or kept KEY_KEEP_SECONDS) is read from the database.
    """

    def __init__(self) -> None:
        self._keys: dict[str, tuple[ApiKey, float]] = {}
        self._version: bytes | None = None
        self._checked = 0.0

    async def get(self, raw_key: str) -> ApiKey | None:
        now = time.monotonic()
        if now - self._checked >= KEY_CHANGES_CHECK_SECONDS:
            self._checked = now
            await self._forget_if_changed()
        key_hash = api_key_hash(raw_key)
        kept = self._keys.get(key_hash)
        if kept is None or now - kept[1] > KEY_KEEP_SECONDS:
            api_key = await sync_to_async(api_key_active_by_hash)(key_hash=key_hash)
            if api_key is None:
                self._keys.pop(key_hash, None)
                return None
            kept = self._keys[key_hash] = (api_key, now)
        if api_key_touch_due(api_key=kept[0]):
            await sync_to_async(api_key_touch)(api_key=kept[0])
        return kept[0]

    async def _forget_if_changed(self) -> None:
        try:
            version = await _async_redis().get(cache.make_and_validate_key(KEY_CHANGES))
        except redis.RedisError:
            logger.warning("API key changes not read (Redis unreachable)", exc_info=True)
            return
        if version != self._version:
            self._keys.clear()
            self._version = version


class LocalRateLimits:
    """ApiKeyRateThrottle's limit without a round trip per request.

    This process counts a key's requests in the current minute and every RATE_SYNC_SECONDS
    adds them to the key's counter in Redis (the one ApiKeyRateThrottle counts in), reading
    back the total. A request passes while the total last read plus what this process has not
    sent yet is within the limit; together the processes can pass at most what each lets
    through in RATE_SYNC_SECONDS beyond it. With Redis unreachable each process counts alone.
    """

    def __init__(self) -> None:
        self._unsent: Counter = Counter()
        self._totals: dict[str, int] = {}
        self._names: dict[tuple[str, int], str] = {}
        self._syncing: asyncio.Task | None = None

    def allow(self, api_key: ApiKey) -> bool:
        window, _ = _window(ApiKeyRateThrottle.WINDOW_SECONDS)
        key = self._names.get((api_key.key_hash, window))
        if key is None:
            if len(self._names) > 10_000:
                self._names.clear()
            key = self._names[api_key.key_hash, window] = _throttle_key(api_key, window)
        if self._totals.get(key, 0) + self._unsent[key] >= _rate_limit(api_key):
            return False
        self._unsent[key] += 1
        if self._syncing is None:
            self._syncing = asyncio.get_running_loop().create_task(self._sync_forever())
        return True

    async def _sync_forever(self) -> None:
        while True:
            await asyncio.sleep(RATE_SYNC_SECONDS)
            if self._unsent:
                await self._sync()

    async def _sync(self) -> None:
        unsent, self._unsent = self._unsent, Counter()
        pipeline = _async_redis().pipeline(transaction=False)
        for key, count in unsent.items():
            pipeline.incrby(key, count)
            pipeline.expire(key, ApiKeyRateThrottle.WINDOW_SECONDS * 2, nx=True)
        try:
            totals = (await pipeline.execute())[::2]
        except redis.RedisError:
            logger.warning("rate limits counted in this process only: Redis is unreachable")
            totals = [self._totals.get(key, 0) + count for key, count in unsent.items()]
        self._totals.update(zip(unsent, totals, strict=True))
        minute = f":{_window(ApiKeyRateThrottle.WINDOW_SECONDS)[0]}"
        self._totals = {key: n for key, n in self._totals.items() if key.endswith(minute)}
