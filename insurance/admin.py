from django.contrib import admin

from insurance.models import ApiKey, Merchant, MerchantMembership, Policy, PolicyEvent, Product


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]


@admin.register(MerchantMembership)
class MerchantMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant"]
    list_select_related = ["user", "merchant"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    # Keys are made with `manage.py create_api_key` (or the merchant portal): the raw key is
    # shown once there, so the admin only lists and revokes.
    list_display = ["prefix", "name", "merchant", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["merchant", "name", "prefix", "key_hash", "created_at", "last_used_at"]
    list_filter = ["merchant"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "payer",
        "currency",
        "rate",
        "min_premium",
        "max_premium",
        "claim_window_hours",
        "active",
    ]


class PolicyEventInline(admin.TabularInline):
    model = PolicyEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "reason", "created_at"]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "merchant",
        "product",
        "order_ref",
        "status",
        "premium",
        "cover",
        "issued_at",
    ]
    list_filter = ["product", "status", "merchant"]
    search_fields = ["order_ref", "buyer_ref"]
    list_select_related = ["merchant", "product"]
    inlines = [PolicyEventInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # policies change through their services, each change an audited event
