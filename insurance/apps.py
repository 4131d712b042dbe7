from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_offers(**kwargs) -> None:
    from insurance.selectors import product_offers_forget

    product_offers_forget()


def _forget_endpoints(**kwargs) -> None:
    from insurance.selectors import webhook_endpoints_forget

    webhook_endpoints_forget()


def _announce_key_change(**kwargs) -> None:
    from insurance.key_changes import api_key_changes_announce

    api_key_changes_announce()


class InsuranceConfig(AppConfig):
    name = "insurance"
    verbose_name = "Insurance: merchants, products, policies"

    def ready(self) -> None:
        from insurance.api import schema  # noqa: F401 - registers the OpenAPI auth extension
        from insurance.models import ApiKey, MerchantProductTerms, Product, WebhookEndpoint

        # Cache invalidation only (insurance.selectors): these receivers hold no business rule.
        for signal in (post_save, post_delete):
            signal.connect(_forget_offers, sender=Product)
            signal.connect(_forget_offers, sender=MerchantProductTerms)
            signal.connect(_forget_endpoints, sender=WebhookEndpoint)
            signal.connect(_announce_key_change, sender=ApiKey)
