from django.db.models import QuerySet

from fraud.models import DEFAULT_TRUST_LEVEL, ClaimantTrust


def claimant_trust_rows(*, claimant_refs: set[str]) -> QuerySet:
    """The (claimant_ref, level) rows of those claimants who have a record, unevaluated: the
    issuance path reads them in one round trip with its other reads."""
    return ClaimantTrust.objects.filter(claimant_ref__in=claimant_refs).values_list(
        "claimant_ref", "level"
    )


def claimant_trust_levels_from(rows, *, claimant_refs: set[str]) -> dict[str, int]:
    """Each claimant's trust level from claimant_trust_rows; the default level without one."""
    known = dict(rows)
    return {ref: known.get(ref, DEFAULT_TRUST_LEVEL) for ref in claimant_refs}


def claimant_trust_levels(*, claimant_refs: set[str]) -> dict[str, int]:
    """Each claimant's trust level; someone without a record has the default level."""
    rows = claimant_trust_rows(claimant_refs=claimant_refs)
    return claimant_trust_levels_from(rows, claimant_refs=claimant_refs)


def claimant_trust_level(*, claimant_ref: str) -> int:
    return claimant_trust_levels(claimant_refs={claimant_ref})[claimant_ref]
