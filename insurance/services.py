import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ApplicationError, ConflictError
from insurance.models import ApiKey, Merchant, Policy, PolicyEvent, PolicyStatus
from insurance.rating import price_policy
from insurance.selectors import product_get_active

API_KEY_PREFIX = "ins_"
# last_used_at is a hint for people, not an audit trail: write it at most once a minute per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_hash(raw_key: str) -> str:
    # Keys are 256-bit random, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def merchant_create(*, slug: str, name: str) -> Merchant:
    return Merchant.objects.create(slug=slug, name=name)


def api_key_create(*, merchant: Merchant, name: str) -> tuple[ApiKey, str]:
    """Make a new key. The raw key is returned once, here; only its hash is kept."""
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        merchant=merchant,
        name=name,
        prefix=raw_key[: len(API_KEY_PREFIX) + 6],
        key_hash=api_key_hash(raw_key),
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_touch(*, api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def policy_issue(
    *,
    merchant: Merchant,
    product_code: str,
    order_ref: str,
    order_value: Decimal,
    buyer_ref: str,
    actor: str,
) -> Policy:
    if order_value <= 0:
        raise ApplicationError(
            "invalid_amount", "order_value must be positive.", fields={"order_value": ["> 0"]}
        )
    product = product_get_active(code=product_code)
    price = price_policy(product=product, order_value=order_value)
    try:
        with transaction.atomic():
            policy = Policy.objects.create(
                merchant=merchant,
                product=product,
                order_ref=order_ref,
                buyer_ref=buyer_ref,
                currency=price.currency,
                order_value=order_value,
                premium=price.premium,
                cover=price.cover,
            )
            PolicyEvent.objects.create(
                policy=policy, to_status=PolicyStatus.ACTIVE, actor=actor, reason="issued"
            )
    except IntegrityError:
        raise ConflictError(
            "policy_already_issued",
            f"A {product_code} policy for order {order_ref!r} was already issued.",
        ) from None
    return policy


def policy_mark_claimed(*, policy: Policy, actor: str) -> None:
    """A paid claim uses up an active policy's cover."""
    with transaction.atomic():
        if Policy.objects.filter(pk=policy.pk, status=PolicyStatus.ACTIVE).update(
            status=PolicyStatus.CLAIMED
        ):
            PolicyEvent.objects.create(
                policy=policy,
                from_status=PolicyStatus.ACTIVE,
                to_status=PolicyStatus.CLAIMED,
                actor=actor,
                reason="claim paid",
            )
            policy.status = PolicyStatus.CLAIMED
