"""What claims/ asks fraud/: is this photo reused, what signals does this claim raise, and
what follows a confirmed fraud. fraud/ never reads claims' tables: claims tells it what it
needs (opaque references, the claimant, the merchant)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q

from fraud import fingerprint as fp
from fraud.models import (
    DEFAULT_TRUST_LEVEL,
    MAX_TRUST_LEVEL,
    ClaimantTrust,
    ClaimSighting,
    PhotoFingerprint,
    TrustChange,
)
from fraud.selectors import claimant_trust_level

CLAIMS_NAMESPACE = "claims"


@dataclass(frozen=True)
class PhotoSubject:
    """A photo as claims describes it to fraud/."""

    photo_ref: str
    claim_ref: str
    claimant_ref: str
    merchant_id: int | None


@dataclass(frozen=True)
class PhotoMatch:
    """An earlier photo the new one reuses."""

    photo_ref: str
    claim_ref: str
    claimant_ref: str
    merchant_id: int | None
    indexed_at: datetime
    distance: int  # bits between the global hashes, lined up
    score: float  # correlation of the lined-up photos, 0..1
    inliers: int  # keypoints whose geometry agreed (0 for a global-hash match)
    coverage: float  # share of the new photo that the earlier one accounts for
    method: str
    transform: str
    # same_claimant: the claimant reused their own photo; other_claimant: someone else's
    # (a ring signal); other_merchant: a photo from a claim against another merchant.
    relation: str


@dataclass(frozen=True)
class PhotoCheck:
    photo_ref: str
    readable: bool
    error: str = ""
    matches: list[PhotoMatch] = field(default_factory=list)
    # A readable photo with too little content to judge (fraud.fingerprint.UnusablePhoto):
    # the reason, and what was measured.
    unusable: str = ""
    measured: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Signal:
    """A soft signal: a reason for a person to look, never a reason to reject."""

    code: str
    reason: str
    weight: int
    # What a reviewer needs to see it for themselves (for a reused photo: both photos).
    details: dict = field(default_factory=dict)


def _relation(subject: PhotoSubject, earlier: PhotoFingerprint) -> str:
    if earlier.merchant_id != subject.merchant_id:
        return "other_merchant"
    if earlier.claimant_ref == subject.claimant_ref:
        return "same_claimant"
    return "other_claimant"


def _candidates(
    namespace: str, keys: list[int], exclude_claim: str, limit: int
) -> list[PhotoFingerprint]:
    """Fingerprints sharing lookup keys with the query, most shared keys first.

    On PostgreSQL the GIN index on `keys` finds the photos holding each of the query's keys
    (one probe per key: the cost follows the number of photos that share a key, not the size
    of the index), and the hits are counted per photo. Elsewhere (the
    embedded SQLite) the namespace's rows are read and counted here. A few spare ids make up
    for the query's own claim's photos, removed afterwards.
    """
    if not keys:
        return []
    wanted = limit + settings.CLAIM_MAX_PHOTOS
    if connection.vendor == "postgresql":
        # One probe of the GIN index per key (`@>` a one-key array: its statistics make the
        # planner take the index, where one `&&` of hundreds of keys looks unselective and
        # gets a full scan), and the probes' hits counted per photo. JIT would cost more
        # than the query it compiles.
        table = PhotoFingerprint._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                f"SELECT photo.id, COUNT(*) shared FROM unnest(%s::integer[]) wanted(key) "  # noqa: S608 - the table name is the model's
                f"CROSS JOIN LATERAL (SELECT id FROM {table} WHERE keys @> ARRAY[wanted.key] "
                "AND namespace = %s) photo GROUP BY photo.id ORDER BY shared DESC, photo.id "
                "LIMIT %s",
                [keys, namespace, wanted],
            )
            votes = dict(cursor.fetchall())
    else:
        wanted_keys = set(keys)
        shared = (
            (row_id, len(wanted_keys.intersection(stored)))
            for row_id, stored in PhotoFingerprint.objects.filter(
                namespace=namespace, error="", unusable=""
            ).values_list("id", "keys")
        )
        votes = dict(sorted(((i, n) for i, n in shared if n), key=lambda v: (-v[1], v[0]))[:wanted])
    rows = PhotoFingerprint.objects.filter(pk__in=votes, error="", unusable="").exclude(
        claim_ref=exclude_claim
    )
    return sorted(rows, key=lambda row: (-votes[row.pk], row.pk))[:limit]


def _payload_name(digest: bytes) -> str:
    """Where a photo's payload is kept: named by the photo's bytes (the same bytes have the
    same fingerprint), in the file storage the claim photos use."""
    return f"fraud/fingerprints/{digest.hex()[:2]}/{digest.hex()}.fp"


def _payload_save(digest: bytes, payload: bytes) -> None:
    name = _payload_name(digest)
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(payload))


def _payload_load(digest: bytes) -> bytes | None:
    try:
        with default_storage.open(_payload_name(digest)) as stored:
            return stored.read()
    except OSError:
        return None  # removed since (the benchmark's scratch photos): nothing to compare


def payloads_delete(*, namespace: str) -> int:
    """Remove a namespace's payload files that no other namespace's photos use; how many."""
    digests = set(
        PhotoFingerprint.objects.filter(namespace=namespace, error="", unusable="").values_list(
            "sha256", flat=True
        )
    )
    shared = set(
        PhotoFingerprint.objects.filter(sha256__in=digests)
        .exclude(namespace=namespace)
        .values_list("sha256", flat=True)
    )
    removed = 0
    for digest in digests - shared:
        name = _payload_name(bytes(digest))
        if default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
    return removed


def photo_index(
    *, subject: PhotoSubject, data: bytes, namespace: str = CLAIMS_NAMESPACE
) -> fp.Fingerprint | None:
    """Fingerprint a photo and add it to the index, once; None if it cannot be read or shows
    too little to judge (its bytes' digest is stored all the same)."""
    digest = hashlib.sha256(data).digest()
    try:
        query = fp.fingerprint(data)
    except fp.UnreadablePhoto as error:
        _store(subject, namespace, digest, error=str(error)[:300])
        return None
    except fp.UnusablePhoto as unusable:
        _store(subject, namespace, digest, unusable=unusable.reason, measured=unusable.measured)
        return None
    _store(subject, namespace, digest, payload=query.payload, keys=query.keys)
    return query


def photos_indexed(*, photo_refs: list[str], namespace: str = CLAIMS_NAMESPACE) -> set[str]:
    return set(
        PhotoFingerprint.objects.filter(namespace=namespace, photo_ref__in=photo_refs).values_list(
            "photo_ref", flat=True
        )
    )


def photo_check(
    *, subject: PhotoSubject, data: bytes, namespace: str = CLAIMS_NAMESPACE
) -> PhotoCheck:
    """Fingerprint a photo (once), add it to the index, and find the other photos it matches.

    The fingerprint is stored (and committed) before the index is searched: of two claims
    with the same photo screened at the same moment, at least one then sees the other, where
    searching first could let both pass. Idempotent per photo: a repeat answers the same way.
    Matches come only from other claims, best first: byte-identical copies (SHA-256), then
    the photos the fingerprint matches. A photo that cannot be read or shows too little to
    judge is checked for copies only.
    """
    query = photo_index(subject=subject, data=data, namespace=namespace)
    copies = photo_copies(
        digest=hashlib.sha256(data).digest(), subject=subject, namespace=namespace
    )
    if query is None:
        row = PhotoFingerprint.objects.get(namespace=namespace, photo_ref=subject.photo_ref)
        return PhotoCheck(
            photo_ref=subject.photo_ref,
            readable=not row.error,
            error=row.error,
            matches=copies,
            unusable=row.unusable,
            measured=row.measured or {},
        )
    copied = {copy.photo_ref for copy in copies}
    found = photo_matches(query=query, subject=subject, namespace=namespace)
    return PhotoCheck(
        photo_ref=subject.photo_ref,
        readable=True,
        matches=copies + [match for match in found if match.photo_ref not in copied],
    )


def photo_copies(
    *, digest: bytes, subject: PhotoSubject, namespace: str = CLAIMS_NAMESPACE
) -> list[PhotoMatch]:
    """Earlier photos (of other claims) with the very same bytes: a reuse whatever they show,
    even a blank frame or a file that cannot be read. Oldest first."""
    rows = (
        PhotoFingerprint.objects.filter(namespace=namespace, sha256=digest)
        .exclude(claim_ref=subject.claim_ref)
        .order_by("pk")
    )
    return [
        PhotoMatch(
            photo_ref=row.photo_ref,
            claim_ref=row.claim_ref,
            claimant_ref=row.claimant_ref,
            merchant_id=row.merchant_id,
            indexed_at=row.indexed_at,
            distance=0,
            score=1.0,
            inliers=0,
            coverage=1.0,
            method="sha256",
            transform="identity",
            relation=_relation(subject, row),
        )
        for row in rows[: settings.FRAUD_MAX_CANDIDATES]
    ]


def photo_matches(
    *, query: fp.Fingerprint, subject: PhotoSubject, namespace: str = CLAIMS_NAMESPACE
) -> list[PhotoMatch]:
    """The earlier photos (of other claims) that `query` reuses, the likeliest source first."""
    matches = []
    for earlier in _candidates(
        namespace, fp.query_keys(query), subject.claim_ref, limit=settings.FRAUD_MAX_CANDIDATES
    ):
        payload = _payload_load(bytes(earlier.sha256))
        match = None if payload is None else fp.verify(query, payload)
        if match is not None:
            matches.append(
                PhotoMatch(
                    photo_ref=earlier.photo_ref,
                    claim_ref=earlier.claim_ref,
                    claimant_ref=earlier.claimant_ref,
                    merchant_id=earlier.merchant_id,
                    indexed_at=earlier.indexed_at,
                    distance=match.distance,
                    score=round(match.score, 3),
                    inliers=match.inliers,
                    coverage=round(match.coverage, 2),
                    method=match.method,
                    transform=match.transform,
                    relation=_relation(subject, earlier),
                )
            )
    # Of two earlier photos that are cuts of one another, the source has more keypoints
    # agreeing over more of the new photo.
    matches.sort(key=lambda m: (-m.inliers * m.coverage, m.distance))
    return matches


def _store(
    subject: PhotoSubject,
    namespace: str,
    digest: bytes,
    *,
    payload: bytes = b"",
    keys: list[int] = (),
    error: str = "",
    unusable: str = "",
    measured: dict | None = None,
) -> None:
    if payload:  # first: a row whose keys are found always has its payload to compare
        _payload_save(digest, payload)
    try:
        with transaction.atomic():
            PhotoFingerprint.objects.create(
                namespace=namespace,
                photo_ref=subject.photo_ref,
                claim_ref=subject.claim_ref,
                claimant_ref=subject.claimant_ref,
                merchant_id=subject.merchant_id,
                sha256=digest,
                keys=list(keys),
                error=error,
                unusable=unusable,
                measured=measured,
            )
    except IntegrityError:
        pass  # indexed already (a retried task): the first fingerprint stands


def _address_key(address: str) -> str:
    normalised = " ".join(address.lower().split())
    return hashlib.sha256(normalised.encode()).hexdigest() if normalised else ""


def claim_signals(
    *,
    claim_ref: str,
    claimant_ref: str,
    merchant_id: int,
    device_id: str,
    address: str,
    at: datetime,
    window_hours: int,
    max_claims: int,
    min_trust_level: int,
) -> list[Signal]:
    """Velocity (claims per claimant, device and address in the window) and trust level.

    Records the claim as seen (once per claim_ref) so later claims count it.
    """
    address_key = _address_key(address)
    # Seen once per claim (a retried task finds it there), then counted in one query.
    ClaimSighting.objects.bulk_create(
        [
            ClaimSighting(
                claim_ref=claim_ref,
                claimant_ref=claimant_ref,
                merchant_id=merchant_id,
                device_id=device_id,
                address_key=address_key,
                seen_at=at,
            )
        ],
        ignore_conflicts=True,
    )
    facts = {
        "claimant": ("claimant_ref", claimant_ref),
        "device": ("device_id", device_id),
        "address": ("address_key", address_key),
    }
    counts = ClaimSighting.objects.filter(
        seen_at__gt=at - timedelta(hours=window_hours), seen_at__lte=at
    ).aggregate(
        **{
            label: Count("id", filter=Q(**{column: value}))
            for label, (column, value) in facts.items()
            if value
        }
    )
    signals = [
        Signal(
            code=f"velocity_{label}",
            reason=f"{count} claims from this {label} in {window_hours} h (more than {max_claims})",
            weight=25,
        )
        for label, count in counts.items()
        if count > max_claims
    ]
    level = claimant_trust_level(claimant_ref=claimant_ref)
    if level < min_trust_level:
        signals.append(
            Signal(
                code="low_trust",
                reason=f"claimant trust level {level} (below {min_trust_level})",
                weight=30 + 10 * (min_trust_level - level),
            )
        )
    return signals


def _set_trust(*, claimant_ref: str, level: Callable[[int], int], actor: str, reason: str) -> int:
    """Set the level to `level(the level now)`, read under the row's lock: two changes at once
    apply one after the other (two confirmations lower it by two steps)."""
    with transaction.atomic():
        trust, _ = ClaimantTrust.objects.select_for_update().get_or_create(
            claimant_ref=claimant_ref, defaults={"level": DEFAULT_TRUST_LEVEL}
        )
        to_level = level(trust.level)
        if trust.level != to_level:
            TrustChange.objects.create(
                claimant_ref=claimant_ref,
                from_level=trust.level,
                to_level=to_level,
                actor=actor,
                reason=reason,
            )
            trust.level = to_level
            trust.save(update_fields=["level", "updated_at"])
    return to_level


def fraud_confirm(*, claimant_ref: str, claim_ref: str, actor: str) -> int:
    """A reviewer confirmed fraud: the claimant's trust level drops a step. Returns it."""
    return _set_trust(
        claimant_ref=claimant_ref,
        level=lambda now: max(now - 1, 0),
        actor=actor,
        reason=f"fraud confirmed on {claim_ref}",
    )


def trust_restore(*, claimant_ref: str, level: int, actor: str, reason: str) -> int:
    """Staff set a claimant's trust level: the only way trust comes back."""
    if not 0 <= level <= MAX_TRUST_LEVEL:
        raise ValueError(f"trust levels run from 0 to {MAX_TRUST_LEVEL}")
    return _set_trust(claimant_ref=claimant_ref, level=lambda _: level, actor=actor, reason=reason)
