import factory

from insurance.models import Merchant
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
