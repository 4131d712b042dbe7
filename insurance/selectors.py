"""Reads of insurance data that other code (APIs, web UIs, the claims app) may call."""

import contextlib
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from cachetools import TTLCache
from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from config.errors import ApplicationError, NotFoundError
from insurance.models import (
    ORDER_LIFECYCLE_EVENTS,
    QUOTE_INPUTS,
    Account,
    ApiKey,
    ClaimTrigger,
    LedgerTransfer,
    Merchant,
    MerchantMembership,
    MerchantProductTerms,
    Policy,
    Product,
    Quote,
    RiskProfile,
    RiskSubject,
    TransferKind,
    WebhookDelivery,
    WebhookEndpoint,
)
from insurance.rating import ProductTerms

# Claims paid, in the ledger: to claimants directly, or first by the insurer for a merchant.
CLAIM_PAYOUT_KINDS = (TransferKind.CLAIM_PAID, TransferKind.RECOVERY_RECEIVABLE)

# Bayesian smoothing of history rates: a buyer with few policies is priced near the prior.
PRIOR_WEIGHT = 10
PRIOR_RETURN_RATE = Decimal("0.10")
PRIOR_CLAIM_RATE = Decimal("0.05")


@dataclass(frozen=True)
class ProductOffer:
    """A product as one merchant sells it: the row, its rating terms, and the policy terms."""

    product: Product
    terms: ProductTerms
    payer: str
    claim_window_hours: int


# Offers are read on every quote and bind and change rarely: each process keeps them a few
# seconds. A save in this process clears them at once (insurance.apps); other processes see a
# staff edit within PRODUCT_CACHE_SECONDS.
_offers: TTLCache = TTLCache(maxsize=10_000, ttl=settings.PRODUCT_CACHE_SECONDS)
_offers_lock = threading.Lock()


def product_offers_forget() -> None:
    with _offers_lock:
        _offers.clear()


def order_event_kinds() -> frozenset[str]:
    """The order events the platform acts on: the lifecycle ones, and those that open the
    claims of the products on sale (kept for a few seconds, like the products' terms)."""
    with _offers_lock:
        kinds = _offers.get("order_event_kinds")
    if kinds is None:
        kinds = ORDER_LIFECYCLE_EVENTS | frozenset(
            Product.objects.filter(active=True, claim_trigger=ClaimTrigger.ORDER_EVENT).values_list(
                "claim_event", flat=True
            )
        )
        with _offers_lock:
            _offers["order_event_kinds"] = kinds
    return kinds


def product_codes_on_sale() -> list[str]:
    return list(Product.objects.filter(active=True).order_by("code").values_list("code", flat=True))


def product_offer_for(*, merchant: Merchant, code: str) -> ProductOffer:
    with _offers_lock:
        offer = _offers.get((merchant.pk, code))
    if offer is None:
        offer = _product_offer_load(merchant=merchant, code=code)
        with _offers_lock:
            _offers[(merchant.pk, code)] = offer
    return offer


def _product_offer_load(*, merchant: Merchant, code: str) -> ProductOffer:
    product = Product.objects.filter(code=code, active=True).first()
    if product is None:
        raise ApplicationError(
            "unknown_product",
            f"No product is sold under the code {code!r}.",
            fields={"product": [f"Unknown product {code!r}."]},
        )
    own = MerchantProductTerms.objects.filter(merchant=merchant, product=product).first()
    if own is not None and not own.enabled:
        raise ApplicationError(
            "product_not_available",
            f"{code} is not available to this merchant.",
            fields={"product": [f"{code} is switched off for this merchant."]},
        )

    def pick(field: str):
        value = getattr(own, field, None) if own is not None else None
        return getattr(product, field) if value in (None, "") else value

    terms = ProductTerms(
        code=product.code,
        currency=product.currency,
        exposure=product.exposure,
        max_exposure=product.max_exposure,
        base_amount=product.base_amount,
        base_rate=pick("base_rate"),
        rating_factors=product.rating_factors,
        min_premium=pick("min_premium"),
        max_premium=pick("max_premium"),
        cover_rule=product.cover_rule,
        cover_table=product.cover_table,
        max_cover=pick("max_cover"),
    )
    return ProductOffer(
        product=product,
        terms=terms,
        payer=pick("payer"),
        claim_window_hours=pick("claim_window_hours"),
    )


def _smoothed(events: int, policies: int, prior: Decimal) -> Decimal:
    rate = (Decimal(events) + prior * PRIOR_WEIGHT) / (policies + PRIOR_WEIGHT)
    return rate.quantize(Decimal("0.001"))


def risk_profile_rows(*, buyer_refs: set[str], merchant_ids: set[int]) -> QuerySet:
    """The refreshed (subject, ref, policies, returns, claims) rows of these buyers and
    merchants, unevaluated: the issuance path reads them in one round trip with its other
    reads. Plain rows, as this runs for every bind."""
    return RiskProfile.objects.filter(
        Q(subject=RiskSubject.BUYER, subject_ref__in=buyer_refs)
        | Q(subject=RiskSubject.MERCHANT, subject_ref__in=[str(pk) for pk in merchant_ids])
    ).values_list("subject", "subject_ref", "policies", "returns", "claims")


