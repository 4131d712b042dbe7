"""Pricing: deterministic and explainable. Same inputs, same price, and a breakdown that says why.

    premium = (base_amount + exposure x base_rate) x factor_1 x ... x factor_n
              held between the minimum and maximum premium, rounded to the currency's minor unit

Each factor comes from the product's `rating_factors`, a list of one of two shapes:

    {"name": "category", "input": "category", "lookup": {"live_seafood": "1.8"}, "default": "1"}
    {"name": "buyer returns", "input": "buyer_return_rate", "risk": "increasing",
     "steps": [[0, "0.8"], [0.1, "1.0"], [0.25, "1.5"]]}

A step factor takes the factor of the last threshold at or below the input. Its factors must
rise with the input when risk is "increasing" (or fall when "decreasing"), so that the premium
is monotone in every risk input; validate_rating_factors enforces that for staff edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from insurance.money import quantize

# What a factor can read: inputs of the quote request and history the platform holds.
CATEGORICAL_INPUTS = {"category", "distance_band", "term_months"}
NUMERIC_INPUTS = {
    "transit_days",
    "buyer_return_rate",
    "buyer_claim_rate",
    "merchant_return_rate",
    "merchant_claim_rate",
    "trust_level",
}

# Buyer-to-seller distance bands, nearest first. Regions are ISO 3166-2 province codes with an
# optional city: "CN-ZJ" or "CN-ZJ/Hangzhou".
DISTANCE_BANDS = ("same_city", "same_province", "cross_province", "remote")
# Provinces couriers price as remote (far west and north).
REMOTE_PROVINCES = frozenset({"CN-XZ", "CN-XJ", "CN-QH", "CN-NM", "CN-GS", "CN-NX"})


def distance_band(buyer_region: str, seller_region: str) -> str:
    buyer_province, _, buyer_city = buyer_region.upper().partition("/")
    seller_province, _, seller_city = seller_region.upper().partition("/")
    if REMOTE_PROVINCES & {buyer_province, seller_province}:
        return "remote"
    if buyer_province != seller_province:
        return "cross_province"
    if buyer_city and buyer_city == seller_city:
        return "same_city"
    return "same_province"


@dataclass(frozen=True)
class ProductTerms:
    """A product's rating configuration with a merchant's own terms applied."""

    code: str
    currency: str
    exposure: str
    max_exposure: Decimal
    base_amount: Decimal
    base_rate: Decimal
    rating_factors: list
    min_premium: Decimal
    max_premium: Decimal
    cover_rule: str
    cover_table: dict
    max_cover: Decimal


@dataclass(frozen=True)
class RatingInputs:
    """Everything the price depends on, already validated."""

    exposure_amount: Decimal
    values: dict = field(default_factory=dict)  # input name -> str (categorical) or Decimal


@dataclass(frozen=True)
class Price:
    premium: Decimal
    cover: Decimal
    currency: str
    breakdown: dict


def _factor_for(spec: dict, value) -> Decimal:
    if "lookup" in spec:
        return Decimal(spec["lookup"].get(str(value), spec.get("default", "1")))
    if value is None:
        raise ValueError(f"The rating input {spec['input']} is missing.")
    factor = Decimal(spec["steps"][0][1])
    for threshold, step_factor in spec["steps"]:
        if Decimal(str(threshold)) <= value:
            factor = Decimal(step_factor)
    return factor


def _cover(terms: ProductTerms, inputs: RatingInputs) -> Decimal:
    if terms.cover_rule == "distance_band":
        cover = Decimal(terms.cover_table[inputs.values["distance_band"]])
    else:
        cover = inputs.exposure_amount
    return quantize(min(cover, terms.max_cover), terms.currency)


def price(terms: ProductTerms, inputs: RatingInputs) -> Price:
    base = terms.base_amount + inputs.exposure_amount * terms.base_rate
    raw = base
    factors = []
    for spec in terms.rating_factors:
        value = inputs.values.get(spec["input"])
        factor = _factor_for(spec, value)
        raw *= factor
        factors.append(
            {
                "name": spec["name"],
                "input": spec["input"],
                "value": str(value),
                "factor": str(factor),
            }
        )
    bounded = min(max(raw, terms.min_premium), terms.max_premium)
    premium = quantize(bounded, terms.currency)
    breakdown = {
        "base": str(quantize(base, terms.currency)),
        "base_amount": str(terms.base_amount),
        "base_rate": str(terms.base_rate),
        "exposure": str(inputs.exposure_amount),
        "factors": factors,
        "unbounded_premium": str(raw.quantize(Decimal("0.0001"))),
        "bounded_by": (
            "min_premium"
            if raw < terms.min_premium
            else "max_premium"
            if raw > terms.max_premium
            else None
        ),
        "premium": str(premium),
    }
    return Price(
        premium=premium, cover=_cover(terms, inputs), currency=terms.currency, breakdown=breakdown
    )


# --- Validation of staff-edited configuration -------------------------------------------------
def _decimal(value, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(f"{where}: {value!r} is not a number.") from None
    if not number.is_finite():
        raise ValidationError(f"{where}: {value!r} is not a finite number.")
    return number


def _validate_factor(spec: dict, where: str) -> None:
    if not isinstance(spec, dict) or not spec.get("name") or not spec.get("input"):
        raise ValidationError(f"{where}: each factor needs a name and an input.")
    name, source = spec["name"], spec["input"]
    if ("lookup" in spec) == ("steps" in spec):
        raise ValidationError(f"{where} ({name}): give either a lookup table or steps.")
    if "lookup" in spec:
        if source not in CATEGORICAL_INPUTS:
            raise ValidationError(
                f"{where} ({name}): lookup input must be one of {sorted(CATEGORICAL_INPUTS)}."
            )
        if not isinstance(spec["lookup"], dict) or not spec["lookup"]:
            raise ValidationError(f"{where} ({name}): the lookup table is empty.")
        factors = [_decimal(v, f"{where} ({name})") for v in spec["lookup"].values()]
        factors.append(_decimal(spec.get("default", "1"), f"{where} ({name}) default"))
    else:
        if source not in NUMERIC_INPUTS:
            raise ValidationError(
                f"{where} ({name}): steps input must be one of {sorted(NUMERIC_INPUTS)}."
            )
        if spec.get("risk") not in {"increasing", "decreasing"}:
            raise ValidationError(f"{where} ({name}): risk must be increasing or decreasing.")
        steps = spec["steps"]
        if (
            not isinstance(steps, list)
            or not steps
            or not all(isinstance(step, list | tuple) and len(step) == 2 for step in steps)
        ):
            raise ValidationError(f"{where} ({name}): steps are [threshold, factor] pairs.")
        thresholds = [_decimal(t, f"{where} ({name})") for t, _ in steps]
        factors = [_decimal(f, f"{where} ({name})") for _, f in steps]
        if thresholds != sorted(set(thresholds)):
            raise ValidationError(f"{where} ({name}): thresholds must strictly increase.")
        rising = spec["risk"] == "increasing"
        if (factors if rising else factors[::-1]) != sorted(factors):
            direction = "rise" if rising else "fall"
            raise ValidationError(
                f"{where} ({name}): factors must {direction} with the input, so the premium "
                "is monotone in this risk."
            )
    if any(f <= 0 for f in factors):
        raise ValidationError(f"{where} ({name}): factors must be positive.")


def validate_rating_factors(factors) -> None:
    if not isinstance(factors, list):
        raise ValidationError("rating_factors must be a list of factors.")
    for number, spec in enumerate(factors, start=1):
        _validate_factor(spec, f"factor {number}")


def validate_cover_table(cover_rule: str, table) -> None:
    if cover_rule != "distance_band":
        return
    if not isinstance(table, dict) or set(table) != set(DISTANCE_BANDS):
        raise ValidationError(f"cover_table needs exactly the bands {list(DISTANCE_BANDS)}.")
    for band, amount in table.items():
        if _decimal(amount, f"cover_table {band}") < 0:
            raise ValidationError(f"cover_table {band}: the cover cannot be negative.")
