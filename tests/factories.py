import importlib
from decimal import Decimal

import factory
from django.apps import apps

from insurance.models import Merchant, Policy, Product
from insurance.services.api_keys import api_key_create


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    slug = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.Sequence(lambda n: f"Shop {n}")


class ApiKeyFactory:
    """Keys are made only by the service, which returns the raw key once."""

    @staticmethod
    def create_raw(*, merchant: Merchant, name: str = "test") -> str:
        _, raw_key = api_key_create(merchant=merchant, name=name)
        return raw_key


class PolicyFactory(factory.django.DjangoModelFactory):
    """A policy row for tests that need history; issuance itself goes through the API."""

    class Meta:
        model = Policy

    merchant = factory.SubFactory(MerchantFactory)
    product = factory.LazyFunction(lambda: Product.objects.get(code="shipping_return"))
    order_ref = factory.Sequence(lambda n: f"ORDER-{n}")
    buyer_ref = factory.Sequence(lambda n: f"buyer-{n}")
    payer = "buyer"
    exposure_amount = Decimal("100.00")
    premium = Decimal("2.00")
    cover = Decimal("12.00")
    claim_window_hours = 48


def ensure_default_products() -> None:
    """Put back the products and claim rules the data migrations insert (a transactional
    test's flush empties every table)."""
    products = importlib.import_module("insurance.migrations.0002_default_products")
    products.insert_default_products(apps, schema_editor=None)
    terms = importlib.import_module("insurance.migrations.0007_products_as_data")
    terms.terms_as_data(apps, schema_editor=None)
    rules = importlib.import_module("claims.migrations.0002_default_claim_rules")
    rules.insert_default_rules(apps, schema_editor=None)
