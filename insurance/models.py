from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from insurance.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, MONEY_DECIMALS, MONEY_DIGITS


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMALS, **kwargs)


def currency_field() -> models.CharField:
    return models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)


class Merchant(models.Model):
    """A tenant: a shop on a marketplace. Everything a merchant sees is filtered by it."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class MerchantMembership(models.Model):
    """A web user belongs to exactly one merchant."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant}"


class ApiKey(models.Model):
    """A merchant's credential for the REST API. Only a SHA-256 of the key is stored."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The first characters of the key, shown in lists so a person can tell keys apart.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class Payer(models.TextChoices):
    BUYER = "buyer", "Buyer"
    SELLER = "seller", "Seller"


class Product(models.Model):
    """An insurance product is a row of configuration, not a code path of its own."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    payer = models.CharField(max_length=10, choices=Payer.choices)
    currency = currency_field()
    # Premium = order value x rate, held between the minimum and maximum premium.
    rate = models.DecimalField(max_digits=7, decimal_places=5, validators=[MinValueValidator(0)])
    min_premium = money_field(validators=[MinValueValidator(Decimal(0))])
    max_premium = money_field(validators=[MinValueValidator(Decimal(0))])
    # Cover is a fixed amount when fixed_cover is set, else the order value up to max_cover.
    fixed_cover = money_field(null=True, blank=True)
    max_cover = money_field(validators=[MinValueValidator(Decimal(0))])
    claim_window_hours = models.PositiveIntegerField()
    photo_required = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_premium__lte=models.F("max_premium")),
                name="product_premium_bounds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PolicyStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"
    CLAIMED = "claimed", "Claimed"


class Policy(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="policies")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="policies")
    order_ref = models.CharField(max_length=100)
    buyer_ref = models.CharField(max_length=100)
    status = models.CharField(
        max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.ACTIVE
    )
    currency = currency_field()
    order_value = money_field()
    premium = money_field()
    cover = money_field()
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "policies"
        constraints = [
            # Issued at most once per (merchant, order, product), whatever the retries.
            models.UniqueConstraint(
                fields=["merchant", "order_ref", "product"], name="policy_once_per_order_product"
            ),
            models.CheckConstraint(condition=Q(premium__gte=0), name="policy_premium_not_negative"),
            models.CheckConstraint(condition=Q(cover__gte=0), name="policy_cover_not_negative"),
        ]
        indexes = [models.Index(fields=["merchant", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.product.code} {self.order_ref}"


class PolicyEvent(models.Model):
    """Every change of a policy's status, written in the same transaction as the change."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.CharField(max_length=100)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"policy {self.policy_id}: {self.from_status or '-'} -> {self.to_status}"
