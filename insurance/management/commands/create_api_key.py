from django.core.management.base import BaseCommand, CommandError

from insurance.models import Merchant
from insurance.services.api_keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a merchant and print it once (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument("--name", default="created from the command line")

    def handle(self, *args, merchant: str, name: str, **options) -> None:
        try:
            owner = Merchant.objects.get(slug=merchant)
        except Merchant.DoesNotExist:
            raise CommandError(f"No merchant with slug {merchant!r}.") from None
        api_key, raw_key = api_key_create(merchant=owner, name=name)
        self.stderr.write(
            f"API key {api_key.prefix}… for {owner.slug}; store it now, it is not shown again:"
        )
        self.stdout.write(raw_key)
