from django.core.management.base import BaseCommand, CommandError

from insurance.models import Merchant
from insurance.services.api_keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a merchant and print it once (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument("--name", default="created from the command line")
        parser.add_argument(
            "--rate-limit", type=int, default=None, help="requests per minute (default: platform's)"
        )

    def handle(self, *args, merchant: str, name: str, rate_limit: int | None, **options) -> None:
        try:
            owner = Merchant.objects.get(slug=merchant)
        except Merchant.DoesNotExist:
            raise CommandError(f"No merchant with slug {merchant!r}.") from None
        api_key, raw_key = api_key_create(
            merchant=owner, name=name, rate_limit_per_minute=rate_limit
        )
        self.stderr.write(
            f"API key {api_key.prefix}… for {owner.slug}; store it now, it is not shown again:"
        )
        self.stdout.write(raw_key)
