"""Deposit insurance: the merchant's own cover, the claims paid against it and what is owed back;
a quote is shown before buying or renewing."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims.selectors import deposit_claims_for_policies
from config.errors import ApplicationError
from config.web import web_actor
from insurance.labels import error_message
from insurance.models import Exposure, PolicyStatus
from insurance.selectors import policies_for_merchant, quote_get_for_merchant
from insurance.services.policies import BindRequest, CoverRequest, policy_bind, quote_create
from insurance.templatetags.money import money
from portal.forms import DepositQuoteForm
from portal.web import merchant_required


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
