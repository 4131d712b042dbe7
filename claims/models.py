from django.db import models
from django.db.models import Q

from insurance.models import Merchant, Policy, currency_field, money_field


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    SCREENING = "screening", "Screening"
    APPROVED = "approved", "Approved"
    NEEDS_REVIEW = "needs_review", "Needs review"
    REJECTED = "rejected", "Rejected"
    PAID = "paid", "Paid"
    RECOVERY_PENDING = "recovery_pending", "Recovery pending"
    RECOVERED = "recovered", "Recovered"
    WRITTEN_OFF = "written_off", "Written off"


# The one transition table: a claim may only move along these edges.
CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.SCREENING}),
    ClaimStatus.SCREENING: frozenset(
        {ClaimStatus.APPROVED, ClaimStatus.NEEDS_REVIEW, ClaimStatus.REJECTED}
    ),
    ClaimStatus.NEEDS_REVIEW: frozenset({ClaimStatus.APPROVED, ClaimStatus.REJECTED}),
    ClaimStatus.APPROVED: frozenset({ClaimStatus.PAID}),
    ClaimStatus.PAID: frozenset({ClaimStatus.RECOVERY_PENDING}),
    ClaimStatus.RECOVERY_PENDING: frozenset({ClaimStatus.RECOVERED, ClaimStatus.WRITTEN_OFF}),
    ClaimStatus.REJECTED: frozenset(),
    ClaimStatus.RECOVERED: frozenset(),
    ClaimStatus.WRITTEN_OFF: frozenset(),
}


class RejectReason(models.TextChoices):
    """Hard rules: the only grounds on which automation may reject a claim."""

    NO_ACTIVE_POLICY = "no_active_policy", "The policy is not active"
    OUTSIDE_WINDOW = "outside_claim_window", "Filed after the claim window closed"
    DUPLICATE_CLAIM = "duplicate_claim", "The order already has a claim"
    ABOVE_COVER = "amount_above_cover", "The amount is above the remaining cover"
    MISSING_PHOTO = "missing_photo", "The product requires a photo and none was sent"


class Claim(models.Model):
    # merchant is the policy's, copied so every tenant-scoped query filters one column.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="claims")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="claims")
    claimant_ref = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    amount = money_field()
    currency = currency_field()
    status = models.CharField(
        max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    reason_code = models.CharField(max_length=40, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["merchant", "-submitted_at"]),
            models.Index(fields=["status", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} ({self.status})"


class ClaimEvent(models.Model):
    """Who moved a claim from what to what, when and why; same transaction as the move."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.CharField(max_length=100)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.from_status or '-'} -> {self.to_status}"


class ClaimPhoto(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        upload_to="claims/%Y/%m/%d/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name


class Payout(models.Model):
    # One-to-one: the database itself refuses to pay a claim twice.
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="payout")
    amount = money_field()
    currency = currency_field()
    paid_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"payout {self.amount} {self.currency} for claim {self.claim_id}"
