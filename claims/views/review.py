"""The reviewers' dashboard: the queue of claims that need a person, a claim with its evidence
and every signal, and the decisions (audited; two reviewers cannot decide one claim)."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims.models import REVIEWERS_GROUP, ClaimPhoto, ReviewerRejectReason
from claims.selectors import (
    claim_for_review,
    claim_photo_by_ref,
    claim_queue,
    claim_queue_reason_counts,
    claimant_history,
)
from claims.services import claim_approve, claim_assign, claim_confirm_fraud, claim_reject
from config.errors import ApplicationError, ConflictError
from fraud.selectors import claimant_trust_level
from insurance.models import Merchant, Product
from insurance.views import web_actor

QUEUE_PAGE_SIZE = 50
# How to turn the new photo so it lines up with the earlier one it matched: the match's
# transform names the turn applied to the new photo (PIL's ROTATE_90 is counterclockwise).
ALIGN_CSS = {
    "identity": "none",
    "rot90": "rotate(-90deg)",
    "rot180": "rotate(180deg)",
    "rot270": "rotate(90deg)",
    "mirror": "scaleX(-1)",
    "mirror_rot90": "rotate(-90deg) scaleX(-1)",
    "mirror_rot180": "rotate(180deg) scaleX(-1)",
    "mirror_rot270": "rotate(90deg) scaleX(-1)",
}


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
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=60)
    merchant = forms.ChoiceField(label=gettext_lazy("Merchant"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("All products"))] + [
            (p.code, p.name) for p in Product.objects.order_by("code")
        ]
        self.fields["merchant"].choices = [("", _("All merchants"))] + [
            (m.slug, m.name) for m in Merchant.objects.order_by("name")
        ]


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", "approve"), ("reject", "reject"), ("fraud", "fraud")]
    )
    reason_code = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        required=False,
        choices=[("", "—"), *ReviewerRejectReason.choices],
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not data.get("reason_code"):
            self.add_error("reason_code", _("Choose the reason for the rejection."))
        return data


def _queue(params) -> tuple[QueueFilterForm, object]:
    form = QueueFilterForm(params or None)
    claims = claim_queue()
    if form.is_valid():
        if form.cleaned_data["product"]:
            claims = claims.filter(product__code=form.cleaned_data["product"])
        if form.cleaned_data["merchant"]:
            claims = claims.filter(merchant__slug=form.cleaned_data["merchant"])
        if form.cleaned_data["reason"]:
            claims = claims.filter(review_reasons__contains=[{"code": form.cleaned_data["reason"]}])
    return form, claims


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    form, claims = _queue(request.GET)
    context = {
        "form": form,
        "page": Paginator(claims, QUEUE_PAGE_SIZE).get_page(request.GET.get("page")),
        "reason_counts": claim_queue_reason_counts(),
        "section": "queue",
    }
    if request.htmx:  # a filter changed: only the table is redrawn
        return render(request, "review/_queue_table.html", context)
    return render(request, "review/queue.html", context)


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
                "new": new,
                "earlier": earlier,
                "earlier_claim": earlier.claim if earlier else None,
                "align": ALIGN_CSS.get(reason.get("transform"), "none"),
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
        {
            "claim": claim,
            "policy": claim.policy,
            "photos": claim.photos.all(),
            "events": claim.events.all(),
            "matches": _matches(claim),
            "signals": claim.review_reasons,
            "history": claimant_history(claimant_ref=claim.claimant_ref, exclude_claim_id=claim.pk),
            "trust_level": claimant_trust_level(claimant_ref=claim.claimant_ref),
            "previous_id": order[position - 1] if position else None,
            "next_id": order[position + 1]
            if position is not None and position + 1 < len(order)
            else None,
            "form": DecisionForm(),
            "section": "queue",
        },
    )


@reviewer_required
@require_POST
def claim_take(request: HttpRequest, claim_id: int) -> HttpResponse:
    try:
        claim_assign(claim_id=claim_id, reviewer=request.user, actor=web_actor(request))
    except ConflictError as conflict:
        messages.warning(request, conflict.message)
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
            messages.success(
                request, _("Claim %(id)s approved; the payout is on its way.") % {"id": claim_id}
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
        messages.error(request, error.message)
        return redirect("review:claim", claim_id=claim_id)
    if upcoming:
        return redirect("review:claim", claim_id=upcoming[0])
    return redirect(reverse("review:queue"))


@reviewer_required
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    photo = ClaimPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    try:
        file = photo.image.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(file, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
