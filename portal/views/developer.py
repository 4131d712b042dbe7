"""Developer settings: API keys, webhook endpoints and their deliveries."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError, NotFoundError
from config.web import web_actor
from insurance.labels import error_message
from insurance.selectors import (
    api_keys_for_merchant,
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
from portal.forms import ApiKeyForm, WebhookEndpointForm
from portal.web import merchant_required, page_of


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
