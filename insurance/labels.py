"""What a person reads for insurance's codes. The codes stay in the API and the exports; the web
pages show these labels, in the reader's language.

A code with no label here is shown as written by its row (a product's name) or with its
underscores as spaces: a newly configured product or factor still reads, in English, until it
gets its translation.
"""

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from insurance.models import PolicyStatus

PRODUCTS = {
    "shipping_return": gettext_lazy("Return-shipping insurance"),
    "fresh_produce": gettext_lazy("Fresh-produce spoilage insurance"),
    "merchant_deposit": gettext_lazy("Merchant deposit insurance"),
}

# Rating factors by the input they read (a factor's name is staff's free text).
FACTOR_INPUTS = {
    "category": gettext_lazy("Category"),
    "distance_band": gettext_lazy("Buyer-to-seller distance"),
    "transit_days": gettext_lazy("Days in transit"),
    "term_months": gettext_lazy("Policy term (months)"),
    "buyer_return_rate": gettext_lazy("Buyer's return rate"),
    "buyer_claim_rate": gettext_lazy("Buyer's claim rate"),
    "merchant_return_rate": gettext_lazy("Merchant's return rate"),
    "merchant_claim_rate": gettext_lazy("Merchant's claim rate"),
    "trust_level": gettext_lazy("Buyer's trust level"),
}

# Values of the categorical inputs: product categories and distance bands.
INPUT_VALUES = {
    "apparel": gettext_lazy("Apparel"),
    "shoes": gettext_lazy("Shoes"),
    "bags": gettext_lazy("Bags"),
    "electronics": gettext_lazy("Electronics"),
    "home": gettext_lazy("Home goods"),
    "beauty": gettext_lazy("Beauty"),
    "food": gettext_lazy("Food"),
    "books": gettext_lazy("Books"),
    "live_seafood": gettext_lazy("Live seafood"),
    "seafood": gettext_lazy("Seafood"),
    "meat": gettext_lazy("Meat"),
    "dairy": gettext_lazy("Dairy"),
    "fruit": gettext_lazy("Fruit"),
    "vegetables": gettext_lazy("Vegetables"),
    "same_city": gettext_lazy("Same city"),
    "same_province": gettext_lazy("Same province"),
    "cross_province": gettext_lazy("Another province"),
    "remote": gettext_lazy("Remote region"),
}

ACTORS = {
    "system:adjudicator": gettext_lazy("Automatic claims check"),
    "system:scheduler": gettext_lazy("Scheduler"),
    "system:seed_demo": gettext_lazy("Demo data"),
}

WEBHOOK_EVENTS = {
    "policy.issued": gettext_lazy("Policy issued"),
    "policy.cancelled": gettext_lazy("Policy cancelled"),
    "claim.decided": gettext_lazy("Claim decided"),
    "claim.paid": gettext_lazy("Claim paid"),
}


# What a web page in another language than English says for an error a service raised; in
# English the service's own message is shown (it names the details: which address, what
# limit), as is any error without a line here.
ERRORS = {
    "invalid_webhook_url": gettext_lazy("That URL cannot receive webhooks: use an https URL."),
    "webhook_address_not_public": gettext_lazy(
        "That URL's server is not on the public internet; webhooks go to public addresses only."
    ),
    "quote_expired": gettext_lazy("The quote's price is no longer held: ask for a new quote."),
    "quote_not_found": gettext_lazy("That quote does not exist; ask for a new one."),
    "quote_already_bound": gettext_lazy("That quote was used already."),
    "amount_out_of_range": gettext_lazy("The amount is outside what this product covers."),
    "invalid_term": gettext_lazy("This cover is not sold for that term."),
    "product_not_available": gettext_lazy("This product is not available to your shop."),
    "claim_already_decided": gettext_lazy("Someone decided this claim already."),
    "claim_state_changed": gettext_lazy("The claim changed meanwhile: look at it again."),
    "delivery_in_progress": gettext_lazy("The delivery has not been tried yet."),
    "invalid_reason": gettext_lazy("Choose one of the listed reasons."),
}


def error_message(error) -> str:
    """An ApplicationError in the reader's language."""
    message = ERRORS.get(error.code)
    if message is None or (get_language() or "en").startswith("en"):
        return error.message
    return str(message)


def readable(code: str) -> str:
    return code.replace("_", " ")


def product_label(product) -> str:
    """A product (a row or its code) by its name in the reader's language."""
    code = getattr(product, "code", product)
    label = PRODUCTS.get(code)
    if label is not None:
        return str(label)
    return getattr(product, "name", None) or readable(code)


def factor_label(factor: dict) -> str:
    label = FACTOR_INPUTS.get(factor.get("input", ""))
    return str(label) if label is not None else factor.get("name", "")


def input_value_label(value: str) -> str:
    label = INPUT_VALUES.get(value)
    return str(label) if label is not None else readable(value)


def actor_label(actor: str) -> str:
    """Who did it: a person by their username, a system part by what it is."""
    if actor in ACTORS:
        return str(ACTORS[actor])
    kind, _sep, name = actor.partition(":")
    if kind == "user":
        return name
    if kind == "api_key":
        return _("API key %(prefix)s…") % {"prefix": name}
    return actor


def policy_status_label(code: str) -> str:
    return str(dict(PolicyStatus.choices).get(code, readable(code)))


# Why a policy changed, as its services write it (a whole-reason pattern), and how to say it.
# The claim number becomes a link on the page.
POLICY_EVENT_REASONS = [
    (r"issued", gettext_lazy("Issued at checkout")),
    (r"bound from quote", gettext_lazy("Bought from a quote")),
    (r"order delivered: cover starts", gettext_lazy("Order delivered: cover starts")),
    (
        r"return shipped \((?P<tracking>[^)]*)\): claim opening",
        gettext_lazy("Return shipped (%(tracking)s): a claim opens"),
    ),
    (r"order completed", gettext_lazy("Order completed: cover ends")),
    (r"order cancelled", gettext_lazy("Order cancelled")),
    (r"cancelled", gettext_lazy("Cancelled")),
    (r"cover period ended", gettext_lazy("Cover period ended")),
    (r"claim (?P<claim>\d+) paid", gettext_lazy("Claim %(claim)s paid")),
]
