"""The merchant's policies: the list (and its CSV export) and a policy with its claims."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from claims.selectors import claims_for_merchant
from config.errors import ApplicationError
from config.streaming import csv_response
from insurance.selectors import policies_for_merchant, policy_get_for_merchant
from portal.forms import PolicyFilterForm
from portal.web import amount, filtered, merchant_required, page_of


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
                    amount(p.exposure_amount, p.currency),
                    amount(p.premium, p.currency),
                    amount(p.cover, p.currency),
                    amount(p.cover_used, p.currency),
                    timezone.localtime(p.issued_at).isoformat(),
                    p.ended_at and timezone.localtime(p.ended_at).isoformat(),
                    amount(p.refund_amount, p.currency),
                ]
                for p in policies.iterator(chunk_size=2000)
            ),
        )
    return render(
        request,
        "merchant/policy_list.html",
        {"form": form, "page": page_of(request, policies), "section": "policies"},
    )


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
