"""Pricing of a policy from its product's configuration. Deterministic: same inputs, same price."""

from dataclasses import dataclass
from decimal import Decimal

from insurance.models import Product
from insurance.money import quantize


@dataclass(frozen=True)
class Price:
    premium: Decimal
    cover: Decimal
    currency: str


def price_policy(*, product: Product, order_value: Decimal) -> Price:
    currency = product.currency
    raw_premium = order_value * product.rate
    premium = min(max(raw_premium, product.min_premium), product.max_premium)
    cover = (
        product.fixed_cover
        if product.fixed_cover is not None
        else min(order_value, product.max_cover)
    )
    return Price(
        premium=quantize(premium, currency), cover=quantize(cover, currency), currency=currency
    )
