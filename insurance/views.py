"""The merchant portal: dashboard, policies and developer settings (claims and deposit
insurance are claims' pages: claims.views.merchant).

Every page shows the logged-in user's merchant only; a policy of another merchant is a 404,
exactly like one that does not exist.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError, NotFoundError
from config.streaming import csv_response
from insurance.forms import ApiKeyForm, PeriodForm, PolicyFilterForm, WebhookEndpointForm
from insurance.labels import error_message, product_label
from insurance.selectors import (
    api_keys_for_merchant,
    merchant_daily_figures,
    merchant_for_user,
    policies_for_merchant,
    webhook_deliveries_for_merchant,
    webhook_endpoints_for_merchant,
)
from insurance.services.api_keys import api_key_create, api_key_revoke
from insurance.services.webhooks import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_rotate_secret,
)

PAGE_SIZE = 25


def merchant_required(view):
    """Logged in, and a member of a merchant: the view gets `request.merchant`."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        merchant = merchant_for_user(user=request.user)
        if merchant is None:
            raise PermissionDenied(_("This page is for merchant users."))
        request.merchant = merchant
        return view(request, *args, **kwargs)

    return wrapper


def web_actor(request: HttpRequest) -> str:
    return f"user:{request.user.get_username()}"


def filtered(queryset: QuerySet, form, date_field: str) -> QuerySet:
    """A list's queryset with the form's filters and sort applied (an invalid form: none,
    newest first)."""
    if not form.is_valid():
        return queryset.order_by(form.sort_choices[0][0], "-id")
    data = form.cleaned_data
    if data.get("product"):
        queryset = queryset.filter(product__code=data["product"])
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("date_from"):
        queryset = queryset.filter(**{f"{date_field}__date__gte": data["date_from"]})
    if data.get("date_to"):
        queryset = queryset.filter(**{f"{date_field}__date__lte": data["date_to"]})
    if data.get("order_ref"):
        queryset = queryset.filter(**{form.order_ref_field: data["order_ref"].strip()})
    return queryset.order_by(data.get("sort") or form.sort_choices[0][0], "-id")


def page_of(request: HttpRequest, queryset: QuerySet):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Dashboard -------------------------------------------------------------------------------
def _change(now, before):
    """How a figure moved against the previous period: a ratio (0.25 is 25% more), or None
    when there is nothing to compare with."""
    if now is None or not before:
        return None
    return (now - before) / before


@merchant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or 30
    end = timezone.localdate()
    start = end - timedelta(days=days - 1)
    figures = merchant_daily_figures(merchant=request.merchant, start=start, end=end)
    previous = merchant_daily_figures(
        merchant=request.merchant, start=start - timedelta(days=days), end=start - timedelta(1)
    )["totals"]
    totals = figures["totals"]
    chart = {
        "days": [day.isoformat() for day in figures["days"]],
        "day_labels": [formats.date_format(day, "MONTH_DAY_FORMAT") for day in figures["days"]],
        "products": {code: product_label(code) for code in figures["series"]},
        "series": {
            code: {name: [float(v) for v in values] for name, values in data.items()}
            for code, data in figures["series"].items()
        },
        # Where a click on a chart goes: the list of that day's policies or paid claims.
        "links": {
            "policies": reverse("merchant:policies"),
            "claims": reverse("merchant:claims"),
        },
    }
    return render(
        request,
        "merchant/dashboard.html",
        {
            "form": form,
            "days": days,
            "totals": totals,
            "previous": previous,
            "changes": {
                **{name: _change(totals[name], previous[name]) for name in totals},
                # The loss ratio moves in points, not in a share of itself.
                "loss_ratio": None
                if totals["loss_ratio"] is None or previous["loss_ratio"] is None
                else totals["loss_ratio"] - previous["loss_ratio"],
            },
            "chart": chart,
            "section": "dashboard",
        },
    )


# --- Policies --------------------------------------------------------------------------------
class _PolicyFilter(PolicyFilterForm):
    order_ref_field = "order_ref"


POLICY_CSV_HEADER = [
    "id",
    "product",
    "order_ref",
    "buyer_ref",
    "status",
    "currency",
    "exposure_amount",
    "premium",
    "cover",
    "cover_used",
    "issued_at",
    "ended_at",
    "refund_amount",
]


