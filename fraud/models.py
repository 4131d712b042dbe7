from django.core.validators import MaxValueValidator
from django.db import models

from config import clock
from config.events import AuditEvent

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


class TrustChange(AuditEvent):
    """Every change of a claimant's trust level: who, when, from, to and why."""

    claimant_ref = models.CharField(max_length=100, db_index=True)
    from_level = models.PositiveSmallIntegerField()
    to_level = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=500)  # always given

    def __str__(self) -> str:
        return f"{self.claimant_ref}: {self.from_level} -> {self.to_level}"


class ClaimSighting(models.Model):
    """A claim as fraud/ saw it, for velocity: who claimed, from which device and address."""

    claim_ref = models.CharField(max_length=64, unique=True)
    claimant_ref = models.CharField(max_length=100)
    merchant_id = models.BigIntegerField()
    device_id = models.CharField(max_length=100, blank=True)
    # A digest of the normalised shipping address: equal addresses match, none is stored.
    address_key = models.CharField(max_length=64, blank=True)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["claimant_ref", "seen_at"]),
            models.Index(fields=["device_id", "seen_at"]),
            models.Index(fields=["address_key", "seen_at"]),
        ]

    def __str__(self) -> str:
        return self.claim_ref


class PhotoFingerprint(models.Model):
    """A claim photo's fingerprint, computed once, with where the photo came from.

    `namespace` keeps the benchmark's scratch index apart from real claims.
    """

    namespace = models.CharField(max_length=40, default="claims")
    photo_ref = models.CharField(max_length=100)
    claim_ref = models.CharField(max_length=64)
    claimant_ref = models.CharField(max_length=100)
    merchant_id = models.BigIntegerField(null=True)
    # SHA-256 of the photo's bytes: a byte-identical copy is a reuse, whatever it shows.
    sha256 = models.BinaryField(max_length=32)
    # What verification compares (fraud.fingerprint); empty when the photo could not be read
    # or was unusable.
    payload = models.BinaryField()
    error = models.CharField(max_length=300, blank=True)
    # A readable photo with too little content to judge: the reason (fraud.fingerprint's
    # UnusablePhoto) and the figures it was judged on.
    unusable = models.CharField(max_length=20, blank=True)
    measured = models.JSONField(null=True, blank=True)
    indexed_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["namespace", "photo_ref"], name="fingerprint_once")
        ]
        indexes = [models.Index(fields=["sha256"], name="fingerprint_bytes")]

    def __str__(self) -> str:
        return self.photo_ref


class FingerprintKey(models.Model):
    """The lookup keys of a fingerprint (bands of its hashes): equality lookups on an index
    find candidates without scanning every photo."""

    fingerprint = models.ForeignKey(PhotoFingerprint, on_delete=models.CASCADE, related_name="keys")
    namespace = models.CharField(max_length=40)
    band = models.PositiveSmallIntegerField()
    value = models.BigIntegerField()

    class Meta:
        # The fingerprint id in the index too: a lookup reads the index only, never the table.
        indexes = [models.Index(fields=["namespace", "band", "value", "fingerprint"])]

    def __str__(self) -> str:
        return f"{self.band}:{self.value}"
