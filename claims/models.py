from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config import clock
from config.events import StatusEvent
from insurance.models import ZERO, Merchant, Policy, Product, currency_field, money_field

# Staff in this group work the reviewers' dashboard.
REVIEWERS_GROUP = "Claims reviewers"


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    APPROVED = "approved", _("Approved")
    NEEDS_REVIEW = "needs_review", _("Needs review")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")
    RECOVERY_PENDING = "recovery_pending", _("Recovery pending")
    RECOVERED = "recovered", _("Recovered")
    WRITTEN_OFF = "written_off", _("Written off")


# The one transition table: a claim may only move along these edges.
CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.SCREENING}),
    ClaimStatus.SCREENING: frozenset(
        {ClaimStatus.APPROVED, ClaimStatus.NEEDS_REVIEW, ClaimStatus.REJECTED}
    ),
    ClaimStatus.NEEDS_REVIEW: frozenset({ClaimStatus.APPROVED, ClaimStatus.REJECTED}),
    # Back to review: a reviewer's approval undone while its payout is held.
    ClaimStatus.APPROVED: frozenset({ClaimStatus.PAID, ClaimStatus.NEEDS_REVIEW}),
    ClaimStatus.PAID: frozenset({ClaimStatus.RECOVERY_PENDING}),
    ClaimStatus.RECOVERY_PENDING: frozenset({ClaimStatus.RECOVERED, ClaimStatus.WRITTEN_OFF}),
    ClaimStatus.REJECTED: frozenset(),
    ClaimStatus.RECOVERED: frozenset(),
    ClaimStatus.WRITTEN_OFF: frozenset(),
}


class RejectReason(models.TextChoices):
    """Hard rules: the only grounds on which automation may reject a claim."""

    NO_ACTIVE_POLICY = "no_active_policy", _("The policy is not active")
    OUTSIDE_WINDOW = "outside_claim_window", _("Filed outside the claim window")
    DUPLICATE_CLAIM = "duplicate_claim", _("The order already has a claim")
    ABOVE_COVER = "amount_above_cover", _("The amount is above the remaining cover")
    MISSING_PHOTO = "missing_photo", _("The product requires a photo and none was sent")


class ReviewerRejectReason(models.TextChoices):
    """What a reviewer may give as the reason to reject."""

    FRAUD_CONFIRMED = "fraud_confirmed", _("Fraud confirmed")
    NOT_COVERED = "not_covered", _("The loss is not covered by the policy")
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("The evidence does not show the loss")
    DUPLICATE_CLAIM = "duplicate_claim", _("The loss was already claimed")
    OTHER = "other", _("Other (see the note)")


class ClaimOrigin(models.TextChoices):
    CLAIMANT = "claimant", _("Filed through the API")
    ORDER_EVENT = "order_event", _("Opened by an order event")
    PLATFORM = "platform", _("Filed by the platform against the merchant")


class Claim(models.Model):
    # merchant is the policy's, copied so every tenant-scoped query filters one column.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="claims")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="claims")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(max_length=20, choices=ClaimOrigin.choices)
    claimant_ref = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    amount = money_field()
    currency = currency_field()
    tracking_number = models.CharField(max_length=64, blank=True)
    # Optional facts for velocity checks: the claimant's device and shipping address.
    device_id = models.CharField(max_length=100, blank=True)
    address = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    # The decision: a hard rule's or reviewer's reason code, and why it went to review.
    reason_code = models.CharField(max_length=40, blank=True)
    decision_note = models.TextField(blank=True)
    review_reasons = models.JSONField(default=list, blank=True)
    # Higher is riskier; the review queue is ordered by it, then by age.
    risk_score = models.PositiveSmallIntegerField(default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_claims",
    )
    submitted_at = models.DateTimeField(default=clock.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_amount_positive"),
            # A shipped return opens its policy's claim once, however often the event comes.
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(origin="order_event"),
                name="claim_once_per_shipped_return",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-id"]),
            models.Index(fields=["status", "-risk_score", "submitted_at"]),
            models.Index(fields=["claimant_ref", "submitted_at"]),
            models.Index(fields=["policy"]),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} ({self.status})"


class ClaimEvent(StatusEvent):
    """Who moved a claim from what to what, when and why; same transaction as the move."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.from_status or '-'} -> {self.to_status}"


class ClaimPhoto(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="claims/%Y/%m/%d/")
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class Payout(models.Model):
    # One-to-one: the database itself refuses to pay a claim twice.
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="payout")
    amount = money_field()
    currency = currency_field()
    provider = models.CharField(max_length=50)
    provider_reference = models.CharField(max_length=100)
    paid_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"payout {self.amount} {self.currency} for claim {self.claim_id}"


class Recovery(models.Model):
    """What a merchant owes back after deposit insurance paid a buyer."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="recovery")
    amount_due = money_field()
    amount_repaid = money_field(default=ZERO)
    amount_written_off = money_field(default=ZERO)
    requested_at = models.DateTimeField(default=clock.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "recoveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_repaid__gte=0)
                & Q(amount_written_off__gte=0)
                & Q(amount_due__gte=F("amount_repaid") + F("amount_written_off")),
                name="recovery_within_due",
            ),
        ]

    def __str__(self) -> str:
        return f"recovery of {self.amount_due} for claim {self.claim_id}"

    @property
    def outstanding(self):
        return self.amount_due - self.amount_repaid - self.amount_written_off


class ClaimRules(models.Model):
    """A product's adjudication thresholds, edited by staff. Soft signals route a claim to a
    reviewer; they never reject it."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="claim_rules")
    # Above this amount a person looks, however clean the claim.
    auto_approve_max_amount = money_field(validators=[MinValueValidator(ZERO)])
    # More claims than this by one claimant (or device, or address) in the window: review.
    velocity_max_claims = models.PositiveIntegerField(default=3)
    velocity_window_hours = models.PositiveIntegerField(default=24 * 7)
    # A claimant below this trust level is reviewed.
    min_trust_level = models.PositiveSmallIntegerField(default=2)

    class Meta:
        verbose_name_plural = "claim rules"

    def __str__(self) -> str:
        return f"claim rules for {self.product}"
