from django.contrib import admin

from claims.models import Claim, ClaimEvent, ClaimPhoto, Payout


class ClaimEventInline(admin.TabularInline):
    model = ClaimEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "reason", "created_at"]


class ClaimPhotoInline(admin.TabularInline):
    model = ClaimPhoto
    extra = 0
    can_delete = False
    readonly_fields = ["image", "width", "height", "uploaded_at"]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "merchant",
        "policy",
        "claimant_ref",
        "amount",
        "status",
        "reason_code",
        "submitted_at",
    ]
    list_filter = ["status", "reason_code", "merchant"]
    search_fields = ["claimant_ref", "policy__order_ref"]
    list_select_related = ["merchant", "policy__product"]
    inlines = [ClaimPhotoInline, ClaimEventInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # claims move only through their services, each move an audited event


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = ["claim", "amount", "currency", "paid_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
