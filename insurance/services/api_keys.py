import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from config import clock
from insurance.key_changes import api_key_changes_announce
from insurance.models import ApiKey, Merchant

API_KEY_PREFIX = "ins_"
# last_used_at is a hint for people, not an audit trail: write it at most once a minute per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_hash(raw_key: str) -> str:
    # Keys are 256-bit random, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def merchant_create(*, slug: str, name: str, region: str = "CN-ZJ") -> Merchant:
    return Merchant.objects.create(slug=slug, name=name, region=region)


def api_key_create(
    *, merchant: Merchant, name: str, rate_limit_per_minute: int | None = None
) -> tuple[ApiKey, str]:
    """Make a new key. The raw key is returned once, here; only its hash is kept."""
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        merchant=merchant,
        name=name,
        prefix=raw_key[: len(API_KEY_PREFIX) + 6],
        key_hash=api_key_hash(raw_key),
        rate_limit_per_minute=rate_limit_per_minute,
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
    # The hot path's processes keep keys in memory: tell them (an admin edit signals the same).
    transaction.on_commit(api_key_changes_announce)


def api_key_touch_due(*, api_key: ApiKey) -> bool:
    last = api_key.last_used_at
    return last is None or clock.now() - last > LAST_USED_RESOLUTION


def api_key_touch(*, api_key: ApiKey) -> None:
    if api_key_touch_due(api_key=api_key):
        now = clock.now()
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
