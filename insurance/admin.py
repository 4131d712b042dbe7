import json

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html, format_html_join

from insurance.models import (
    QUOTE_INPUTS,
    ApiKey,
    LedgerTransfer,
    Merchant,
    MerchantMembership,
    MerchantProductTerms,
    OrderEvent,
    Policy,
    PolicyEvent,
    Product,
    Quote,
    RiskProfile,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from insurance.rating import DISTANCE_BANDS


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through services (each change audited): look, never touch."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = MerchantMembership
    extra = 0


class TermsInline(admin.StackedInline):
    model = MerchantProductTerms
    extra = 0


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "region", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline, TermsInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    # Keys are made with `manage.py create_api_key` or in the merchant portal, where the raw key
    # is shown once; here staff list keys, set their rate limits and revoke them.
    list_display = [
        "prefix",
        "name",
        "merchant",
        "rate_limit_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["merchant", "name", "prefix", "key_hash", "created_at", "last_used_at"]
    list_filter = ["merchant"]

    def has_add_permission(self, request) -> bool:
        return False


class ReadableJSONField(forms.JSONField):
    """A JSON box that shows its value indented, one key or list item a line (Django's shows it
    on one line), sized to fit. Saving still goes through Product.clean's checks."""

    def prepare_value(self, value):
        if isinstance(value, str):  # what staff typed, shown back with its error
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "class": "readable-json", "rows": 14, "cols": 90}


class WholeNumbersField(forms.CharField):
    """A list of whole numbers typed as `6, 12` (shown back the same way), sorted, each once."""

    default_error_messages = {"invalid": "Whole numbers above 0 separated by commas, e.g. 6, 12."}

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(n) for n in value)
        return value

    def to_python(self, value) -> list[int]:
        text = super().to_python(value)
        parts = [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]
        if not all(part.isdigit() and int(part) > 0 for part in parts):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(part) for part in parts})


class DistanceBandsWidget(forms.MultiWidget):
    def __init__(self) -> None:
        # Posted as cover_table_0 ... in DISTANCE_BANDS' order, each box titled with its band.
        super().__init__(
            [forms.NumberInput(attrs={"step": "0.01", "title": band}) for band in DISTANCE_BANDS]
        )

    def decompress(self, value) -> list:
        if isinstance(value, str):  # a stored value Django hands over as JSON text
            value = json.loads(value or "{}")
        return [(value or {}).get(band) for band in DISTANCE_BANDS]


class DistanceBandsField(forms.MultiValueField):
    """The cover per buyer-to-seller distance band, an amount a box; empty for cover by the
    exposure (Product.clean checks the table against the cover rule)."""

    widget = DistanceBandsWidget

    def __init__(self, **kwargs) -> None:
        bands = [
            forms.DecimalField(min_value=0, decimal_places=2, required=False)
            for _ in DISTANCE_BANDS
        ]
        super().__init__(bands, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list) -> dict:
        return {
            band: str(amount)
            for band, amount in zip(DISTANCE_BANDS, data_list or [], strict=False)
            if amount is not None
        }


