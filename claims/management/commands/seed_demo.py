"""Demo data for the quick start: a merchant and its API key, logins, policies and claims.

Safe to run again: it adds what is missing, and rotates the demo API key (printed once).
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from claims.demo import produce_photo_file
from claims.services import claim_submit
from insurance.models import ApiKey, Merchant, MerchantMembership
from insurance.services.api_keys import api_key_create, api_key_revoke, merchant_create
from insurance.services.policies import BindRequest, CoverRequest, policy_bind

DEMO_MERCHANT = "demo-shop"
DEMO_KEY_NAME = "demo"
REVIEWERS_GROUP = "Claims reviewers"
ACTOR = "system:seed_demo"
# (username, password, role). Demo logins only: make run is not a production deployment.
DEMO_LOGINS = [
    ("admin", "admin", "staff"),
    ("reviewer", "reviewer", "reviewer"),
    ("merchant", "merchant", "merchant"),
]


class Command(BaseCommand):
    help = "Create demo data (idempotent) and print the demo logins and a fresh demo API key."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="where the web server listens"
        )

    def handle(self, *args, base_url: str, **options) -> None:
        with transaction.atomic():
            merchant = Merchant.objects.filter(slug=DEMO_MERCHANT).first() or merchant_create(
                slug=DEMO_MERCHANT, name="Demo Fresh Market"
            )
            self._logins(merchant)
            for old_key in ApiKey.objects.filter(merchant=merchant, name=DEMO_KEY_NAME):
                api_key_revoke(api_key=old_key)
            _, raw_key = api_key_create(merchant=merchant, name=DEMO_KEY_NAME)
            created = self._policies_and_claims(merchant) if not merchant.policies.exists() else 0
        self.stdout.write(f"Demo merchant: {merchant.slug} ({created} policies created)")
        self.stdout.write(f"Demo API key (shown once, the previous demo key is revoked): {raw_key}")
        for username, password, role in DEMO_LOGINS:
            self.stdout.write(f"Login ({role}): {username} / {password}")
        base_url = base_url.rstrip("/")
        self.stdout.write(f"Web UI:   {base_url}/")
        self.stdout.write(f"API docs: {base_url}/api/docs/  (schema: {base_url}/api/schema/)")
        self.stdout.write(f"Admin:    {base_url}/admin/")
        self.stdout.write(f"Health:   {base_url}/healthz")

    def _logins(self, merchant: Merchant) -> None:
        users = get_user_model().objects
        reviewers, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
        for username, password, role in DEMO_LOGINS:
            if users.filter(username=username).exists():
                continue
            if role == "staff":
                users.create_superuser(username=username, password=password)
            elif role == "reviewer":
                users.create_user(username=username, password=password, is_staff=True).groups.add(
                    reviewers
                )
            else:
                user = users.create_user(username=username, password=password)
                MerchantMembership.objects.create(user=user, merchant=merchant)

    def _policies_and_claims(self, merchant: Merchant) -> int:
        policies = []
        for number in range(1, 13):
            cover = CoverRequest(
                product="fresh_produce" if number % 2 else "shipping_return",
                order_value=Decimal(40 + number * 17),
                buyer_ref=f"buyer-{number % 5}",
                category="fruit" if number % 2 else "apparel",
                buyer_region="CN-SH",
                transit_days=1 + number % 3,
            )
            bind = BindRequest(order_ref=f"DEMO-{number:04d}", cover=cover)
            policies.append(policy_bind(merchant=merchant, bind=bind, actor=ACTOR))
        for policy in policies[:6]:
            photos = (
                [produce_photo_file(seed=policy.pk)]
                if policy.product.code == "fresh_produce"
                else []
            )
            claim_submit(
                merchant=merchant,
                policy_id=policy.pk,
                claimant_ref=policy.buyer_ref,
                amount=min(policy.cover, policy.exposure_amount),
                description="Arrived spoiled.",
                photos=photos,
                actor=ACTOR,
            )
        # One claim above the cover, so the demo shows a hard-rule rejection with its reason.
        over = policies[6]
        claim_submit(
            merchant=merchant,
            policy_id=over.pk,
            claimant_ref=over.buyer_ref,
            amount=over.cover + Decimal("100.00"),
            description="Asks too much.",
            photos=[produce_photo_file(seed=999)],
            actor=ACTOR,
        )
        return len(policies)
