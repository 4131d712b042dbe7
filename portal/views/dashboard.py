"""The merchant's dashboard: a period's figures by day and product, against the period before."""

from datetime import timedelta
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone

from insurance.labels import product_label
from insurance.money import DEFAULT_CURRENCY
from insurance.selectors import merchant_daily_figures
from portal.forms import PeriodForm
from portal.web import merchant_required


def _change(now, before):
    """How a figure moved against the previous period: a ratio (0.25 is 25% more), or None
    when there is nothing to compare with."""
    if now is None or not before:
        return None
    return (now - before) / before


def _money_rows(now: dict, before: dict) -> list[dict]:
    """Premiums, claims paid and loss ratio per currency (never added across currencies), each
    against the previous period; zeros in the default currency for a merchant with none."""
    empty = {"premiums": Decimal(0), "claims": Decimal(0), "loss_ratio": None}
    rows = []
    for currency in sorted(now.keys() | before.keys()) or [DEFAULT_CURRENCY]:
        figures, earlier = now.get(currency, empty), before.get(currency, empty)
        ratio, earlier_ratio = figures["loss_ratio"], earlier["loss_ratio"]
        rows.append(
            {
                "currency": currency,
                **figures,
                "changes": {
                    "premiums": _change(figures["premiums"], earlier["premiums"]),
                    "claims": _change(figures["claims"], earlier["claims"]),
                    # The loss ratio moves in points, not in a share of itself.
                    "loss_ratio": None
                    if ratio is None or earlier_ratio is None
                    else ratio - earlier_ratio,
                },
            }
        )
    return rows


@merchant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or 30
    end = timezone.localdate()
    start = end - timedelta(days=days - 1)
    figures = merchant_daily_figures(merchant=request.merchant, start=start, end=end)
    previous = merchant_daily_figures(
        merchant=request.merchant, start=start - timedelta(days=days), end=start - timedelta(1)
    )
    policies, policies_before = figures["totals"]["policies"], previous["totals"]["policies"]
    chart = {
        "days": [day.isoformat() for day in figures["days"]],
        "day_labels": [formats.date_format(day, "MONTH_DAY_FORMAT") for day in figures["days"]],
        "products": {code: product_label(code) for code in figures["series"]},
        "series": figures["series"],
        "money": {
            currency: {name: [float(v) for v in values] for name, values in daily.items()}
            for currency, daily in figures["money"].items()
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
            "policies": policies,
            "policies_change": _change(policies, policies_before),
            "money_rows": _money_rows(figures["by_currency"], previous["by_currency"]),
            "chart": chart,
            "section": "dashboard",
        },
    )
