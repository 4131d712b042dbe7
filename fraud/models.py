import struct

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


class KeyArray(models.Field):
    """A photo's index keys, 32-bit integers: `integer[]` on PostgreSQL, where a GIN index
    answers "which photos hold any of these keys" (migration 0005 creates it there), and
    packed big-endian bytes on SQLite, whose lookups read the namespace's rows instead."""

    description = "index keys (32-bit integers)"

    def db_type(self, connection) -> str:
        return "integer[]" if connection.vendor == "postgresql" else "blob"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        if connection.vendor == "postgresql":
            return [int(key) for key in value]
        return struct.pack(f">{len(value)}i", *value)

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, list):
            return value
        data = bytes(value)
        return list(struct.unpack(f">{len(data) // 4}i", data))

    def to_python(self, value):
        return value


class PhotoFingerprint(models.Model):
    """A claim photo's fingerprint, computed once, with where the photo came from.

    `namespace` keeps the benchmark's scratch index apart from real claims. What verification
    compares (keypoints, descriptors, a thumbnail: fraud.fingerprint's payload, 10-16 KB) is
    not here but in the file storage, named by `sha256` (fraud.services): the database holds
    only what a lookup reads. fraud/README.md accounts for every byte of a row.
    """

    namespace = models.CharField(max_length=40, default="claims")
    photo_ref = models.CharField(max_length=100)
    claim_ref = models.CharField(max_length=64)
    claimant_ref = models.CharField(max_length=100)
    merchant_id = models.BigIntegerField(null=True)
    # SHA-256 of the photo's bytes: a byte-identical copy is a reuse, whatever it shows.
    sha256 = models.BinaryField(max_length=32)
    # The lookup keys (fraud.fingerprint): empty when the photo could not be read or was
    # unusable, and then no payload was stored either.
    keys = KeyArray(default=list)
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
        # On PostgreSQL fingerprint_bytes is a hash index, and fingerprint_keys a GIN index on
        # `keys` (migration 0005).
        indexes = [models.Index(fields=["sha256"], name="fingerprint_bytes")]

    def __str__(self) -> str:
        return self.photo_ref
