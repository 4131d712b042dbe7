"""Demo data for the quick start: a merchant and its API key, logins, policies and claims.

Safe to run again: it adds what is missing, and rotates the demo API key (printed once). The
claims are decided by the worker once it starts, like real ones.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from claims.demo import produce_photo
from claims.models import REVIEWERS_GROUP
from claims.photos import photo_check
from claims.services import claim_file_for_buyer, claim_submit
from insurance.models import ApiKey, Merchant, MerchantMembership, OrderEventKind
from insurance.services.api_keys import api_key_create, api_key_revoke, merchant_create
from insurance.services.orders import order_event_record
from insurance.services.policies import BindRequest, CoverRequest, policy_bind

DEMO_MERCHANT = "demo-shop"
DEMO_KEY_NAME = "demo"
ACTOR = "system:seed_demo"
# (username, password, role). Demo logins only: make run is not a production deployment.
DEMO_LOGINS = [
    ("admin", "admin", "staff"),
    ("reviewer", "reviewer", "reviewer"),
    ("merchant", "merchant", "merchant"),
]


def _photo(seed: int):
    return photo_check(SimpleUploadedFile(f"produce-{seed}.jpg", produce_photo(seed=seed)))


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
            created = 0 if merchant.policies.exists() else self._business(merchant)
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
                users.create_user(username=username, password=password).groups.add(reviewers)
            else:
                user = users.create_user(username=username, password=password)
                MerchantMembership.objects.create(user=user, merchant=merchant)

    def _bind(self, merchant: Merchant, order_ref: str, **cover) -> object:
        bind = BindRequest(order_ref=order_ref, cover=CoverRequest(**cover))
        return policy_bind(merchant=merchant, bind=bind, actor=ACTOR)

    def _event(self, merchant: Merchant, order_ref: str, kind: str, **extra) -> None:
        order_event_record(
            merchant=merchant,
            order_ref=order_ref,
            kind=kind,
            occurred_at=timezone.now(),
            actor=ACTOR,
            **extra,
        )

    def _business(self, merchant: Merchant) -> int:
        """A few days of business: what a merchant and a reviewer would see."""
        produce, shipping = [], []
        for number in range(1, 9):
            produce.append(
                self._bind(
                    merchant,
                    f"DEMO-F{number:03d}",
                    product="fresh_produce",
                    order_value=Decimal(60 + number * 23),
                    buyer_ref=f"buyer-{number}",
                    category="live_seafood" if number % 3 == 0 else "fruit",
                    transit_days=1 + number % 3,
                )
            )
            shipping.append(
                self._bind(
                    merchant,
                    f"DEMO-S{number:03d}",
                    product="shipping_return",
                    order_value=Decimal(99 + number * 31),
                    buyer_ref=f"buyer-{number}",
                    category="apparel",
                    buyer_region=["CN-SH", "CN-GD", "CN-XJ"][number % 3],
                )
            )
            self._event(merchant, f"DEMO-F{number:03d}", OrderEventKind.DELIVERED)
        deposit = self._bind(
            merchant,
            "DEPOSIT-2026",
            product="merchant_deposit",
            deposit_amount=Decimal("20000.00"),
            term_months=12,
        )
        # Spoilage claims with new photos (paid by the worker) ...
        for policy in produce[:3]:
            claim_submit(
                merchant=merchant,
                policy_id=policy.pk,
                claimant_ref=policy.buyer_ref,
                amount=policy.cover,
                description="Arrived spoiled.",
                photos=[_photo(seed=policy.pk)],
                actor=ACTOR,
            )
        # ... one reusing the first claim's photo from another buyer (goes to a reviewer) ...
        claim_submit(
            merchant=merchant,
            policy_id=produce[3].pk,
            claimant_ref="buyer-4",
            amount=produce[3].cover,
            description="Crabs dead on arrival.",
            photos=[_photo(seed=produce[0].pk)],
            actor=ACTOR,
        )
        # ... and one asking for more than the cover (rejected, with its reason).
        claim_submit(
            merchant=merchant,
            policy_id=produce[4].pk,
            claimant_ref="buyer-5",
            amount=produce[4].cover + Decimal("100.00"),
            description="Asks too much.",
            photos=[_photo(seed=999)],
            actor=ACTOR,
        )
        # Returns that open their claims, orders that complete, and a deposit claim.
        for policy in shipping[:4]:
            self._event(merchant, policy.order_ref, OrderEventKind.DELIVERED)
            self._event(
                merchant,
                policy.order_ref,
                "return_shipped",
                tracking_number=f"SF{policy.pk:010d}",
            )
        for policy in shipping[4:6]:
            self._event(merchant, policy.order_ref, OrderEventKind.COMPLETED)
        claim_file_for_buyer(
            policy_id=deposit.pk,
            claimant_ref="buyer-9",
            amount=Decimal("350.00"),
            description="Merchant refused a refund for an undelivered order.",
            actor=ACTOR,
        )
        return len(produce) + len(shipping) + 1
