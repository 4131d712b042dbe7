"""Demo data for the quick start: a merchant and its API key, logins, and 90 days of business.

Safe to run again: it adds what is missing, and rotates the demo API key (printed once).

The business is recorded as it would have happened: each checkout, delivery, return, claim and
payout runs through the services at its own moment of the last 90 days (config.clock), and
the worker's part (screening a claim, opening a return's claim) is run at its moment too. So
the ledger, the policies and the claims agree, and the dashboard's charts have history.
"""

import io
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image

from claims.models import REVIEWERS_GROUP
from claims.photos import photo_check
from claims.services import (
    claim_file_for_buyer,
    claim_open_for_event,
    claim_screen,
    claim_submit,
)
from config import clock
from config.clock import clock_at
from fraud.synthetic import produce_photo
from insurance.models import ApiKey, Merchant, MerchantMembership, OrderEventKind, Policy
from insurance.services.api_keys import api_key_create, api_key_revoke, merchant_create
from insurance.services.orders import order_event_record
from insurance.services.policies import BindRequest, CoverRequest, policy_bind

DEMO_MERCHANT = "demo-shop"
DEMO_KEY_NAME = "demo"
ACTOR = "system:seed_demo"
DAYS = 90
# (username, password, role). Demo logins only: make run is not a production deployment.
DEMO_LOGINS = [
    ("admin", "admin", "staff"),
    ("reviewer", "reviewer", "reviewer"),
    ("merchant", "merchant", "merchant"),
]
REGIONS = ["CN-SH", "CN-SH/Shanghai", "CN-ZJ", "CN-GD", "CN-BJ", "CN-XJ"]
APPAREL = ["apparel", "shoes", "bags", "home", "beauty", "books"]
PRODUCE = ["fruit", "fruit", "vegetables", "seafood", "live_seafood", "meat"]


def _photo(seed: int, *, turn: Image.Transpose | None = None):
    """A generated spoilage photo; `turn` re-shoots the same scene turned or mirrored."""
    content = produce_photo(seed=seed)
    if turn is not None:
        buffer = io.BytesIO()
        Image.open(io.BytesIO(content)).transpose(turn).save(buffer, "JPEG", quality=88)
        content = buffer.getvalue()
    return photo_check(SimpleUploadedFile(f"produce-{seed}.jpg", content))


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
            created = 0 if merchant.policies.exists() else Business(merchant).run()
        self.stdout.write(f"Demo merchant: {merchant.slug} ({created} policies created)")
        self.stdout.write(f"Demo API key (shown once, the previous demo key is revoked): {raw_key}")
        for username, password, role in DEMO_LOGINS:
            self.stdout.write(f"Login ({role}): {username} / {password}")
        base_url = base_url.rstrip("/")
        self.stdout.write(f"Web UI:   {base_url}/")
        self.stdout.write(f"API docs: {base_url}/api/docs/  (schema: {base_url}/api/schema/)")
        self.stdout.write(f"Admin:    {base_url}/admin/")
        self.stdout.write(f"Ready:    {base_url}/readyz")

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


