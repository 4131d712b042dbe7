"""The merchant portal's web helpers: who may see a page, and a list's filters and pages.

Every page shows the logged-in user's merchant only; a row of another merchant is a 404,
exactly like one that does not exist.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from insurance.money import money_text
from insurance.selectors import merchant_for_user

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


def amount(value, currency: str) -> str | None:
    """An amount for a CSV export, as the API writes it: in its currency's minor unit (JPY
    1500, CNY 6.48)."""
    return None if value is None else money_text(value, currency)
