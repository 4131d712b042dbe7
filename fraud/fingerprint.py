"""Photo fingerprints: what is stored per photo, the keys the index looks up, and verification.

Pure functions, no database. A fingerprint holds
- lookup keys: (band, value) pairs stored in the index (fraud.models.FingerprintKey);
- a payload: the bytes verification compares, loaded only for the few candidates.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

import imagehash
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

# Larger than any photo a claim accepts; refused before decoding.
MAX_PIXELS = 80_000_000
HASH_BANDS = 4  # a 64-bit hash as four 16-bit bands
PHASH_THRESHOLD = 10
DHASH_THRESHOLD = 16

# The eight ways a photo can be turned or mirrored (the dihedral group of the square).
ORIENTATIONS: list[tuple[str, list]] = [
    ("identity", []),
    ("rot90", [Image.Transpose.ROTATE_90]),
    ("rot180", [Image.Transpose.ROTATE_180]),
    ("rot270", [Image.Transpose.ROTATE_270]),
    ("mirror", [Image.Transpose.FLIP_LEFT_RIGHT]),
    ("mirror_rot90", [Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_90]),
    ("mirror_rot180", [Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_180]),
    ("mirror_rot270", [Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_270]),
]


class UnreadablePhoto(Exception):
    """The bytes are not a photo this module can read (the reason is the message)."""


@dataclass(frozen=True)
class Fingerprint:
    keys: list[tuple[int, int]]
    payload: bytes
    # Hashes of the turned variants, for queries only (never stored).
    variants: list[tuple[str, int, int]] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class Match:
    distance: int
    method: str
    transform: str  # how the new photo was turned relative to the earlier one


def _bands(hash64: int) -> list[tuple[int, int]]:
    return [(band, (hash64 >> (16 * band)) & 0xFFFF) for band in range(HASH_BANDS)]


def load(data: bytes) -> Image.Image:
    """Decode a photo upright, in RGB, small enough to hash; UnreadablePhoto otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise UnreadablePhoto(f"{image.width}x{image.height} is too many pixels")
            image.draft("RGB", (256, 256))  # JPEG decodes at 1/2..1/8 scale: most of the cost
            image.seek(0)  # the first frame of an animation
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                image = (
                    image.convert("RGBA").convert("RGB")
                    if "A" in image.getbands()
                    else image.convert("RGB")
                )
            image.thumbnail((256, 256))
            return image.convert("RGB")
    except UnreadablePhoto:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as error:
        raise UnreadablePhoto(f"{type(error).__name__}: {error}") from None


def _hashes(image: Image.Image) -> tuple[int, int]:
    phash = int(str(imagehash.phash(image)), 16)
    dhash = int(str(imagehash.dhash(image)), 16)
    return phash, dhash


def fingerprint(data: bytes) -> Fingerprint:
    image = load(data)
    variants = []
    for name, steps in ORIENTATIONS:
        turned = image
        for step in steps:
            turned = turned.transpose(step)
        variants.append((name, *_hashes(turned)))
    _, phash, dhash = variants[0]
    payload = np.array([phash, dhash], dtype=np.uint64).tobytes()
    return Fingerprint(
        keys=[(band, value) for band, value in _bands(phash)], payload=payload, variants=variants
    )


def query_keys(query: Fingerprint) -> list[tuple[int, int]]:
    """The keys to look up: the bands of every turned variant of the new photo."""
    return sorted({key for _, phash, _ in query.variants for key in _bands(phash)})


def verify(query: Fingerprint, candidate_payload: bytes) -> Match | None:
    phash, dhash = (int(v) for v in np.frombuffer(candidate_payload, dtype=np.uint64))
    best = None
    for name, query_phash, query_dhash in query.variants:
        distance = (query_phash ^ phash).bit_count()
        close = distance <= PHASH_THRESHOLD and (query_dhash ^ dhash).bit_count() <= DHASH_THRESHOLD
        if close and (best is None or distance < best.distance):
            best = Match(distance=distance, method="phash-dihedral", transform=name)
    return best
