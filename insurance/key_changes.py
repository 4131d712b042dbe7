"""Telling every process that an API key changed (revoked, or edited in the admin): a counter
in Redis that each process's key cache (insurance.authentication) reads at most once a second.
Apart from authentication so that the key services, which authentication reads, can call it."""

import functools
import logging

import redis
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY_CHANGES = "api-keys:changes"
# Should Redis be unreachable, a kept key is still read again from the database this often.
KEY_KEEP_SECONDS = 10.0  # insurance.authentication reads it too


@functools.cache
def redis_client() -> redis.Redis | None:
    return (
        redis.Redis.from_url(settings.CACHE_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        if settings.CACHE_URL.startswith(("redis://", "rediss://"))
        else None
    )


def api_key_changes_announce() -> None:
    """A key was revoked or edited: every ApiKeyCache forgets its keys within a second."""
    client = redis_client()
    if client is None:  # without Redis no process keeps keys (the hot path is off)
        return
    try:
        client.incr(cache.make_and_validate_key(KEY_CHANGES))
    except redis.RedisError:
        logger.warning(
            "API key change not announced (Redis unreachable): processes see it within %ss",
            KEY_KEEP_SECONDS,
            exc_info=True,
        )
