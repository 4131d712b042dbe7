"""Adjudication thresholds for the default products; staff tune them in the admin."""

from django.db import migrations

DEFAULT_RULES = {
    # Courier fees are small and returns frequent: only a return spree is looked at.
    "shipping_return": {"auto_approve_max_amount": "30.00", "velocity_max_claims": 10,
                        "velocity_window_hours": 24 * 7, "min_trust_level": 2},
    "fresh_produce": {"auto_approve_max_amount": "1000.00", "velocity_max_claims": 3,
                      "velocity_window_hours": 24 * 7, "min_trust_level": 2},
    # The platform already ruled on these: pay, then recover from the merchant.
    "merchant_deposit": {"auto_approve_max_amount": "50000.00", "velocity_max_claims": 20,
                         "velocity_window_hours": 24 * 30, "min_trust_level": 0},
}


def insert_default_rules(apps, schema_editor):
    Product = apps.get_model("insurance", "Product")
    ClaimRules = apps.get_model("claims", "ClaimRules")
    for product in Product.objects.filter(code__in=DEFAULT_RULES):
        ClaimRules.objects.get_or_create(product=product, defaults=DEFAULT_RULES[product.code])


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial"), ("insurance", "0002_default_products")]

    operations = [migrations.RunPython(insert_default_rules, migrations.RunPython.noop)]