class ProductAdminForm(forms.ModelForm):
    """Each setting with a control of its kind: inputs to tick, terms as a list of months, a
    box per distance band; only the rating factors (a list of tables) are edited as JSON."""

    required_inputs = forms.MultipleChoiceField(
        choices=[(name, f"{name} ({kind})") for name, kind in QUOTE_INPUTS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Inputs a quote must carry besides the amount the product is rated on.",
    )
    term_months_allowed = WholeNumbersField(
        required=False,
        help_text="Terms in months a quote may choose, e.g. 6, 12 (empty: no term).",
    )
    cover_table = DistanceBandsField(
        help_text=f"For cover by distance band: the cover in each of {', '.join(DISTANCE_BANDS)}."
    )

    class Meta:
        model = Product
        fields = "__all__"  # noqa: DJ007 - every setting of a product is staff's to edit


def _cell(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}: x{factor}" for key, factor in value.items())
    if isinstance(value, list):
        return ", ".join(f"from {threshold}: x{factor}" for threshold, factor in value)
    return str(value)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Products are edited here; Product.clean checks rating tables and cover tables. The
    rating tables are shown as a table beside the JSON that edits them."""

    form = ProductAdminForm
    formfield_overrides = {models.JSONField: {"form_class": ReadableJSONField}}
    readonly_fields = ["rating_table"]

    @admin.display(description="Rating factors, as priced")
    def rating_table(self, product: Product) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            (
                (
                    factor.get("name", ""),
                    factor.get("input", ""),
                    _cell(factor.get("lookup") or factor.get("steps") or ""),
                    factor.get("default") or factor.get("risk", ""),
                )
                for factor in product.rating_factors or []
            ),
        )
        return format_html(
            "<table><thead><tr><th>name</th><th>input</th><th>factors</th>"
            "<th>default / risk</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    list_display = [
        "code",
        "name",
        "payer",
        "currency",
        "base_amount",
        "base_rate",
        "min_premium",
        "max_premium",
        "claim_window_hours",
        "active",
    ]
    fieldsets = [
        (None, {"fields": ["code", "name", "active", "payer", "currency"]}),
        (
            "Rating",
            {
                "fields": [
                    "exposure",
                    "max_exposure",
                    "required_inputs",
                    "base_amount",
                    "base_rate",
                    "rating_table",
                    "rating_factors",
                    "min_premium",
                    "max_premium",
                    "quote_ttl_seconds",
                ]
            },
        ),
        (
            "Cover",
            {
                "fields": [
                    "cover_rule",
                    "cover_table",
                    "max_cover",
                    "cover_starts",
                    "cover_ends",
                    "term_months_allowed",
                    "max_cover_days",
                    "refund_rule",
                ]
            },
        ),
        (
            "Claims",
            {
                "fields": [
                    "claim_trigger",
                    "claim_event",
                    "claim_window_start",
                    "claim_window_hours",
                    "photo_required",
                    "tracking_number_required",
                    "claims_per_policy",
                    "payout_rule",
                    "recover_from_merchant",
                ]
            },
        ),
    ]


@admin.register(MerchantProductTerms)
class MerchantProductTermsAdmin(admin.ModelAdmin):
    list_display = [
        "merchant",
        "product",
        "enabled",
        "payer",
        "base_rate",
        "min_premium",
        "max_premium",
        "max_cover",
        "claim_window_hours",
    ]
    list_filter = ["product", "enabled"]


class PolicyEventInline(admin.TabularInline):
    model = PolicyEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "reason", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "merchant",
        "product",
        "order_ref",
        "buyer_ref",
        "status",
        "premium",
        "cover",
        "cover_used",
        "issued_at",
    ]
    list_filter = ["product", "status"]
    search_fields = ["order_ref", "buyer_ref"]
    list_select_related = ["merchant", "product"]
    inlines = [PolicyEventInline]


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["id", "merchant", "product", "premium", "cover", "created_at", "expires_at"]
    list_select_related = ["merchant", "product"]


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ["order_ref", "merchant", "kind", "tracking_number", "occurred_at"]
    list_filter = ["kind"]
    search_fields = ["order_ref", "tracking_number"]


@admin.register(LedgerTransfer)
class LedgerTransferAdmin(ReadOnlyAdmin):
    list_display = [
        "journal_ref",
        "kind",
        "debit_account",
        "credit_account",
        "amount",
        "currency",
        "merchant",
        "product",
        "created_at",
    ]
    list_filter = ["kind", "product"]
    search_fields = ["journal_ref"]


@admin.register(RiskProfile)
class RiskProfileAdmin(ReadOnlyAdmin):
    list_display = ["subject", "subject_ref", "policies", "returns", "claims", "refreshed_at"]
    list_filter = ["subject"]
    search_fields = ["subject_ref"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Merchants make endpoints and their secrets; staff may look and switch one off, and see
    no secret."""

    list_display = ["url", "merchant", "active", "created_at"]
    list_filter = ["active"]
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["previous_secret_expires_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request) -> bool:
        return False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["attempted_at", "status_code", "duration_ms", "error", "response_excerpt"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "event", "endpoint", "status", "attempts", "created_at", "delivered_at"]
    list_filter = ["status"]
    inlines = [WebhookAttemptInline]
