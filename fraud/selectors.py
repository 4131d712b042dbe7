from fraud.models import DEFAULT_TRUST_LEVEL, ClaimantTrust


def claimant_trust_levels(*, claimant_refs: set[str]) -> dict[str, int]:
    """Each claimant's trust level; someone without a record has the default level."""
    known = dict(
        ClaimantTrust.objects.filter(claimant_ref__in=claimant_refs).values_list(
            "claimant_ref", "level"
        )
    )
    return {ref: known.get(ref, DEFAULT_TRUST_LEVEL) for ref in claimant_refs}


def claimant_trust_level(*, claimant_ref: str) -> int:
    return claimant_trust_levels(claimant_refs={claimant_ref})[claimant_ref]
