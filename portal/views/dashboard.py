"""The merchant's dashboard: a period's figures by day and product, against the period before."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone

from insurance.labels import product_label
from insurance.selectors import merchant_daily_figures
from portal.forms import PeriodForm
from portal.web import merchant_required


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
