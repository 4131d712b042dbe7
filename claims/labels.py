"""What a person reads for claims' codes: review signals in plain words, decisions, history.

The codes stay in the API, the exports and the stored rows; the web pages show these labels.
"""

import re
from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import ClaimOrigin, ClaimStatus, RejectReason, ReviewerRejectReason
from insurance.labels import POLICY_EVENT_REASONS, policy_status_label, readable

# Each signal: a short label (chips, tiles, lists) and what it means, in plain words.
SIGNALS = {
    "photo_reused_other_claimant": (
        gettext_lazy("Photo used before by another buyer"),
        gettext_lazy(
            "The same picture came with an earlier claim from a different buyer. Check "
            "whether this buyer photographed their own goods."
        ),
    ),
    "photo_reused_same_claimant": (
        gettext_lazy("Photo used before by the same buyer"),
        gettext_lazy(
            "This buyer sent the same picture with an earlier claim. One loss may be being "
            "claimed twice."
        ),
    ),
    "photo_reused_other_merchant": (
        gettext_lazy("Photo used before at another shop"),
        gettext_lazy(
            "The same picture came with a claim at another merchant. Check whether it shows "
            "this order's goods."
        ),
    ),
    "photo_unreadable": (
        gettext_lazy("Photo cannot be opened"),
        gettext_lazy("A photo file is damaged, so nobody could check it automatically."),
    ),
    "photo_unusable": (
        gettext_lazy("Photo shows too little"),
        gettext_lazy(
            "A photo is too dark, too blurred or too plain to judge the goods. Look at it yourself."
        ),
    ),
    "velocity_claimant": (
        gettext_lazy("Many claims from this buyer"),
        gettext_lazy("This buyer filed more claims in a short time than is usual."),
    ),
    "velocity_device": (
        gettext_lazy("Many claims from this device"),
        gettext_lazy("More claims than usual came from the same phone or computer."),
    ),
    "velocity_address": (
        gettext_lazy("Many claims to this address"),
        gettext_lazy("More claims than usual name the same delivery address."),
    ),
    "low_trust": (
        gettext_lazy("Buyer has low trust"),
        gettext_lazy("Fraud was confirmed on this buyer before, so a person looks first."),
    ),
    "large_amount": (
        gettext_lazy("Large amount"),
        gettext_lazy("The amount is above what is paid without a person looking."),
    ),
}

# How the new photo was turned to line up with the earlier one (fraud's transform names).
TURNS = {
    "identity": gettext_lazy("as taken"),
    "rot90": gettext_lazy("turned a quarter to the left"),
    "rot180": gettext_lazy("turned upside down"),
    "rot270": gettext_lazy("turned a quarter to the right"),
    "mirror": gettext_lazy("mirrored"),
    "mirror_rot90": gettext_lazy("mirrored and turned a quarter"),
    "mirror_rot180": gettext_lazy("mirrored and upside down"),
    "mirror_rot270": gettext_lazy("mirrored and turned a quarter"),
}

DECISION_REASONS = {**dict(RejectReason.choices), **dict(ReviewerRejectReason.choices)}
# The stored English label of a reason, back to the reason (event rows keep the label).
_REASON_BY_LABEL = {
    str(label): label
    for choices in (RejectReason, ReviewerRejectReason)
    for label in choices.labels
}


def signal_label(code: str) -> str:
    return str(SIGNALS[code][0]) if code in SIGNALS else readable(code)


def signal_explanation(code: str) -> str:
    return str(SIGNALS[code][1]) if code in SIGNALS else ""


def decision_reason_label(code: str) -> str:
    return str(DECISION_REASONS.get(code, readable(code))) if code else ""


def claim_description(claim) -> str:
    """What the claimant wrote; a claim the platform opened itself is described in words."""
    if claim.origin == ClaimOrigin.ORDER_EVENT:
        return _("Return shipped with tracking number %(tracking)s.") % {
            "tracking": claim.tracking_number
        }
    return claim.description


def turn_label(transform: str) -> str:
    return str(TURNS.get(transform, readable(transform)))


def status_label(code: str) -> str:
    """A claim's or a policy's status (history rows hold both)."""
    claim_statuses = dict(ClaimStatus.choices)
    return str(claim_statuses[code]) if code in claim_statuses else policy_status_label(code)


def _signal_list(codes: str) -> str:
    """Each signal once, followed by how many times it fired when more than once."""
    counts = Counter(code.strip() for code in codes.split(","))
    return ", ".join(
        signal_label(code) + (f" \N{MULTIPLICATION SIGN}{count}" if count > 1 else "")
        for code, count in counts.items()
    )


PROVIDERS = {"ledger": gettext_lazy("platform ledger")}


def _provider(name: str) -> str:
    return str(PROVIDERS.get(name, name))


def _origin(origin: str) -> str:
    return str(dict(ClaimOrigin.choices).get(origin, readable(origin)))


# Why a claim changed, as the claim services write it: (pattern, sentence, converters). A
# converter turns a part of the stored reason into words before it goes in the sentence.
CLAIM_EVENT_REASONS = [
    (r"filed \((?P<origin>\w+)\)", "%(origin)s", {"origin": _origin}),
    (
        r"sent to a reviewer: (?P<signals>.+)",
        gettext_lazy("Sent to a reviewer: %(signals)s"),
        {"signals": _signal_list},
    ),
    (r"all rules passed, no signals", gettext_lazy("All rules passed, nothing suspicious"), {}),
    (
        r"paid by (?P<provider>\S+) \((?P<reference>[^)]*)\)",
        gettext_lazy("Paid (%(provider)s, reference %(reference)s)"),
        {"provider": _provider},
    ),
    (
        r"(?P<amount>[\d.]+) (?P<currency>[A-Z]{3}) to recover from the merchant",
        gettext_lazy("%(amount)s %(currency)s to recover from the merchant"),
        {},
    ),
    (r"assigned to (?P<name>.+)", gettext_lazy("Assigned to %(name)s"), {}),
    (r"approved by a reviewer", gettext_lazy("Approved by a reviewer"), {}),
    (r"approval undone by (?P<name>.+)", gettext_lazy("Approval undone by %(name)s"), {}),
    (r"merchant repaid (?P<amount>[\d.]+)", gettext_lazy("Merchant repaid %(amount)s"), {}),
    (r"repaid in full", gettext_lazy("Repaid in full"), {}),
    (
        r"(?P<amount>[\d.]+) written off: (?P<note>.*)",
        gettext_lazy("%(amount)s written off: %(note)s"),
        {},
    ),
]
_EVENT_REASONS = [
    (re.compile(f"^{pattern}$"), sentence, convert)
    for pattern, sentence, convert in [
        *CLAIM_EVENT_REASONS,
        *((pattern, sentence, {}) for pattern, sentence in POLICY_EVENT_REASONS),
    ]
]


def event_reason(reason: str) -> tuple[str, int | None]:
    """A history row's reason in the reader's words, and the claim it names (for a link).

    A reason no pattern knows is a person's own note: it is shown as they wrote it."""
    head, sep, note = reason.partition(": ")
    if head in _REASON_BY_LABEL:  # a rejection: its reason, then the reviewer's note
        return str(_REASON_BY_LABEL[head]) + (sep + note if note else ""), None
    for pattern, text, convert in _EVENT_REASONS:
        match = pattern.match(reason)
        if match is None:
            continue
        parts = match.groupdict()
        for name, to_words in convert.items():
            parts[name] = to_words(parts[name])
        claim = int(parts["claim"]) if "claim" in parts else None
        return str(text) % parts if parts else str(text), claim
    return reason, None
