import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config import clock
from config.events import StatusEvent
from insurance.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, MONEY_DECIMALS, MONEY_DIGITS
from insurance.rating import validate_cover_table, validate_rating_factors

ZERO = Decimal(0)


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMALS, **kwargs)


def currency_field() -> models.CharField:
    return models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)


# --- Tenants and their credentials ----------------------------------------------------------
class Merchant(models.Model):
    """A tenant: a shop on a marketplace. Everything a merchant sees is filtered by it."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    # Where the shop ships from (e.g. CN-ZJ): the default seller region of its quotes.
    region = models.CharField(max_length=40, default="CN-ZJ")
    created_at = models.DateTimeField(default=clock.now, editable=False)

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
    # Requests per minute; empty means the platform default (API_RATE_LIMIT_PER_MINUTE).
    rate_limit_per_minute = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class IdempotencyRecord(models.Model):
    """The stored answer to a state-changing POST, replayed when the same key comes again.

    Inserted first in the request's transaction: a concurrent duplicate waits on the unique
    index until the first commits, then replays its answer.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and the parsed body: the same key with another body is refused.
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    # The answer as the client saw it: ids, amounts and times in their JSON form.
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_key_once")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.key


class Counter(models.Model):
    """A named sequence of numbers (1, 2, 3...) without gaps or repeats, also on SQLite: the
    numbers of a merchant's own cover policies (insurance.services.counters)."""

    name = models.CharField(max_length=100, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


# --- Products: configuration, not code paths -------------------------------------------------
class Payer(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")


class Exposure(models.TextChoices):
    """The amount input the premium's rate applies to (and the cover, by the exposure rule)."""

    ORDER_VALUE = "order_value", _("Order value")
    DEPOSIT_AMOUNT = "deposit_amount", _("Deposit amount")


# The inputs a quote may carry, by name, and what each one is. A product lists those it needs
# (Product.required_inputs); the catalogue (GET /api/v1/products) tells checkout developers.
QUOTE_INPUTS: dict[str, str] = {
    "order_value": "amount",
    "deposit_amount": "amount",
    "buyer_ref": "text",
    "category": "slug",
    "buyer_region": "region",
    "seller_region": "region",
    "transit_days": "integer",
    "term_months": "integer",
}


class CoverStart(models.TextChoices):
    ISSUANCE = "issuance", _("When the policy is issued")
    DELIVERY = "delivery", _("When the order is delivered")


class CoverEnd(models.TextChoices):
    ORDER_COMPLETED = "order_completed", _("When the order completes")
    TERM = "term", _("At the end of its term in months")


class RefundRule(models.TextChoices):
    NONE = "none", _("Nothing is refunded")
    FULL_BEFORE_START = "full_before_start", _("All of it before cover starts, nothing after")
    PRO_RATA = "pro_rata", _("All of it before cover starts, the unexpired share after")


class PayoutRule(models.TextChoices):
    CLAIMED_AMOUNT = "claimed_amount", _("The amount claimed, up to the cover left")
    COVER_LEFT = "cover_left", _("The cover left, whatever was claimed")


class CoverRule(models.TextChoices):
    EXPOSURE = "exposure", _("The exposure (order value or deposit), up to the maximum cover")
    DISTANCE_BAND = "distance_band", _("A fixed amount per buyer-to-seller distance band")


class ClaimWindowStart(models.TextChoices):
    DELIVERY = "delivery", _("Delivery of the order")
    ISSUANCE = "issuance", _("Issuance of the policy")
    COVER_START = "cover_start", _("The start of cover")


class ClaimTrigger(models.TextChoices):
    ORDER_EVENT = "order_event", _("Opens by itself on an order event")
    CLAIMANT = "claimant", _("Filed by the buyer, with evidence")
    PLATFORM = "platform", _("Filed by the platform for a buyer against the merchant")


class ProductManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "Product":
        return self.get(code=code)


class Product(models.Model):
    """An insurance product is a row of configuration, not a code path of its own.

    Premium = (base_amount + exposure x base_rate) x each rating factor, held between the
    minimum and maximum premium and rounded to the currency's minor unit (insurance.rating).
    """

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    payer = models.CharField(max_length=10, choices=Payer.choices)
    currency = currency_field()
    exposure = models.CharField(max_length=20, choices=Exposure.choices)
    max_exposure = money_field(validators=[MinValueValidator(ZERO)])
    base_amount = money_field(default=ZERO, validators=[MinValueValidator(ZERO)])
    base_rate = models.DecimalField(
        max_digits=7, decimal_places=5, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    # A list of factors; the format is checked by insurance.rating.validate_rating_factors.
    rating_factors = models.JSONField(default=list, blank=True)
    min_premium = money_field(validators=[MinValueValidator(ZERO)])
    max_premium = money_field(validators=[MinValueValidator(ZERO)])
    cover_rule = models.CharField(max_length=20, choices=CoverRule.choices)
    # For the distance-band rule: {"same_city": "6.00", ...}; see insurance.rating.DISTANCE_BANDS.
    cover_table = models.JSONField(default=dict, blank=True)
    max_cover = money_field(validators=[MinValueValidator(ZERO)])
    # Inputs a quote must carry besides the exposure (names of QUOTE_INPUTS).
    required_inputs = models.JSONField(default=list, blank=True)
    # When cover starts and ends. A term runs from the start of cover for one of
    # term_months_allowed (the quote's term_months input when there are several). Cover that
    # waits for an order event ends at the latest max_cover_days after issuance.
    cover_starts = models.CharField(max_length=20, choices=CoverStart.choices)
    cover_ends = models.CharField(max_length=20, choices=CoverEnd.choices)
    term_months_allowed = models.JSONField(default=list, blank=True)
    max_cover_days = models.PositiveIntegerField(default=90)
    refund_rule = models.CharField(max_length=20, choices=RefundRule.choices)
    # Who starts a claim; for ORDER_EVENT, the order event kind that opens it.
    claim_trigger = models.CharField(max_length=20, choices=ClaimTrigger.choices)
    claim_event = models.SlugField(max_length=50, blank=True)
    claim_window_start = models.CharField(max_length=20, choices=ClaimWindowStart.choices)
    claim_window_hours = models.PositiveIntegerField()
    # Evidence a claim must carry.
    photo_required = models.BooleanField(default=False)
    tracking_number_required = models.BooleanField(default=False)
    # Claims paid on one policy before it is used up (0: any number until the cover is gone).
    claims_per_policy = models.PositiveSmallIntegerField(default=1)
    payout_rule = models.CharField(max_length=20, choices=PayoutRule.choices)
    # The insurer pays the buyer first and recovers the amount from the merchant.
    recover_from_merchant = models.BooleanField(default=False)
    quote_ttl_seconds = models.PositiveIntegerField(default=900)
    active = models.BooleanField(default=True)

    # Fixtures name products by code (a product is configuration, loaded like any data).
    objects = ProductManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_premium__lte=F("max_premium")),
                name="product_premium_bounds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def clean(self) -> None:
        validate_rating_factors(self.rating_factors)
        validate_cover_table(self.cover_rule, self.cover_table)
        errors = {}
        if not isinstance(self.term_months_allowed, list) or not all(
            isinstance(m, int) and not isinstance(m, bool) and m > 0
            for m in self.term_months_allowed
        ):
            errors["term_months_allowed"] = "A list of whole months, e.g. [6, 12]."
        elif self.cover_ends == CoverEnd.TERM and not self.term_months_allowed:
            errors["term_months_allowed"] = "Cover that ends with its term needs a term."
        if not isinstance(self.required_inputs, list) or not set(self.required_inputs) <= set(
            QUOTE_INPUTS
        ):
            errors["required_inputs"] = f"A list of inputs among {sorted(QUOTE_INPUTS)}."
        if self.claim_trigger == ClaimTrigger.ORDER_EVENT:
            if not self.claim_event or self.claim_event in ORDER_LIFECYCLE_EVENTS:
                errors["claim_event"] = (
                    "Name the order event that opens a claim; it may not be one of "
                    f"{sorted(ORDER_LIFECYCLE_EVENTS)}, which move the cover itself."
                )
        elif self.claim_event:
            errors["claim_event"] = "Only products whose claims open on an order event name one."
        if errors:
            raise ValidationError(errors)


class MerchantProductTerms(models.Model):
    """A merchant's own terms for a product; an empty field keeps the product's value."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="terms")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="merchant_terms")
    enabled = models.BooleanField(default=True)
    payer = models.CharField(max_length=10, choices=Payer.choices, blank=True)
    base_rate = models.DecimalField(
        max_digits=7, decimal_places=5, null=True, blank=True, validators=[MinValueValidator(ZERO)]
    )
    min_premium = money_field(null=True, blank=True, validators=[MinValueValidator(ZERO)])
    max_premium = money_field(null=True, blank=True, validators=[MinValueValidator(ZERO)])
    max_cover = money_field(null=True, blank=True, validators=[MinValueValidator(ZERO)])
    claim_window_hours = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "merchant product terms"
        constraints = [
            models.UniqueConstraint(fields=["merchant", "product"], name="terms_once_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.product.code} terms for {self.merchant}"


class RiskSubject(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    MERCHANT = "merchant", _("Merchant")


class RiskProfile(models.Model):
    """A buyer's or merchant's history in counts, refreshed periodically from the policies.

    A snapshot rather than live counters: issuance never writes to a shared hot row.
    """

    subject = models.CharField(max_length=10, choices=RiskSubject.choices)
    subject_ref = models.CharField(max_length=100)
    policies = models.PositiveIntegerField(default=0)
    returns = models.PositiveIntegerField(default=0)
    claims = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "subject_ref"], name="risk_profile_once")
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.subject_ref}"


# --- Quotes and policies ----------------------------------------------------------------------
class Quote(models.Model):
    """A price held for a while. Binding it issues a policy at exactly this price."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="quotes")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    # The rating inputs as sent (validated), and the priced result with its factor breakdown.
    inputs = models.JSONField()
    currency = currency_field()
    exposure_amount = money_field()
    premium = money_field()
    cover = money_field()
    rating = models.JSONField()
    # The policy terms the quote was made under, held with the price.
    payer = models.CharField(max_length=10, choices=Payer.choices)
    claim_window_hours = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=clock.now, editable=False)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"quote {self.pk}"


class PolicyStatus(models.TextChoices):
    QUOTED = "quoted", _("Quoted")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    CLAIMED = "claimed", _("Claimed")


# The one transition table of a policy. QUOTED is the state of the quote a policy is bound
# from: it appears as the `from` of a bound policy's first event.
POLICY_TRANSITIONS: dict[str, frozenset[str]] = {
    PolicyStatus.QUOTED: frozenset({PolicyStatus.ACTIVE}),
    PolicyStatus.ACTIVE: frozenset(
        {PolicyStatus.COMPLETED, PolicyStatus.CANCELLED, PolicyStatus.EXPIRED, PolicyStatus.CLAIMED}
    ),
    PolicyStatus.COMPLETED: frozenset(),
    PolicyStatus.CANCELLED: frozenset(),
    PolicyStatus.EXPIRED: frozenset(),
    PolicyStatus.CLAIMED: frozenset(),
}


class Policy(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="policies")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="policies")
    # A quote binds at most once: the unique index refuses a second policy from it.
    quote = models.OneToOneField(
        Quote, null=True, blank=True, on_delete=models.SET_NULL, related_name="policy"
    )
    order_ref = models.CharField(max_length=100)
    buyer_ref = models.CharField(max_length=100, blank=True)
    payer = models.CharField(max_length=10, choices=Payer.choices)
    status = models.CharField(
        max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.ACTIVE
    )
    currency = currency_field()
    exposure_amount = money_field()
    premium = money_field()
    cover = money_field()
    # Paid claims so far; deposit policies have an aggregate limit that several claims share.
    cover_used = money_field(default=ZERO)
    inputs = models.JSONField(default=dict)
    rating = models.JSONField(default=dict)
    claim_window_hours = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=clock.now, editable=False)
    cover_starts_at = models.DateTimeField(null=True, blank=True)
    cover_ends_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The order event that opened the policy's claim (the product's claim_event): when it
    # happened and its reference (a return's courier tracking number).
    claim_event_at = models.DateTimeField(null=True, blank=True)
    claim_event_reference = models.CharField(max_length=64, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    refund_amount = money_field(null=True, blank=True)

    class Meta:
        verbose_name_plural = "policies"
        constraints = [
            # Issued at most once per (merchant, order, product), whatever the retries.
            models.UniqueConstraint(
                fields=["merchant", "order_ref", "product"], name="policy_once_per_order_product"
            ),
            models.CheckConstraint(condition=Q(premium__gte=0), name="policy_premium_not_negative"),
            models.CheckConstraint(condition=Q(cover__gte=0), name="policy_cover_not_negative"),
            models.CheckConstraint(
                condition=Q(cover_used__gte=0) & Q(cover_used__lte=F("cover")),
                name="policy_cover_used_within_cover",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-id"]),
            models.Index(fields=["buyer_ref"]),
            models.Index(fields=["status", "cover_ends_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.order_ref}"

    @property
    def remaining_cover(self) -> Decimal:
        return self.cover - self.cover_used


class PolicyEvent(StatusEvent):
    """Every change of a policy's status, written in the same transaction as the change."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="events")

    def __str__(self) -> str:
        return f"policy {self.policy_id}: {self.from_status or '-'} -> {self.to_status}"


class OrderEventKind(models.TextChoices):
    """The events that move every order policy's cover. Products may name further events
    that open their claims (Product.claim_event), such as a return shipped."""

    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


ORDER_LIFECYCLE_EVENTS = frozenset(OrderEventKind.values)


class OrderEvent(models.Model):
    """What a checkout system told us about an order; it moves the order's policies."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="order_events")
    order_ref = models.CharField(max_length=100)
    # A lifecycle event (OrderEventKind) or the claim event of a product.
    kind = models.SlugField(max_length=50)
    tracking_number = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["merchant", "order_ref"])]

    def __str__(self) -> str:
        return f"{self.order_ref} {self.kind}"


# --- Ledger ----------------------------------------------------------------------------------
class Account(models.TextChoices):
    """The insurer's chart of accounts, per merchant and product (the transfer's columns)."""

    CASH = "cash", _("Cash (marketplace settlement)")
    UNEARNED_PREMIUM = "unearned_premium", _("Unearned premium")
    EARNED_PREMIUM = "earned_premium", _("Earned premium")
    CLAIMS_EXPENSE = "claims_expense", _("Claims paid")
    MERCHANT_RECEIVABLE = "merchant_receivable", _("Owed by merchants (recoveries)")
    BAD_DEBT = "bad_debt", _("Recoveries written off")


class TransferKind(models.TextChoices):
    PREMIUM_WRITTEN = "premium_written", _("Premium written")
    PREMIUM_EARNED = "premium_earned", _("Premium earned")
    PREMIUM_REFUNDED = "premium_refunded", _("Premium refunded")
    CLAIM_PAID = "claim_paid", _("Claim paid")
    RECOVERY_RECEIVABLE = "recovery_receivable", _("Claim paid, to recover from the merchant")
    RECOVERY_REPAID = "recovery_repaid", _("Recovered from the merchant")
    RECOVERY_WRITTEN_OFF = "recovery_written_off", _("Recovery written off")


class LedgerTransfer(models.Model):
    """One double-entry movement: `amount` leaves `credit_account` and enters `debit_account`.

    Every row debits one account and credits another by the same positive amount, so every
    journal transaction (the transfers sharing a `journal_ref`) balances to zero by
    construction; the check constraints make an unbalanced row impossible to store.
    """

    journal_ref = models.CharField(max_length=64)
    kind = models.CharField(max_length=30, choices=TransferKind.choices)
    debit_account = models.CharField(max_length=30, choices=Account.choices)
    credit_account = models.CharField(max_length=30, choices=Account.choices)
    amount = money_field()
    currency = currency_field()
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="transfers")
    # The claim a payout or recovery belongs to (claims live in the claims app).
    claim_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=F("credit_account")), name="transfer_two_accounts"
            ),
            # One transfer of a kind per journal entry: a retried posting cannot double it.
            models.UniqueConstraint(fields=["journal_ref", "kind"], name="transfer_once"),
        ]
        indexes = [models.Index(fields=["merchant", "product", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


# --- Webhooks --------------------------------------------------------------------------------
class WebhookEventType(models.TextChoices):
    POLICY_ISSUED = "policy.issued", _("Policy issued")
    POLICY_CANCELLED = "policy.cancelled", _("Policy cancelled")
    CLAIM_DECIDED = "claim.decided", _("Claim decided")
    CLAIM_PAID = "claim.paid", _("Claim paid")


class WebhookEndpoint(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # The signing secret must be readable to sign with. The merchant sees it once, in the
    # answer that made it (creation or rotation); no read shows it.
    secret = models.CharField(max_length=80)
    # After a rotation the replaced secret signs too, until this time, so that receivers can
    # switch without refusing a delivery.
    previous_secret = models.CharField(max_length=80, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    event_types = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=clock.now, editable=False)

    def __str__(self) -> str:
        return f"{self.type} {self.pk}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (gave up)")


class WebhookDelivery(models.Model):
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_once")]
        indexes = [models.Index(fields=["endpoint", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.event.type} to {self.endpoint}"

    @property
    def last_attempt(self) -> "WebhookAttempt | None":
        attempts = list(self.log.all())  # prefetched by the delivery log's queries
        return attempts[-1] if attempts else None


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField(default=clock.now, editable=False)
    status_code = models.PositiveSmallIntegerField(null=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.pk}: {self.status_code or self.error}"
