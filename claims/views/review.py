"""The reviewers' dashboard: the queue of claims that need a person, a claim with its evidence
and every signal, and the decisions (audited; two reviewers cannot decide one claim)."""

from datetime import datetime
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims.labels import SIGNALS, signal_label
from claims.models import REVIEWERS_GROUP, ReviewerRejectReason
from claims.selectors import (
    claim_for_review,
    claim_photo_by_ref,
    claim_photo_for_review,
    claim_queue,
    claim_queue_reason_counts,
    claimant_history,
)
from claims.services import (
    claim_approval_undo,
    claim_approval_undo_until,
    claim_approve,
    claim_assign,
    claim_confirm_fraud,
    claim_reject,
)
from claims.views.photos import photo_response
from config.errors import ApplicationError, ConflictError, NotFoundError
from config.web import web_actor
from fraud.selectors import claimant_trust_level
from insurance.labels import error_message, product_label
from insurance.models import Merchant, Product

QUEUE_PAGE_SIZE = 50


def is_reviewer(user) -> bool:
    return user.is_superuser or user.groups.filter(name=REVIEWERS_GROUP).exists()


def reviewer_required(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_reviewer(request.user):
            raise PermissionDenied(_("This page is for claims reviewers."))
        return view(request, *args, **kwargs)

    return wrapper


class QueueFilterForm(forms.Form):
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), required=False)
    merchant = forms.ChoiceField(label=gettext_lazy("Merchant"), required=False)

    def __init__(self, *args, reasons=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("All products"))] + [
            (p.code, product_label(p)) for p in Product.objects.order_by("code")
        ]
        self.fields["reason"].choices = [("", _("Any reason"))] + [
            (code, signal_label(code)) for code in reasons
        ]
        self.fields["merchant"].choices = [("", _("All merchants"))] + [
            (m.slug, m.name) for m in Merchant.objects.order_by("name")
        ]


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("approve", "reject", "fraud")])
    reason_code = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        required=False,
        choices=[("", gettext_lazy("Reason to reject…")), *ReviewerRejectReason.choices],
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": gettext_lazy("Note (optional)")}),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not data.get("reason_code"):
            self.add_error("reason_code", _("Choose the reason for the rejection."))
        return data


def _queue(params, reason_counts: dict[str, int]) -> tuple[QueueFilterForm, object]:
    # The reasons in the queue first; any known reason is a valid filter (it may find nothing).
    form = QueueFilterForm(params or None, reasons=dict.fromkeys([*reason_counts, *SIGNALS]))
    if not form.is_valid():
        return form, claim_queue()
    return form, claim_queue(
        product=form.cleaned_data["product"],
        merchant=form.cleaned_data["merchant"],
        reason=form.cleaned_data["reason"],
    )


def _with_undo(request: HttpRequest, context: dict) -> dict:
    """The reviewer's last approval while it can still be undone, shown on the next page."""
    undo = request.session.pop("undo", None)
    if undo is not None:
        left = datetime.fromisoformat(undo["until"]) - timezone.now()
        undo = (
            {**undo, "seconds_left": int(left.total_seconds())}
            if left.total_seconds() >= 1
            else None
        )
    return {**context, "undo": undo}


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    reason_counts = claim_queue_reason_counts()
    form, claims = _queue(request.GET, reason_counts)
    context = {
        "form": form,
        "page": Paginator(claims, QUEUE_PAGE_SIZE).get_page(request.GET.get("page")),
        "reason_counts": reason_counts,
        "section": "queue",
    }
    if request.htmx:  # a filter changed: only the table is redrawn
        return render(request, "review/_queue_table.html", context)
    return render(request, "review/queue.html", _with_undo(request, context))


def _matches(claim) -> list[dict]:
    """Each reused-photo signal with both photos, for side-by-side viewing."""
    matches = []
    for reason in claim.review_reasons:
        if "matched_photo_ref" not in reason:
            continue
        new = claim_photo_by_ref(photo_ref=reason["photo_ref"])
        earlier = claim_photo_by_ref(photo_ref=reason["matched_photo_ref"])
        matches.append(
            {
                **reason,
                "indexed_at": datetime.fromisoformat(reason["indexed_at"]),
                "matched_claim_id": int(reason["matched_claim_ref"].partition(":")[2]),
                "new": new,
                "earlier": earlier,
                "earlier_claim": earlier.claim if earlier else None,
            }
        )
    return matches


