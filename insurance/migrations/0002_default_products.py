"""The three products every deployment sells, with the defaults of ARCHITECTURE.md.

Staff tune them in the admin afterwards; this only inserts rows that are missing.
"""

from django.db import migrations

TRUST_FACTOR = {
    "name": "buyer trust level", "input": "trust_level", "risk": "decreasing",
    "steps": [[0, "3.0"], [1, "2.0"], [2, "1.4"], [3, "1.0"], [4, "0.95"], [5, "0.9"]],
}

DEFAULT_PRODUCTS = [
    {
        "code": "shipping_return",
        "name": "Return-shipping insurance",
        "payer": "buyer",
        "exposure": "order_value",
        "max_exposure": "100000.00",
        "base_amount": "1.20",
        "base_rate": "0",
        "rating_factors": [
            {"name": "product category", "input": "category", "default": "1.0",
             "lookup": {"apparel": "1.5", "shoes": "1.4", "bags": "1.2", "electronics": "1.0",
                        "home": "0.9", "beauty": "0.8", "food": "0.6", "books": "0.5"}},
            {"name": "buyer-to-seller distance", "input": "distance_band", "default": "1.0",
             "lookup": {"same_city": "0.8", "same_province": "0.9", "cross_province": "1.0",
                        "remote": "1.3"}},
            {"name": "buyer's return rate", "input": "buyer_return_rate", "risk": "increasing",
             "steps": [[0, "0.8"], [0.1, "1.0"], [0.25, "1.5"], [0.5, "2.2"], [0.75, "3.0"]]},
            {"name": "merchant's return rate", "input": "merchant_return_rate",
             "risk": "increasing",
             "steps": [[0, "0.9"], [0.1, "1.0"], [0.2, "1.2"], [0.4, "1.6"]]},
            TRUST_FACTOR,
        ],
        "min_premium": "0.50",
        "max_premium": "5.50",
        "cover_rule": "distance_band",
        "cover_table": {"same_city": "6.00", "same_province": "8.00",
                        "cross_province": "12.00", "remote": "25.00"},
        "max_cover": "25.00",
        "max_cover_days": 90,
        "claim_trigger": "return_shipped",
        "claim_window_start": "issuance",
        "claim_window_hours": 24 * 90,
        "photo_required": False,
    },
    {
        "code": "fresh_produce",
        "name": "Fresh-produce spoilage insurance",
        "payer": "buyer",
        "exposure": "order_value",
        "max_exposure": "50000.00",
        "base_amount": "0",
        "base_rate": "0.01500",
        "rating_factors": [
            {"name": "produce category", "input": "category", "default": "1.0",
             "lookup": {"live_seafood": "1.8", "seafood": "1.4", "meat": "1.2", "dairy": "1.1",
                        "fruit": "1.0", "vegetables": "0.8"}},
            {"name": "transit days", "input": "transit_days", "risk": "increasing",
             "steps": [[0, "0.8"], [1, "1.0"], [2, "1.2"], [3, "1.5"], [5, "2.0"]]},
            {"name": "buyer's claim rate", "input": "buyer_claim_rate", "risk": "increasing",
             "steps": [[0, "0.9"], [0.05, "1.0"], [0.15, "1.3"], [0.3, "1.8"]]},
            TRUST_FACTOR,
        ],
        "min_premium": "0.50",
        "max_premium": "300.00",
        "cover_rule": "exposure",
        "cover_table": {},
        "max_cover": "5000.00",
        "max_cover_days": 30,
        "claim_trigger": "claimant",
        "claim_window_start": "delivery",
        "claim_window_hours": 48,
        "photo_required": True,
    },
    {
        "code": "merchant_deposit",
        "name": "Merchant deposit insurance",
        "payer": "seller",
        "exposure": "deposit_amount",
        "max_exposure": "1000000.00",
        "base_amount": "0",
        "base_rate": "0.03000",
        "rating_factors": [
            {"name": "policy term", "input": "term_months", "default": "1.0",
             "lookup": {"6": "0.6", "12": "1.0"}},
            {"name": "merchant's claim rate", "input": "merchant_claim_rate",
             "risk": "increasing",
             "steps": [[0, "1.0"], [0.1, "1.2"], [0.25, "1.5"]]},
        ],
        "min_premium": "30.00",
        "max_premium": "30000.00",
        "cover_rule": "exposure",
        "cover_table": {},
        "max_cover": "1000000.00",
        "term_months_allowed": [6, 12],
        "claim_trigger": "platform",
        "claim_window_start": "issuance",
        "claim_window_hours": 24 * 366,
        "photo_required": False,
    },
]


def insert_default_products(apps, schema_editor):
    Product = apps.get_model("insurance", "Product")
    for fields in DEFAULT_PRODUCTS:
        Product.objects.get_or_create(code=fields["code"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("insurance", "0001_initial")]

    operations = [migrations.RunPython(insert_default_products, migrations.RunPython.noop)]
