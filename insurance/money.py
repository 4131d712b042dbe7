"""Money is a Decimal plus an ISO currency; rounding to the minor unit happens here only."""

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_CURRENCY = "CNY"
# Digits after the decimal point per ISO 4217 currency we sell in.
MINOR_UNITS = {"CNY": 2, "HKD": 2, "USD": 2, "EUR": 2, "JPY": 0}
CURRENCY_CHOICES = [(code, code) for code in MINOR_UNITS]
# Columns hold up to 10^12 in the largest unit with room for the minor unit.
MONEY_DIGITS = 14
MONEY_DECIMALS = 2


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (0.005 CNY -> 0.01 CNY)."""
    exponent = Decimal(1).scaleb(-MINOR_UNITS[currency])
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def money_text(amount: Decimal, currency: str) -> str:
    """An amount as clients read it: in its currency's minor unit (JPY 1500, CNY 1500.00)."""
    return str(quantize(amount, currency))


def has_minor_unit_precision(amount: Decimal, currency: str) -> bool:
    """False when the amount has more decimals than its currency (100.50 JPY)."""
    return amount == quantize(amount, currency)


def prorate(amount: Decimal, numerator: float, denominator: float, currency: str) -> Decimal:
    """amount x numerator / denominator, held within [0, amount] and rounded (refunds)."""
    if denominator <= 0:
        return Decimal(0)
    share = min(max(Decimal(str(numerator)) / Decimal(str(denominator)), Decimal(0)), Decimal(1))
    return quantize(amount * share, currency)
