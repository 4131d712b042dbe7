from django.core.validators import MaxValueValidator
from django.db import models

# Trust levels run from 0 (no trust) to 5; a claimant nobody has judged is at the default.
MAX_TRUST_LEVEL = 5
DEFAULT_TRUST_LEVEL = 3


class ClaimantTrust(models.Model):
    """A claimant's (buyer's) trust level. Confirmed fraud lowers it; only staff raise it."""

    claimant_ref = models.CharField(max_length=100, unique=True)
    level = models.PositiveSmallIntegerField(
        default=DEFAULT_TRUST_LEVEL, validators=[MaxValueValidator(MAX_TRUST_LEVEL)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.claimant_ref}: {self.level}"
