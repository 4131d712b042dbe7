"""Template filters that turn codes into what a person reads (claims.labels, insurance.labels)."""

from collections import Counter

from django import template
from django.urls import reverse
from django.utils.html import format_html

from claims import labels as claim_labels
from insurance import labels as insurance_labels

register = template.Library()

register.filter("product_label", insurance_labels.product_label)
register.filter("factor_label", insurance_labels.factor_label)
register.filter("input_value", insurance_labels.input_value_label)
register.filter("actor_label", insurance_labels.actor_label)
register.filter("signal_label", claim_labels.signal_label)
register.filter("signal_explanation", claim_labels.signal_explanation)
register.filter("decision_reason", claim_labels.decision_reason_label)
register.filter("turn_label", claim_labels.turn_label)
register.filter("status_label", claim_labels.status_label)
register.filter("claim_description", claim_labels.claim_description)


@register.filter
def webhook_event_label(code: str) -> str:
    label = insurance_labels.WEBHOOK_EVENTS.get(code)
    return str(label) if label is not None else code


@register.filter
def reason_chips(review_reasons: list[dict]) -> list[dict]:
    """One chip per review reason with how many times it fired (a photo that matched five
    earlier claims is one reason, five times)."""
    counts = Counter(reason["code"] for reason in review_reasons)
    return [
        {"code": code, "label": claim_labels.signal_label(code), "count": count}
        for code, count in counts.items()
    ]


@register.filter
def event_why(reason: str, claim_url: str = ""):
    """A history row's reason in words; the claim it names links to `claim_url` (a URL
    name taking the claim id) when given."""
    text, claim = claim_labels.event_reason(reason)
    if claim is None or not claim_url:
        return text
    before, _claim, after = text.partition(str(claim))
    link = format_html('<a href="{}">#{}</a>', reverse(claim_url, args=[claim]), claim)
    return format_html("{}{}{}", before, link, after)
