from django.contrib import admin

from fraud.models import ClaimantTrust


@admin.register(ClaimantTrust)
class ClaimantTrustAdmin(admin.ModelAdmin):
    """Staff raise a claimant's trust level here: the only way trust recovers."""

    list_display = ["claimant_ref", "level", "updated_at"]
    search_fields = ["claimant_ref"]
