from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "insurance"
    verbose_name = "Insurance: merchants, products, policies"

    def ready(self) -> None:
        from insurance.api import schema  # noqa: F401 - registers the OpenAPI auth extension
