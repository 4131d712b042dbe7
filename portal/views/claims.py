"""The merchant's claims: the list (and its CSV export), a claim with its photos, payout and
history, and a claim photo (the merchant's own only)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from claims.models import ClaimStatus
from claims.selectors import claim_get_for_merchant, claim_photo_for_merchant, claims_for_merchant
from claims.views.photos import photo_response
from config.errors import ApplicationError
from config.streaming import csv_response
from portal.forms import ListFilterForm
from portal.web import amount, filtered, merchant_required, page_of


class ClaimFilterForm(ListFilterForm):
    status_choices = ClaimStatus.choices
    sort_choices = [
        ("-submitted_at", gettext_lazy("Newest first")),
        ("submitted_at", gettext_lazy("Oldest first")),
        ("-amount", gettext_lazy("Highest amount")),
    ]
    order_ref_field = "policy__order_ref"


CLAIM_CSV_HEADER = [
    "id",
    "policy_id",
    "order_ref",
    "product",
    "origin",
    "claimant_ref",
    "status",
    "reason_code",
    "amount",
    "currency",
    "submitted_at",
    "decided_at",
    "paid_at",
]


@merchant_required
def claim_list(request: HttpRequest) -> HttpResponse:
    form = ClaimFilterForm(request.GET or None)
    claims = filtered(
        claims_for_merchant(merchant=request.merchant).select_related("policy"),
        form,
        "submitted_at",
    )
    if request.GET.get("export") == "csv":

        def when(moment):
            return moment and timezone.localtime(moment).isoformat()

        return csv_response(
            filename=f"claims-{timezone.localdate().isoformat()}.csv",
            header=CLAIM_CSV_HEADER,
            rows=(
                [
                    c.pk,
                    c.policy_id,
                    c.policy.order_ref,
                    c.product.code,
                    c.origin,
                    c.claimant_ref,
                    c.status,
                    c.reason_code,
                    amount(c.amount, c.currency),
                    c.currency,
                    when(c.submitted_at),
                    when(c.decided_at),
                    when(c.paid_at),
                ]
                for c in claims.iterator(chunk_size=2000)
            ),
        )
    return render(
        request,
        "merchant/claim_list.html",
        {"form": form, "page": page_of(request, claims), "section": "claims"},
    )


@merchant_required
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    try:
        claim = claim_get_for_merchant(merchant=request.merchant, claim_id=claim_id)
    except ApplicationError:
        raise Http404 from None
    return render(
        request,
        "merchant/claim_detail.html",
        {
            "claim": claim,
            "photos": claim.photos.all(),
            "payout": getattr(claim, "payout", None),
            "recovery": getattr(claim, "recovery", None),
            "events": claim.events.all(),
            "section": "claims",
        },
    )


@merchant_required
def claim_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A photo of one of the merchant's own claims (another merchant's is a 404)."""
    return photo_response(claim_photo_for_merchant(merchant=request.merchant, photo_id=photo_id))