def risk_histories_from(
    rows, *, buyer_refs: set[str], merchant: Merchant
) -> dict[str, dict[str, Decimal]]:
    """Each buyer's and the merchant's return and claim rates, from risk_profile_rows."""
    profiles = {(subject, ref): counts for subject, ref, *counts in rows}
    empty = (0, 0, 0)
    policies, returns, claims = profiles.get((RiskSubject.MERCHANT, str(merchant.pk)), empty)
    shop_rates = {
        "merchant_return_rate": _smoothed(returns, policies, PRIOR_RETURN_RATE),
        "merchant_claim_rate": _smoothed(claims, policies, PRIOR_CLAIM_RATE),
    }
    histories = {}
    for buyer_ref in buyer_refs:
        policies, returns, claims = profiles.get((RiskSubject.BUYER, buyer_ref), empty)
        histories[buyer_ref] = {
            "buyer_return_rate": _smoothed(returns, policies, PRIOR_RETURN_RATE),
            "buyer_claim_rate": _smoothed(claims, policies, PRIOR_CLAIM_RATE),
            **shop_rates,
        }
    return histories


def risk_histories(*, buyer_refs: set[str], merchant: Merchant) -> dict[str, dict[str, Decimal]]:
    """Each buyer's and the merchant's return and claim rates, from the last refreshed
    profiles, in one query however many buyers a cart has."""
    rows = risk_profile_rows(buyer_refs=buyer_refs, merchant_ids={merchant.pk})
    return risk_histories_from(rows, buyer_refs=buyer_refs, merchant=merchant)


def quote_get_for_merchant(*, merchant: Merchant, quote_id) -> Quote:
    quote = Quote.objects.select_related("product").filter(pk=quote_id, merchant=merchant).first()
    if quote is None:
        # The same answer whether the quote is missing or another merchant's: no probing.
        raise NotFoundError("quote_not_found", f"Quote {quote_id} was not found.")
    return quote


def policies_for_merchant(*, merchant: Merchant) -> QuerySet[Policy]:
    return Policy.objects.filter(merchant=merchant).select_related("product")


def policy_get_for_merchant(*, merchant: Merchant, policy_id: int) -> Policy:
    try:
        return policies_for_merchant(merchant=merchant).get(pk=policy_id)
    except Policy.DoesNotExist:
        # The same answer whether the policy is missing or another merchant's: no probing.
        raise NotFoundError("policy_not_found", f"Policy {policy_id} was not found.") from None


def policy_get(*, policy_id: int) -> Policy:
    """For workers acting on the platform's behalf; web and API callers use the merchant's."""
    return Policy.objects.select_related("product", "merchant").get(pk=policy_id)


def api_key_active_by_hash(*, key_hash: str) -> ApiKey | None:
    try:
        return ApiKey.objects.select_related("merchant").get(
            key_hash=key_hash, revoked_at__isnull=True
        )
    except ApiKey.DoesNotExist:
        return None


def api_keys_for_merchant(*, merchant: Merchant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(merchant=merchant).order_by("-created_at")


_endpoints: TTLCache = TTLCache(maxsize=10_000, ttl=settings.PRODUCT_CACHE_SECONDS)
_endpoints_lock = threading.Lock()


def webhook_endpoints_forget() -> None:
    with _endpoints_lock:
        _endpoints.clear()


def webhook_endpoints_subscribed(*, merchant_id: int, event_type: str) -> list[WebhookEndpoint]:
    """The merchant's active endpoints for an event type; kept like the product offers, since
    every issue asks and almost every answer is 'none'."""
    with _endpoints_lock:
        active = _endpoints.get(merchant_id)
    if active is None:
        active = list(WebhookEndpoint.objects.filter(merchant_id=merchant_id, active=True))
        with _endpoints_lock:
            _endpoints[merchant_id] = active
    return [endpoint for endpoint in active if event_type in endpoint.event_types]


def webhook_endpoints_for_merchant(*, merchant: Merchant) -> QuerySet[WebhookEndpoint]:
    """The endpoints in use; a deleted one is kept (its deliveries stay in the log) but gone."""
    return WebhookEndpoint.objects.filter(merchant=merchant, active=True).order_by("-created_at")


def webhook_deliveries_for_merchant(*, merchant: Merchant) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(endpoint__merchant=merchant)
        .select_related("event", "endpoint")
        .order_by("-created_at", "-id")
    )


def ledger_balances(
    *, merchant: Merchant | None = None, product: Product | None = None
) -> dict[str, dict[str, Decimal]]:
    """Net balance (debits minus credits) of every account, per currency (amounts of two
    currencies never add up), optionally for one merchant or product.

    In each currency the balances of all accounts sum to zero: the trial balance of double
    entry.
    """
    transfers = LedgerTransfer.objects.all()
    if merchant is not None:
        transfers = transfers.filter(merchant=merchant)
    if product is not None:
        transfers = transfers.filter(product=product)
    balances: dict[str, dict[str, Decimal]] = {}

    def accounts(currency: str) -> dict[str, Decimal]:
        return balances.setdefault(currency, {account: Decimal(0) for account in Account.values})

    for row in transfers.values("currency", "debit_account").annotate(total=Sum("amount")):
        accounts(row["currency"])[row["debit_account"]] += row["total"]
    for row in transfers.values("currency", "credit_account").annotate(total=Sum("amount")):
        accounts(row["currency"])[row["credit_account"]] -= row["total"]
    return balances


