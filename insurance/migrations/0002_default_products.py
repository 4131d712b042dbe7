"""The three products every deployment sells, with the defaults of ARCHITECTURE.md.

Staff tune them in the admin afterwards; this only inserts rows that are missing.
"""

from decimal import Decimal

from django.db import migrations

DEFAULT_PRODUCTS = [
    {
        "code": "shipping_return",
        "name": "Return-shipping insurance",
        "payer": "buyer",
        "rate": Decimal("0.01000"),
        "min_premium": Decimal("0.50"),
        "max_premium": Decimal("5.50"),
        "fixed_cover": Decimal("12.00"),
        "max_cover": Decimal("25.00"),
        "claim_window_hours": 24 * 30,
        "photo_required": False,
    },
    {
        "code": "fresh_produce",
        "name": "Fresh-produce spoilage insurance",
        "payer": "buyer",
        "rate": Decimal("0.02000"),
        "min_premium": Decimal("0.50"),
        "max_premium": Decimal("300.00"),
        "fixed_cover": None,
        "max_cover": Decimal("5000.00"),
        "claim_window_hours": 48,
        "photo_required": True,
    },
    {
        "code": "merchant_deposit",
        "name": "Merchant deposit insurance",
        "payer": "seller",
        "rate": Decimal("0.03000"),
        "min_premium": Decimal("30.00"),
        "max_premium": Decimal("30000.00"),
        "fixed_cover": None,
        "max_cover": Decimal("1000000.00"),
        "claim_window_hours": 24 * 365,
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
