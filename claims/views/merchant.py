"""The merchant portal's claim pages: the claims list and detail with its photos, a policy with
its claims, and deposit insurance."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims.models import ClaimStatus
from claims.selectors import (
    claim_get_for_merchant,
    claim_photo_for_merchant,
    claims_for_merchant,
    deposit_claims_for_policies,
)
from claims.views.photos import photo_response
from config.errors import ApplicationError
from config.streaming import csv_response
from insurance.forms import DepositQuoteForm, ListFilterForm
from insurance.labels import error_message
from insurance.models import Exposure, PolicyStatus
from insurance.selectors import (
    policies_for_merchant,
    policy_get_for_merchant,
    quote_get_for_merchant,
)
from insurance.services.policies import BindRequest, CoverRequest, policy_bind, quote_create
from insurance.templatetags.money import money
from insurance.views import filtered, merchant_required, page_of, web_actor


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
                    c.amount,
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


@merchant_required
def policy_detail(request: HttpRequest, policy_id: int) -> HttpResponse:
    try:
        policy = policy_get_for_merchant(merchant=request.merchant, policy_id=policy_id)
    except ApplicationError:
        raise Http404 from None
    return render(
        request,
        "merchant/policy_detail.html",
        {
            "policy": policy,
            "claims": claims_for_merchant(merchant=request.merchant).filter(policy=policy),
            "order_policies": policies_for_merchant(merchant=request.merchant)
            .filter(order_ref=policy.order_ref)
            .count(),
            "events": policy.events.all(),
            "section": "policies",
        },
    )


def _deposit_policies(merchant):
    return (
        policies_for_merchant(merchant=merchant)
        .filter(product__exposure=Exposure.DEPOSIT_AMOUNT)
        .order_by("-issued_at")
    )


@merchant_required
def deposit(request: HttpRequest) -> HttpResponse:
    """Deposit insurance: the cover, the claims paid against it and what is owed back; a
    quote is shown before buying or renewing."""
    policies = list(_deposit_policies(request.merchant))
    quote = None
    form = DepositQuoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            quote = quote_create(
                merchant=request.merchant,
                request=CoverRequest(product="merchant_deposit", **form.cleaned_data),
            )
        except ApplicationError as error:
            form.add_error(None, error_message(error))
    claims = deposit_claims_for_policies(policy_ids=[p.pk for p in policies])
    owed = sum((c.recovery.outstanding for c in claims if hasattr(c, "recovery")), start=0)
    return render(
        request,
        "merchant/deposit.html",
        {
            "form": form,
            "quote": quote,
            "policies": policies,
            "claims": claims,
            "owed": owed,
            "active": [p for p in policies if p.status == PolicyStatus.ACTIVE],
            "section": "deposit",
        },
    )


@merchant_required
@require_POST
def deposit_confirm(request: HttpRequest) -> HttpResponse:
    try:
        quote = quote_get_for_merchant(
            merchant=request.merchant, quote_id=request.POST.get("quote_id", "")
        )
        number = _deposit_policies(request.merchant).count() + 1
        policy = policy_bind(
            merchant=request.merchant,
            actor=web_actor(request),
            bind=BindRequest(
                order_ref=f"DEPOSIT-{timezone.localdate().year}-{number}", quote_id=str(quote.pk)
            ),
        )
    except ApplicationError as error:
        messages.error(request, error_message(error))
    except ValueError:  # not a quote id at all
        messages.error(request, _("That quote does not exist; ask for a new one."))
    else:
        messages.success(
            request,
            _("Deposit cover bought: policy %(id)s, premium %(premium)s.")
            % {"id": policy.pk, "premium": money(policy.premium, policy.currency)},
        )
    return redirect("merchant:deposit")
