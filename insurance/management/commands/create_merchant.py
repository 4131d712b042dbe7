from django.core.management.base import BaseCommand, CommandError

from insurance.models import Merchant
from insurance.services.api_keys import merchant_create


class Command(BaseCommand):
    help = "Create a merchant (a tenant). Give it an API key with create_api_key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--region", default="CN-ZJ", help="where it ships from, e.g. CN-ZJ")

    def handle(self, *args, slug: str, name: str, region: str, **options) -> None:
        if Merchant.objects.filter(slug=slug).exists():
            raise CommandError(f"A merchant with slug {slug!r} already exists.")
        merchant = merchant_create(slug=slug, name=name, region=region)
        self.stdout.write(f"Merchant {merchant.slug} created.")
