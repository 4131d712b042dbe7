"""Fingerprints and verification, as pure functions: what counts as reuse and what does not,
and every kind of awkward input."""

import io

import numpy as np
import pytest
from PIL import Image

from fraud import fingerprint as fp
from tests.fraud.photos import REUSES, jpeg, textured
from tests.photos import (
    blank,
    blurred,
    dark,
    hundred_megapixels,
    near_uniform,
    png_declaring,
    tiny_subject,
    truncated_jpeg,
)
from tests.photos import jpeg as produce_jpeg


@pytest.fixture(scope="module")
def original() -> Image.Image:
    return textured(seed=1)


@pytest.fixture(scope="module")
def earlier(original) -> fp.Fingerprint:
    return fp.fingerprint(jpeg(original))


@pytest.mark.parametrize("reuse", REUSES)
def test_a_reused_photo_is_matched_and_lined_up(reuse, original, earlier):
    new_photo = REUSES[reuse](original)
    query = fp.fingerprint(jpeg(new_photo))

    match = fp.verify(query, earlier.payload)

    assert match is not None, reuse
    # Turned the way the match says, the new photo lines up with the earlier one.
    turned = fp._turn(np.asarray(new_photo.convert("L")), match.transform)
    assert abs(turned.shape[0] / turned.shape[1] - original.height / original.width) < 0.35
    if reuse in ("rot90", "rot180", "mirrored", "recompressed", "greyscale"):
        assert match.distance <= 8, (reuse, match)


def test_the_lookup_keys_of_a_reused_photo_meet_the_earlier_ones(original, earlier):
    # Not small rotations: their keypoints' descriptors change enough that the exact-match
    # keys often miss (on the public bench 11% of them are never proposed; see fraud/README).
    for reuse in set(REUSES) - {"small_rotation"}:
        query = fp.fingerprint(jpeg(REUSES[reuse](original)))
        assert set(fp.query_keys(query)) & set(earlier.keys), reuse


def test_different_photos_are_not_matched():
    prints = [fp.fingerprint(jpeg(textured(seed))) for seed in range(10, 20)]
    for i, query in enumerate(prints):
        for j, other in enumerate(prints):
            if i != j:
                assert fp.verify(query, other.payload) is None, (i, j)


def test_a_photo_sharing_only_a_corner_is_not_a_reuse(original, earlier):
    corner = original.crop((0, 0, original.width // 3, original.height // 3))
    assert fp.verify(fp.fingerprint(jpeg(corner)), earlier.payload) is None


def test_the_stored_part_is_small_and_the_keys_few(earlier):
    assert len(earlier.payload) < 20_000
    assert sorted(k for k in earlier.keys if k >= 0) == fp.global_keys(earlier.features.phash)
    local = [k for k in earlier.keys if k < 0]
    assert 0 < len(local) <= len(fp.LOCAL_KEY_BITS) * fp.INDEXED_KEYPOINTS
    assert all(-(2**31) <= k < 0 for k in local)  # a PostgreSQL integer


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def test_exif_rotated_photos_are_read_upright(original, earlier):
    # Stored sideways with the tag that says "turn me": a viewer shows the original upright.
    sideways = original.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 clockwise to view
    match = fp.verify(fp.fingerprint(jpeg(sideways, exif=exif.tobytes())), earlier.payload)
    assert match is not None and match.transform == "identity"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda im: encoded(im.convert("CMYK"), "JPEG"), id="cmyk"),
        pytest.param(
            lambda im: encoded(im.quantize(64).convert("PA").convert("P"), "PNG", transparency=0),
            id="palette-with-transparency",
        ),
        pytest.param(
            lambda im: encoded(
                Image.fromarray(np.asarray(im.convert("L"), np.uint16) * 257), "PNG"
            ),
            id="16-bit",
        ),
        pytest.param(lambda im: encoded(im.convert("RGBA"), "WEBP"), id="webp-alpha"),
        pytest.param(
            lambda im: encoded(im, "GIF", save_all=True, append_images=[textured(99)]),
            id="animated-first-frame",
        ),
    ],
)
def test_unusual_encodings_get_a_correct_fingerprint(variant, original, earlier):
    assert fp.verify(fp.fingerprint(variant(original)), earlier.payload) is not None


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "UnidentifiedImageError"),
        (b"%PDF-1.7 not a photo", "UnidentifiedImageError"),
        (truncated_jpeg(3), "OSError"),
        (png_declaring(50_000, 50_000), "DecompressionBomb"),
        (hundred_megapixels(), "DecompressionBomb"),
    ],
    ids=["empty", "not-an-image", "truncated", "bomb", "100-megapixels"],
)
def test_unreadable_photos_raise_a_clear_reason(data, reason):
    with pytest.raises(fp.UnreadablePhoto, match=reason):
        fp.fingerprint(data)


@pytest.mark.parametrize("orientation", fp.ORIENTATIONS)
def test_every_turn_of_a_photo_lines_up_exactly(orientation, original, earlier):
    mirror, quarters = fp.ORIENTATIONS[orientation]
    turned = original.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if mirror else original
    for _ in range(quarters):
        turned = turned.transpose(Image.Transpose.ROTATE_90)

    match = fp.verify(fp.fingerprint(encoded(turned, "PNG")), earlier.payload)

    assert match is not None and match.score > 0.95 and match.distance <= 4


@pytest.mark.parametrize(
    "data, reason, measure",
    [
        (blank((0, 0, 0)), "uniform", "contrast"),
        (blank((255, 255, 255), fmt="JPEG"), "uniform", "contrast"),
        (blank((0, 0, 0), (6000, 6000)), "uniform", "contrast"),
        (blank((90, 140, 60)), "uniform", "contrast"),
        (near_uniform(1), "uniform", "contrast"),
        (dark(3), "dark", "brightness"),
        (tiny_subject(3), "tiny_subject", "subject"),
        (blurred(3), "blurred", "sharpness"),
    ],
    ids=["black", "white", "black-6000px", "one-colour", "near-uniform", "dark", "tiny", "blur"],
)
def test_a_photo_with_too_little_to_judge_is_unusable_with_what_was_measured(data, reason, measure):
    with pytest.raises(fp.UnusablePhoto) as raised:
        fp.fingerprint(data)

    assert raised.value.reason == reason
    limits = {
        "contrast": fp.MIN_CONTRAST,
        "brightness": fp.MIN_BRIGHTNESS,
        "subject": fp.MIN_SUBJECT,
        "sharpness": fp.MIN_SHARPNESS,
    }
    assert raised.value.measured[measure] < limits[measure]
    assert reason in str(raised.value) and measure in str(raised.value)


def test_ordinary_photos_are_usable_and_measured_above_every_limit():
    for data in [produce_jpeg(seed) for seed in range(5)] + [jpeg(textured(s)) for s in range(3)]:
        measured = fp.content(np.asarray(fp.load(data)))
        assert measured["contrast"] >= fp.MIN_CONTRAST
        assert measured["subject"] >= fp.MIN_SUBJECT
        assert measured["sharpness"] >= fp.MIN_SHARPNESS
        assert fp.fingerprint(data).features.points.shape[0] >= fp.MIN_KEYPOINTS
