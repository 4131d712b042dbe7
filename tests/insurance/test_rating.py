"""Pricing properties: bounded, rounded, deterministic, monotone in every risk input."""

import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from insurance.money import quantize
from insurance.rating import (
    DISTANCE_BANDS,
    ProductTerms,
    RatingInputs,
    distance_band,
    price,
    validate_rating_factors,
)

DEFAULTS = importlib.import_module("insurance.migrations.0002_default_products").DEFAULT_PRODUCTS


def terms_from(config: dict, **changes) -> ProductTerms:
    config = {**config, **changes}
    return ProductTerms(
        code=config["code"],
        currency="CNY",
        exposure=config["exposure"],
        max_exposure=Decimal(config["max_exposure"]),
        base_amount=Decimal(config["base_amount"]),
        base_rate=Decimal(config["base_rate"]),
        rating_factors=config["rating_factors"],
        min_premium=Decimal(config["min_premium"]),
        max_premium=Decimal(config["max_premium"]),
        cover_rule=config["cover_rule"],
        cover_table=config["cover_table"],
        max_cover=Decimal(config["max_cover"]),
    )


PRODUCTS = {config["code"]: terms_from(config) for config in DEFAULTS}

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)
rate = st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=3)
values = st.fixed_dictionaries(
    {
        "category": st.sampled_from(["apparel", "fruit", "live_seafood", "books", "unknown", ""]),
        "distance_band": st.sampled_from(DISTANCE_BANDS),
        "term_months": st.sampled_from(["6", "12"]),
        "transit_days": st.integers(0, 10).map(Decimal),
        "buyer_return_rate": rate,
        "buyer_claim_rate": rate,
        "merchant_return_rate": rate,
        "merchant_claim_rate": rate,
        "trust_level": st.integers(0, 5).map(Decimal),
    }
)


@settings(max_examples=300)
@given(code=st.sampled_from(sorted(PRODUCTS)), exposure=money, values=values)
def test_premium_is_within_bounds_rounded_and_deterministic(code, exposure, values):
    terms = PRODUCTS[code]
    inputs = RatingInputs(exposure_amount=exposure, values=values)

    first, second = price(terms, inputs), price(terms, inputs)

    assert terms.min_premium <= first.premium <= terms.max_premium
    assert first.premium == quantize(first.premium, "CNY")
    assert first.premium.as_tuple().exponent == -2
    assert first == second
    assert 0 <= first.cover <= terms.max_cover


def _steps_factors(terms: ProductTerms) -> list[dict]:
    return [spec for spec in terms.rating_factors if "steps" in spec]


@settings(max_examples=300)
@given(
    code=st.sampled_from(sorted(PRODUCTS)),
    exposure=money,
    values=values,
    bump=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(5), places=3),
    data=st.data(),
)
def test_premium_is_monotone_in_each_risk_input(code, exposure, values, bump, data):
    terms = PRODUCTS[code]
    spec = data.draw(st.sampled_from(_steps_factors(terms)))
    riskier = dict(values)
    # More of an "increasing" risk, or less of a "decreasing" one (trust), is riskier.
    sign = 1 if spec["risk"] == "increasing" else -1
    riskier[spec["input"]] = values[spec["input"]] + sign * bump

    base = price(terms, RatingInputs(exposure_amount=exposure, values=values)).premium
    risky = price(terms, RatingInputs(exposure_amount=exposure, values=riskier)).premium

    assert risky >= base, (spec["name"], values[spec["input"]], riskier[spec["input"]])


@settings(max_examples=200)
@given(code=st.sampled_from(sorted(PRODUCTS)), exposure=money, more=money, values=values)
def test_premium_is_monotone_in_the_exposure(code, exposure, more, values):
    terms = PRODUCTS[code]

    low = price(terms, RatingInputs(exposure_amount=exposure, values=values)).premium
    high = price(terms, RatingInputs(exposure_amount=exposure + more, values=values)).premium

    assert high >= low


step_factor = st.builds(
    lambda thresholds, factors, rising: {
        "name": "generated",
        "input": "buyer_return_rate",
        "risk": "increasing" if rising else "decreasing",
        "steps": [
            [str(t), str(f)]
            for t, f in zip(sorted(thresholds), sorted(factors, reverse=not rising), strict=False)
        ],
    },
    st.sets(st.decimals(min_value=0, max_value=1, places=2), min_size=1, max_size=6),
    st.lists(st.decimals(min_value=Decimal("0.1"), max_value=5, places=2), min_size=6, max_size=6),
    st.booleans(),
)


