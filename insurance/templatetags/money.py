"""Money and percentages for the web pages, formatted for the reader's language."""

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import get_language

from insurance.money import MINOR_UNITS

register = template.Library()

SYMBOLS = {"CNY": "¥", "HKD": "HK$", "USD": "US$", "EUR": "€", "JPY": "JP¥"}


@register.filter
def money(amount, currency: str = "CNY") -> str:
    """`¥1,234.50` in Chinese, `CNY 1,234.50` in English: grouped, in the currency's minor
    unit (`JPY 1,500`)."""
    if amount in (None, ""):
        return "—"
    decimals = MINOR_UNITS.get(currency, 2)
    number = formats.number_format(Decimal(amount), decimals, use_l10n=True, force_grouping=True)
    if (get_language() or "").startswith("zh"):
        return f"{SYMBOLS.get(currency, currency)}{number}"
    return f"{currency} {number}"


@register.filter
def percent(ratio) -> str:
    if ratio is None:
        return "—"
    return formats.number_format(Decimal(ratio) * 100, 1, use_l10n=True) + "%"


@register.filter
def change(ratio, unit: str = "%") -> str:
    """A figure's move against another period, signed: +12.5% (a share of itself), or with
    unit "" the move of a ratio in percentage points (-3.0, with a minus sign)."""
    if ratio is None:
        return "—"
    sign = "+" if ratio >= 0 else "\N{MINUS SIGN}"
    return sign + formats.number_format(abs(Decimal(ratio)) * 100, 1, use_l10n=True) + unit
