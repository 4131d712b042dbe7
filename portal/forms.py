"""Forms of the merchant portal. Every label and message goes through gettext."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from insurance.labels import product_label
from insurance.models import PolicyStatus, Product, WebhookEventType

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


class DepositQuoteForm(forms.Form):
    deposit_amount = forms.DecimalField(
        label=_("Deposit amount (CNY)"), min_value=Decimal("1"), max_digits=14, decimal_places=2
    )
    term_months = forms.TypedChoiceField(
        label=_("Term"), coerce=int, choices=[(12, _("12 months")), (6, _("6 months"))]
    )


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
