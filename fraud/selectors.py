from fraud.models import DEFAULT_TRUST_LEVEL, ClaimantTrust


def claimant_trust_level(*, claimant_ref: str) -> int:
    """The claimant's trust level; someone without a record has the default level."""
    level = (
        ClaimantTrust.objects.filter(claimant_ref=claimant_ref)
        .values_list("level", flat=True)
        .first()
    )
    return DEFAULT_TRUST_LEVEL if level is None else level
