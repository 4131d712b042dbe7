"""Deposit insurance, and any cover the merchant buys for itself (a product whose claims the
platform files against the merchant): the cover, the claims paid against it and what is owed
back; a quote is shown before buying or renewing. Which products these are is product data."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims.selectors import deposit_claims_for_policies
from config.errors import ApplicationError
from config.web import web_actor
from insurance.labels import error_message
from insurance.models import PolicyStatus
from insurance.selectors import (
    own_cover_offers_for_merchant,
    own_cover_policies_for_merchant,
    quote_get_for_merchant,
)
from insurance.services.counters import counter_next
from insurance.services.policies import BindRequest, CoverRequest, policy_bind, quote_create
from insurance.templatetags.money import money
from portal.forms import OwnCoverQuoteForm
from portal.web import merchant_required


@merchant_required
def deposit(request: HttpRequest) -> HttpResponse:
    policies = list(own_cover_policies_for_merchant(merchant=request.merchant))
    offers = own_cover_offers_for_merchant(merchant=request.merchant)
    quote = None
    form = OwnCoverQuoteForm(request.POST or None, offers=offers)
    if request.method == "POST" and form.is_valid():
        try:
            quote = quote_create(
                merchant=request.merchant, request=CoverRequest(**form.cover_request())
            )
        except ApplicationError as error:
            form.add_error(None, error_message(error))
    claims = deposit_claims_for_policies(policy_ids=[p.pk for p in policies])
    owed = sum((c.recovery.outstanding for c in claims if hasattr(c, "recovery")), start=0)
    return render(
        request,
        "merchant/deposit.html",
        {
            "form": form if offers else None,
            "quote": quote,
            "policies": policies,
            "claims": claims,
            "owed": owed,
            "active": [p for p in policies if p.status == PolicyStatus.ACTIVE],
            "section": "deposit",
        },
    )


def own_cover_order_ref(*, merchant, product) -> str:
    """The reference of a merchant's own cover policy: the product, the year and a number from
    the merchant's counter for that product and year (two purchases at once get two)."""
    year = timezone.localdate().year
    number = counter_next(name=f"own-cover:{merchant.pk}:{product.code}:{year}")
    return f"{product.code.upper().replace('_', '-')}-{year}-{number}"


@merchant_required
@require_POST
def deposit_confirm(request: HttpRequest) -> HttpResponse:
    try:
        quote = quote_get_for_merchant(
            merchant=request.merchant, quote_id=request.POST.get("quote_id", "")
        )
        with transaction.atomic():
            policy = policy_bind(
                merchant=request.merchant,
                actor=web_actor(request),
                bind=BindRequest(
                    order_ref=own_cover_order_ref(merchant=request.merchant, product=quote.product),
                    quote_id=str(quote.pk),
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