@merchant_required
def policy_list(request: HttpRequest) -> HttpResponse:
    form = _PolicyFilter(request.GET or None)
    policies = filtered(policies_for_merchant(merchant=request.merchant), form, "issued_at")
    if request.GET.get("export") == "csv":
        return csv_response(
            filename=f"policies-{timezone.localdate().isoformat()}.csv",
            header=POLICY_CSV_HEADER,
            rows=(
                [
                    p.pk,
                    p.product.code,
                    p.order_ref,
                    p.buyer_ref,
                    p.status,
                    p.currency,
                    p.exposure_amount,
                    p.premium,
                    p.cover,
                    p.cover_used,
                    timezone.localtime(p.issued_at).isoformat(),
                    p.ended_at and timezone.localtime(p.ended_at).isoformat(),
                    p.refund_amount,
                ]
                for p in policies.iterator(chunk_size=2000)
            ),
        )
    return render(
        request,
        "merchant/policy_list.html",
        {"form": form, "page": page_of(request, policies), "section": "policies"},
    )


# --- Developer settings ----------------------------------------------------------------------
@merchant_required
def developer(request: HttpRequest) -> HttpResponse:
    deliveries = webhook_deliveries_for_merchant(merchant=request.merchant)
    return render(
        request,
        "merchant/developer.html",
        {
            "keys": api_keys_for_merchant(merchant=request.merchant),
            "endpoints": webhook_endpoints_for_merchant(merchant=request.merchant),
            "deliveries": page_of(request, deliveries.prefetch_related("log")),
            "key_form": ApiKeyForm(),
            "endpoint_form": WebhookEndpointForm(),
            "new_key": request.session.pop("new_api_key", None),
            "new_secret": request.session.pop("new_webhook_secret", None),
            "now": timezone.now(),
            "section": "developer",
        },
    )


@merchant_required
@require_POST
def api_key_new(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the key a name."))
        return redirect("merchant:developer")
    api_key, raw_key = api_key_create(merchant=request.merchant, name=form.cleaned_data["name"])
    # Shown once, on the next page only: the session forgets it as it is read.
    request.session["new_api_key"] = {"name": api_key.name, "key": raw_key}
    return redirect("merchant:developer")


@merchant_required
@require_POST
def api_key_delete(request: HttpRequest, key_id: int) -> HttpResponse:
    api_key = api_keys_for_merchant(merchant=request.merchant).filter(pk=key_id).first()
    if api_key is None:
        raise Http404
    api_key_revoke(api_key=api_key)
    messages.success(request, _("Key %(prefix)s… revoked.") % {"prefix": api_key.prefix})
    return redirect("merchant:developer")


@merchant_required
@require_POST
def endpoint_new(request: HttpRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhook_endpoint_create(merchant=request.merchant, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error_message(error))
        else:
            _show_secret_once(request, endpoint)
            messages.success(request, _("Endpoint added."))
    else:
        messages.error(request, _("The endpoint needs an https URL and at least one event."))
    return redirect("merchant:developer")


def _show_secret_once(request: HttpRequest, endpoint) -> None:
    """On the next page only: the session forgets the secret as it is read."""
    request.session["new_webhook_secret"] = {"url": endpoint.url, "secret": endpoint.secret}


@merchant_required
@require_POST
def endpoint_rotate_secret(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    try:
        endpoint = webhook_endpoint_rotate_secret(
            merchant=request.merchant, endpoint_id=endpoint_id, actor=web_actor(request)
        )
    except NotFoundError:
        raise Http404 from None
    _show_secret_once(request, endpoint)
    return redirect(reverse("merchant:developer") + "#webhooks")


@merchant_required
@require_POST
def endpoint_disable(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    try:
        webhook_endpoint_disable(merchant=request.merchant, endpoint_id=endpoint_id)
    except NotFoundError:
        raise Http404 from None
    messages.success(request, _("Endpoint disabled."))
    return redirect("merchant:developer")


@merchant_required
@require_POST
def delivery_resend(request: HttpRequest, delivery_id: int) -> HttpResponse:
    try:
        webhook_delivery_resend(merchant=request.merchant, delivery_id=delivery_id)
    except ApplicationError as error:
        if error.status_code == 404:
            raise Http404 from None
        messages.error(request, error_message(error))
    else:
        messages.success(request, _("Delivery queued again."))
    return redirect(reverse("merchant:developer") + "#deliveries")
