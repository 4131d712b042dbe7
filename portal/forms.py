"""Forms of the merchant portal. Every label and message goes through gettext."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from insurance.labels import product_label
from insurance.models import Exposure, PolicyStatus, Product, WebhookEventType

PERIODS = [(7, _("Last 7 days")), (30, _("Last 30 days")), (90, _("Last 90 days"))]


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"), choices=PERIODS, coerce=int, initial=30, required=False
    )


def _product_choices():
    return [("", _("All products"))] + [
        (p.code, product_label(p)) for p in Product.objects.order_by("code")
    ]


class ListFilterForm(forms.Form):
    """Filters of the policy and claim lists; `status_choices` comes from the subclass."""

    status_choices: list = []
    sort_choices: list = []

    product = forms.ChoiceField(label=_("Product"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    order_ref = forms.CharField(label=_("Order reference"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = _product_choices()
        self.fields["status"].choices = [("", _("Any status")), *self.status_choices]
        self.fields["sort"].choices = self.sort_choices

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class PolicyFilterForm(ListFilterForm):
    status_choices = PolicyStatus.choices
    sort_choices = [
        ("-issued_at", _("Newest first")),
        ("issued_at", _("Oldest first")),
        ("-premium", _("Highest premium")),
        ("order_ref", _("Order reference")),
    ]


class OwnCoverQuoteForm(forms.Form):
    """A quote for cover the merchant buys for itself (deposit insurance and the like): its
    fields come from the products' data, the amount named and in the currency of the amount
    the product is rated on, the terms those the products allow."""

    product = forms.ChoiceField(label=_("Product"))

    def __init__(self, *args, offers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.products = {offer.product.code: offer.product for offer in offers}
        self.fields["product"].choices = [
            (code, product_label(product)) for code, product in self.products.items()
        ]
        if len(self.products) == 1:  # nothing to choose
            self.fields["product"].required = False
            self.fields["product"].widget = forms.HiddenInput()
        exposures = list(dict.fromkeys(p.exposure for p in self.products.values()))
        for exposure in exposures:
            currencies = sorted(
                {p.currency for p in self.products.values() if p.exposure == exposure}
            )
            self.fields[exposure] = forms.DecimalField(
                label=gettext("%(amount)s (%(currency)s)")
                % {"amount": Exposure(exposure).label, "currency": ", ".join(currencies)},
                min_value=Decimal("1"),
                max_digits=14,
                decimal_places=2,
                required=len(exposures) == 1,  # else the chosen product's (clean)
            )
        months = sorted({m for p in self.products.values() for m in p.term_months_allowed})
        if months:
            self.fields["term_months"] = forms.TypedChoiceField(
                label=_("Term"),
                coerce=int,
                choices=[
                    (m, ngettext("%(months)s month", "%(months)s months", m) % {"months": m})
                    for m in reversed(months)
                ],
            )

    def clean(self):
        data = super().clean()
        if not data.get("product") and len(self.products) == 1:
            data["product"] = next(iter(self.products))
        product = self.products.get(data.get("product"))
        missing = product is not None and data.get(product.exposure) is None
        if missing and product.exposure not in self.errors:
            self.add_error(product.exposure, forms.Field.default_error_messages["required"])
        return data

    def cover_request(self) -> dict:
        """The quote's inputs: the chosen product, its amount and term."""
        product = self.products[self.cleaned_data["product"]]
        inputs = {"product": product.code, product.exposure: self.cleaned_data[product.exposure]}
        if product.term_months_allowed:
            inputs["term_months"] = self.cleaned_data["term_months"]
        return inputs


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Say where the key is used, e.g. checkout-prod."),
    )


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