@settings(max_examples=200)
@given(spec=step_factor, value=rate, bump=rate, exposure=money)
def test_any_configuration_staff_can_save_is_monotone(spec, value, bump, exposure):
    validate_rating_factors([spec])  # what the admin checks before saving
    terms = terms_from(DEFAULTS[1], rating_factors=[spec], min_premium="0", max_premium="1000000")
    sign = 1 if spec["risk"] == "increasing" else -1

    def premium(v):
        return price(
            terms, RatingInputs(exposure_amount=exposure, values={"buyer_return_rate": v})
        ).premium

    assert premium(value + sign * bump) >= premium(value)


def test_the_breakdown_explains_the_premium():
    terms = PRODUCTS["fresh_produce"]
    inputs = RatingInputs(
        exposure_amount=Decimal("200.00"),
        values={
            "category": "live_seafood",
            "transit_days": Decimal(2),
            "buyer_claim_rate": Decimal("0.05"),
            "trust_level": Decimal(3),
        },
    )

    result = price(terms, inputs)

    # 200 x 1.5% = 3.00; x 1.8 (live seafood) x 1.2 (2 days) x 1.0 (claims) x 1.0 (trust)
    assert result.breakdown["base"] == "3.00"
    assert [(f["name"], f["factor"]) for f in result.breakdown["factors"]] == [
        ("produce category", "1.8"),
        ("transit days", "1.2"),
        ("buyer's claim rate", "1.0"),
        ("buyer trust level", "1.0"),
    ]
    assert result.premium == Decimal("6.48")
    assert result.cover == Decimal("200.00")
    assert result.breakdown["bounded_by"] is None


def test_a_tiny_order_is_held_at_the_minimum_premium_and_says_so():
    result = price(
        PRODUCTS["fresh_produce"],
        RatingInputs(
            exposure_amount=Decimal("5.00"),
            values={
                "category": "vegetables",
                "transit_days": Decimal(0),
                "buyer_claim_rate": Decimal("0.05"),
                "trust_level": Decimal(3),
            },
        ),
    )

    assert result.premium == Decimal("0.50")
    assert result.breakdown["bounded_by"] == "min_premium"


@pytest.mark.parametrize(
    ("buyer", "seller", "band"),
    [
        ("CN-ZJ/Hangzhou", "CN-ZJ/hangzhou", "same_city"),
        ("CN-ZJ/Ningbo", "CN-ZJ/Hangzhou", "same_province"),
        ("CN-ZJ", "CN-ZJ", "same_province"),
        ("CN-SH", "CN-ZJ", "cross_province"),
        ("CN-XJ/Urumqi", "CN-ZJ", "remote"),
        ("CN-ZJ", "CN-XZ", "remote"),
    ],
)
def test_distance_bands(buyer, seller, band):
    assert distance_band(buyer, seller) == band


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {
                "name": "x",
                "input": "buyer_return_rate",
                "risk": "increasing",
                "steps": [[0, "1.5"], [0.5, "1.0"]],
            },
            "must rise",
        ),
        (
            {
                "name": "x",
                "input": "trust_level",
                "risk": "decreasing",
                "steps": [[0, "1.0"], [3, "2.0"]],
            },
            "must fall",
        ),
        (
            {
                "name": "x",
                "input": "buyer_return_rate",
                "risk": "increasing",
                "steps": [[0.5, "1.0"], [0.1, "1.2"]],
            },
            "strictly increase",
        ),
        (
            {"name": "x", "input": "shoe_size", "risk": "increasing", "steps": [[0, "1"]]},
            "steps input must be one of",
        ),
        ({"name": "x", "input": "category", "lookup": {"a": "-1"}}, "positive"),
        ({"name": "x", "input": "category", "lookup": {"a": "cheap"}}, "not a number"),
        ({"name": "x", "input": "category"}, "either a lookup table or steps"),
    ],
)
def test_staff_cannot_save_a_rating_table_that_breaks_the_rules(spec, message):
    with pytest.raises(ValidationError, match=message):
        validate_rating_factors([spec])


@pytest.mark.django_db
def test_the_default_products_pass_the_checks_staff_edits_pass():
    from insurance.models import Product

    for product in Product.objects.all():
        product.full_clean()