class Business:
    """90 days of a fresh-food shop's orders, returns and claims, in time order."""

    def __init__(self, merchant: Merchant) -> None:
        self.merchant = merchant
        self.now = clock.now()
        self.rng = random.Random(DAYS)  # noqa: S311 - the same demo every time
        self.orders = 0
        self.shipping_orders = 0

    def at(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=days_ago)

    def run(self) -> int:
        produce = []
        for day in range(DAYS, 0, -1):
            busy = 1 if self.at(day).weekday() >= 5 else 0  # weekends sell more
            for _ in range(self.rng.randint(1, 3) + busy):
                self.shipping_order(day - self.rng.random())
            for _ in range(self.rng.randint(1, 2) + busy):
                produce.append(self.produce_order(day - self.rng.random()))
        self.produce_claims([p for p in produce if p is not None])
        self.deposit()
        return Policy.objects.filter(merchant=self.merchant).count()

    def _bind(self, days_ago: float, order_ref: str = "", **cover) -> Policy:
        self.orders += 1
        order_ref = order_ref or f"DEMO-{self.orders:04d}"
        with clock_at(self.at(days_ago)):
            return policy_bind(
                merchant=self.merchant,
                bind=BindRequest(order_ref=order_ref, cover=CoverRequest(**cover)),
                actor=ACTOR,
            )

    def _event(self, policy: Policy, days_ago: float, kind: str, **extra) -> bool:
        """An order event at its moment; False if that moment has not come yet."""
        if days_ago <= 0:
            return False
        moment = self.at(days_ago)
        with clock_at(moment):
            order_event_record(
                merchant=self.merchant,
                order_ref=policy.order_ref,
                kind=kind,
                occurred_at=moment,
                actor=ACTOR,
                **extra,
            )
        return True

    def shipping_order(self, days_ago: float) -> None:
        buyer = f"buyer-{self.rng.randint(1, 120)}"
        policy = self._bind(
            days_ago,
            product="shipping_return",
            order_value=Decimal(self.rng.randint(59, 599)),
            buyer_ref=buyer,
            category=self.rng.choice(APPAREL),
            buyer_region=self.rng.choice(REGIONS),
        )
        self._event(policy, days_ago - 1, OrderEventKind.DELIVERED)
        returned_after = days_ago - self.rng.uniform(2, 6)
        # One order in twenty comes back, evenly over the period: each month's loss ratio is
        # then like the quarter's, whatever day the demo is made on.
        self.shipping_orders += 1
        if self.shipping_orders % 20 == 0 and returned_after > 0:
            tracking = f"SF{policy.pk:010d}"
            self._event(policy, returned_after, "return_shipped", tracking_number=tracking)
            # What the worker does when the event's task arrives, a few seconds later.
            with clock_at(self.at(returned_after) + timedelta(seconds=5)):
                claim_open_for_event(policy_id=policy.pk, reference=tracking)
        else:
            self._event(policy, days_ago - self.rng.uniform(7, 10), OrderEventKind.COMPLETED)

    def produce_order(self, days_ago: float) -> tuple[Policy, float] | None:
        """A produce order, delivered a day or two after checkout: (policy, delivered days
        ago), or None while it is on its way."""
        policy = self._bind(
            days_ago,
            product="fresh_produce",
            order_value=Decimal(self.rng.randint(49, 399)),
            buyer_ref=f"buyer-{self.rng.randint(1, 120)}",
            category=self.rng.choice(PRODUCE),
            transit_days=self.rng.randint(1, 3),
        )
        delivered = days_ago - self.rng.uniform(0.5, 2)
        if not self._event(policy, delivered, OrderEventKind.DELIVERED):
            return None
        return policy, delivered

    def _claim(self, order: tuple[Policy, float], photo, amount: Decimal, description: str):
        """A buyer's spoilage claim some hours after delivery, screened a minute later."""
        policy, delivered = order
        days_ago = max(delivered - self.rng.uniform(0.05, 1.5), 0.01)
        with clock_at(self.at(days_ago)):
            claim = claim_submit(
                merchant=self.merchant,
                policy_id=policy.pk,
                claimant_ref=policy.buyer_ref,
                amount=amount,
                description=description,
                photos=[photo],
                actor=ACTOR,
            )
        with clock_at(self.at(days_ago) + timedelta(minutes=1)):
            claim_screen(claim_id=claim.pk)

    def produce_claims(self, delivered: list[tuple[Policy, float]]) -> None:
        """Most orders end well; a few spoil (the buyer claims part of the order). Three late
        claims reuse an earlier claim's photo (as taken, turned, mirrored) and wait for a
        reviewer; one asks for more than the cover and is refused."""
        recent = delivered[-4:]
        # One order in ten spoils, evenly over the period (as with returns, above).
        for n, order in enumerate(delivered[:-4][3::10]):
            part = Decimal(self.rng.choice([3, 4, 5])) / 100
            amount = (order[0].cover * part).quantize(Decimal("0.01"))
            self._claim(order, _photo(seed=1000 + n), amount, "Arrived spoiled.")
        turns = [None, Image.Transpose.ROTATE_90, Image.Transpose.FLIP_LEFT_RIGHT]
        for n, (order, turn) in enumerate(zip(recent[-4:-1], turns, strict=True)):
            half = (order[0].cover / 2).quantize(Decimal("0.01"))
            self._claim(order, _photo(seed=1000 + n, turn=turn), half, "Crabs dead on arrival.")
        self._claim(recent[-1], _photo(seed=999), recent[-1][0].cover + 100, "Asks too much.")
        for policy, delivered_days_ago in delivered:
            if not policy.claims.exists():
                self._event(policy, delivered_days_ago - 3, OrderEventKind.COMPLETED)

    def deposit(self) -> None:
        deposit = self._bind(
            80,
            order_ref=f"DEPOSIT-{self.at(80).year}",
            product="merchant_deposit",
            deposit_amount=Decimal("20000.00"),
            term_months=12,
        )
        with clock_at(self.at(70)):
            claim = claim_file_for_buyer(
                policy_id=deposit.pk,
                claimant_ref="buyer-77",
                amount=Decimal("120.00"),
                description="Merchant refused a refund for an undelivered order.",
                actor=ACTOR,
            )
        with clock_at(self.at(70) + timedelta(minutes=1)):
            claim_screen(claim_id=claim.pk)
