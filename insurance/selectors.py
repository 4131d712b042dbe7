from django.db.models import QuerySet

from config.errors import NotFoundError
from insurance.models import ApiKey, Merchant, Policy, Product


def product_get_active(*, code: str) -> Product:
    try:
        return Product.objects.get(code=code, active=True)
    except Product.DoesNotExist:
        raise NotFoundError(
            "unknown_product", f"No product is sold under the code {code!r}."
        ) from None


def policies_for_merchant(*, merchant: Merchant) -> QuerySet[Policy]:
    return Policy.objects.filter(merchant=merchant).select_related("product")


def policy_get_for_merchant(*, merchant: Merchant, policy_id: int) -> Policy:
    try:
        return policies_for_merchant(merchant=merchant).get(pk=policy_id)
    except Policy.DoesNotExist:
        # The same answer whether the policy is missing or another merchant's: no probing.
        raise NotFoundError("policy_not_found", f"Policy {policy_id} was not found.") from None


def api_key_active_by_hash(*, key_hash: str) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("merchant")
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .first()
    )