@reviewer_required
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    try:
        claim = claim_for_review(claim_id=claim_id)
    except ApplicationError:
        raise Http404 from None
    order = list(claim_queue().values_list("pk", flat=True))
    position = order.index(claim.pk) if claim.pk in order else None
    return render(
        request,
        "review/claim.html",
        _with_undo(
            request,
            {
                "claim": claim,
                "policy": claim.policy,
                "photos": claim.photos.all(),
                "events": claim.events.all(),
                "matches": _matches(claim),
                # Grouped by code on the page (one photo may match several claims).
                "signals": sorted(claim.review_reasons, key=lambda r: (-r["weight"], r["code"])),
                "history": claimant_history(
                    claimant_ref=claim.claimant_ref, exclude_claim_id=claim.pk
                ),
                "trust_level": claimant_trust_level(claimant_ref=claim.claimant_ref),
                "previous_id": order[position - 1] if position else None,
                "next_id": order[position + 1]
                if position is not None and position + 1 < len(order)
                else None,
                "form": DecisionForm(),
                "undo_until": claim_approval_undo_until(claim=claim),
                "section": "queue",
            },
        ),
    )


@reviewer_required
@require_POST
def claim_take(request: HttpRequest, claim_id: int) -> HttpResponse:
    try:
        claim_assign(claim_id=claim_id, reviewer=request.user, actor=web_actor(request))
    except ConflictError as conflict:
        messages.warning(request, error_message(conflict))
    return redirect("review:claim", claim_id=claim_id)


@reviewer_required
@require_POST
def claim_decide(request: HttpRequest, claim_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("review:claim", claim_id=claim_id)
    upcoming = [pk for pk in claim_queue().values_list("pk", flat=True) if pk != claim_id]
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    actor = web_actor(request)
    try:
        if action == "approve":
            claim_approve(claim_id=claim_id, actor=actor, note=note)
            until = claim_approval_undo_until(claim=claim_for_review(claim_id=claim_id))
            if until is not None:
                request.session["undo"] = {"claim_id": claim_id, "until": until.isoformat()}
            else:
                messages.success(
                    request,
                    _("Claim %(id)s approved; the payout is on its way.") % {"id": claim_id},
                )
        elif action == "reject":
            claim_reject(
                claim_id=claim_id,
                actor=actor,
                reason_code=form.cleaned_data["reason_code"],
                note=note,
            )
            messages.success(request, _("Claim %(id)s rejected.") % {"id": claim_id})
        else:
            claim, level = claim_confirm_fraud(claim_id=claim_id, actor=actor, note=note)
            messages.success(
                request,
                _("Fraud confirmed on claim %(id)s: %(who)s's trust level is now %(level)s.")
                % {"id": claim_id, "who": claim.claimant_ref, "level": level},
            )
    except ConflictError:
        messages.warning(
            request,
            _("Claim %(id)s was decided by someone else in the meantime; nothing was changed.")
            % {"id": claim_id},
        )
        return redirect("review:claim", claim_id=claim_id)
    except ApplicationError as error:
        messages.error(request, error_message(error))
        return redirect("review:claim", claim_id=claim_id)
    if upcoming:
        return redirect("review:claim", claim_id=upcoming[0])
    return redirect(reverse("review:queue"))


@reviewer_required
@require_POST
def claim_undo(request: HttpRequest, claim_id: int) -> HttpResponse:
    try:
        claim_approval_undo(claim_id=claim_id, actor=web_actor(request))
    except NotFoundError:
        raise Http404 from None
    except ConflictError:
        messages.warning(
            request, _("Too late: the payout of claim %(id)s was released.") % {"id": claim_id}
        )
    else:
        messages.success(
            request,
            _("Approval of claim %(id)s undone: it is back in the queue.") % {"id": claim_id},
        )
    return redirect("review:claim", claim_id=claim_id)


@reviewer_required
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    return photo_response(
        claim_photo_for_review(photo_id=photo_id), turn=request.GET.get("turn", "identity")
    )
