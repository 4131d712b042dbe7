from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from claims.models import Claim, ClaimEvent, ClaimPhoto, ClaimRules, Payout, Recovery
from insurance.admin import ReadOnlyAdmin


class ClaimEventInline(admin.TabularInline):
    model = ClaimEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "reason", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ClaimPhotoInline(admin.TabularInline):
    model = ClaimPhoto
    extra = 0
    can_delete = False
    # Photos are not public media: they are shown through the reviewers' photo view, which
    # checks who asks (the stored file's /media/ address is served by nothing).
    fields = ["thumbnail", "content_type", "size", "width", "height", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description="photo")
    def thumbnail(self, photo: ClaimPhoto) -> str:
        url = reverse("review:photo", args=[photo.pk])
        return format_html(
            '<a href="{}"><img src="{}" alt="claim photo {}" style="max-height:120px"></a>',
            url,
            url,
            photo.pk,
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    """Claims move only through their services (the reviewers' dashboard), each move audited."""

    list_display = [
        "id",
        "merchant",
        "product",
        "claimant_ref",
        "amount",
        "status",
        "reason_code",
        "risk_score",
        "submitted_at",
    ]
    list_filter = ["status", "product", "origin"]
    search_fields = ["claimant_ref", "policy__order_ref", "tracking_number"]
    list_select_related = ["merchant", "product"]
    inlines = [ClaimPhotoInline, ClaimEventInline]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["claim", "amount", "currency", "provider", "provider_reference", "paid_at"]


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyAdmin):
    list_display = [
        "claim",
        "amount_due",
        "amount_repaid",
        "amount_written_off",
        "requested_at",
        "closed_at",
    ]


@admin.register(ClaimRules)
class ClaimRulesAdmin(admin.ModelAdmin):
    list_display = [
        "product",
        "auto_approve_max_amount",
        "velocity_max_claims",
        "velocity_window_hours",
        "min_trust_level",
    ]