def merchant_for_user(*, user) -> Merchant | None:
    """The merchant a web user belongs to, if any."""
    if not user.is_authenticated:
        return None
    membership = MerchantMembership.objects.select_related("merchant").filter(user=user).first()
    return membership.merchant if membership else None


def merchant_daily_figures(*, merchant: Merchant, start: date, end: date) -> dict:
    """Per day: policies issued per product, and premiums written and claims paid per
    currency, the money read from the ledger (so the charts agree with the books). Amounts of
    two currencies are never added: the totals and loss ratio are per currency too. Days in
    the local time zone."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    position = {day: n for n, day in enumerate(days)}
    codes = list(Product.objects.order_by("code").values_list("code", flat=True))
    series = {code: {"policies": [0] * len(days)} for code in codes}
    issued = (
        Policy.objects.filter(merchant=merchant, issued_at__date__range=(start, end))
        .annotate(day=TruncDate("issued_at"))
        .values("day", "product__code")
        .annotate(n=Count("id"))
    )
    for row in issued:
        series[row["product__code"]]["policies"][position[row["day"]]] = row["n"]
    money: dict[str, dict[str, list[Decimal]]] = {}
    transfers = (
        LedgerTransfer.objects.filter(
            merchant=merchant,
            created_at__date__range=(start, end),
            kind__in=[TransferKind.PREMIUM_WRITTEN, *CLAIM_PAYOUT_KINDS],
        )
        .annotate(day=TruncDate("created_at"))
        .values("day", "currency", "kind")
        .annotate(total=Sum("amount"))
        .order_by("currency")
    )
    for row in transfers:
        daily = money.setdefault(
            row["currency"],
            {"premiums": [Decimal(0)] * len(days), "claims": [Decimal(0)] * len(days)},
        )
        figure = "premiums" if row["kind"] == TransferKind.PREMIUM_WRITTEN else "claims"
        daily[figure][position[row["day"]]] += row["total"]
    totals = {"policies": sum(sum(s["policies"]) for s in series.values())}
    by_currency = {}
    for currency, daily in money.items():
        premiums, claims = sum(daily["premiums"], Decimal(0)), sum(daily["claims"], Decimal(0))
        by_currency[currency] = {
            "premiums": premiums,
            "claims": claims,
            "loss_ratio": claims / premiums if premiums else None,
        }
    return {
        "days": days,
        "series": series,
        "money": money,
        "totals": totals,
        "by_currency": by_currency,
    }


def product_offers_for_merchant(*, merchant: Merchant) -> list[ProductOffer]:
    """The products a merchant may sell now, by code."""
    offers = []
    for code in product_codes_on_sale():
        with contextlib.suppress(ApplicationError):  # switched off for this merchant
            offers.append(product_offer_for(merchant=merchant, code=code))
    return offers


def own_cover_offers_for_merchant(*, merchant: Merchant) -> list[ProductOffer]:
    """The products a merchant buys for itself rather than sells at checkout: cover whose
    claims the platform files for buyers against the merchant (ClaimTrigger.PLATFORM), such as
    deposit insurance."""
    return [
        offer
        for offer in product_offers_for_merchant(merchant=merchant)
        if offer.product.claim_trigger == ClaimTrigger.PLATFORM
    ]


def own_cover_policies_for_merchant(*, merchant: Merchant) -> QuerySet[Policy]:
    """The merchant's policies of the products it buys for itself, newest first."""
    return (
        policies_for_merchant(merchant=merchant)
        .filter(product__claim_trigger=ClaimTrigger.PLATFORM)
        .order_by("-issued_at", "-id")
    )


def quote_inputs_of(offer: ProductOffer) -> list[dict]:
    """The inputs a quote of this product reads: each one's name, whether it is required, its
    kind (QUOTE_INPUTS) and, where the product limits them, the values it takes."""
    product = offer.product
    factors = {spec["input"]: spec for spec in product.rating_factors}
    read = {product.exposure, *product.required_inputs}
    read.update(name for name in factors if name in QUOTE_INPUTS)
    if {"distance_band"} & set(factors) or product.cover_rule == "distance_band":
        read.update({"buyer_region", "seller_region"})
    if product.term_months_allowed:
        read.add("term_months")
    required = {product.exposure, *product.required_inputs}
    if len(product.term_months_allowed) > 1:
        required.add("term_months")
    values = {
        "term_months": product.term_months_allowed or None,
        "category": sorted(factors["category"]["lookup"]) if "category" in factors else None,
    }
    return [
        {
            "name": name,
            "required": name in required,
            "kind": QUOTE_INPUTS[name],
            "values": values.get(name),
        }
        for name in QUOTE_INPUTS
        if name in read
    ]
