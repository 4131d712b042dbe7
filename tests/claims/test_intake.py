"""Claim intake over the API: photos accepted, bad uploads refused whole with a clear code."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from claims.models import Claim, ClaimPhoto, ClaimStatus
from claims.photos import photo_check
from config.errors import ApplicationError
from outbox.models import OutboxTask
from tests.insurance.helpers import error_of
from tests.photos import (
    encoded,
    hundred_megapixels,
    jpeg,
    jpeg_declaring,
    jpeg_header_only,
    png_declaring,
    truncated_jpeg,
)

pytestmark = pytest.mark.django_db


def claim_body(policy, *files, **extra) -> dict:
    return {
        "policy_id": policy.pk,
        "claimant_ref": policy.buyer_ref,
        "amount": "80.00",
        "description": "Half the cherries were mouldy.",
        "photos": list(files),
        **extra,
    }


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def test_a_claim_with_photos_is_stored_and_queued_for_screening(api, produce_policy, media_in_tmp):
    response = api.post(
        "/api/v1/claims",
        claim_body(produce_policy, upload("cherries.jpg", jpeg(1)), upload("box.jpeg", jpeg(2))),
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert [p["original_name"] for p in body["photos"]] == ["cherries.jpg", "box.jpeg"]
    assert body["photos"][0]["width"] == 640
    assert [e["to_status"] for e in body["events"]] == ["submitted"]
    assert OutboxTask.objects.get().task_name == "claims.screen"
    assert len(stored_files(media_in_tmp)) == 2


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("phone.png", "PNG", "image/png"),
        ("phone.webp", "WEBP", "image/webp"),
        ("phone.heic", "HEIF", "image/heic"),
    ],
)
def test_png_webp_and_heic_from_phones_are_accepted(api, produce_policy, name, content, fmt):
    image = Image.new("RGB", (320, 240), (200, 40, 40))

    response = api.post(
        "/api/v1/claims",
        claim_body(produce_policy, upload(name, encoded(image, content), fmt)),
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["photos"][0]["content_type"] == fmt


def test_an_exif_rotated_photo_is_accepted(api, produce_policy):
    image = Image.open(__import__("io").BytesIO(jpeg(3)))
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees to display"

    response = api.post(
        "/api/v1/claims",
        claim_body(produce_policy, upload("rotated.jpg", encoded(image, "JPEG", exif=exif))),
        format="multipart",
    )

    assert response.status_code == 201


BAD_UPLOADS = [
    ("not an image", upload("photo.jpg", b"%PDF-1.4 not a photo at all" * 50), 422, "not_an_image"),
    ("truncated JPEG", upload("photo.jpg", truncated_jpeg(4)), 422, "corrupt_image"),
    (
        "decompression bomb",
        upload("bomb.png", png_declaring(60_000, 60_000), "image/png"),
        413,
        "image_dimensions_too_large",
    ),
    (
        "header-only JPEG over the pixel budget",
        upload("bomb.jpg", jpeg_header_only(8_000, 8_000)),
        413,
        "image_dimensions_too_large",
    ),
    (
        "630-byte JPEG declaring 6000x6000 (decodes: the finding)",
        upload("tiny.jpg", jpeg_declaring(6_000, 6_000)),
        422,
        "image_dimensions_implausible",
    ),
    (
        "header-only JPEG declaring 6000x6000",
        upload("tiny.jpg", jpeg_header_only(6_000, 6_000)),
        422,
        "image_dimensions_implausible",
    ),
    (
        "tiny PNG declaring 6000x6000",
        upload("tiny.png", png_declaring(6_000, 6_000), "image/png"),
        422,
        "image_dimensions_implausible",
    ),
    (
        "100 megapixels",
        upload("huge.png", hundred_megapixels(), "image/png"),
        413,
        "image_dimensions_too_large",
    ),
    ("zero bytes", upload("empty.jpg", b""), 422, "empty_file"),
    (
        "wrong extension",
        upload("photo.jpg", encoded(Image.new("RGB", (64, 64)), "PNG")),
        422,
        "extension_mismatch",
    ),
    (
        "animated GIF",
        upload("photo.gif", encoded(Image.new("RGB", (64, 64)), "GIF"), "image/gif"),
        422,
        "unsupported_image_format",
    ),
]


@pytest.mark.parametrize(
    ("label", "bad", "status", "code"), BAD_UPLOADS, ids=[case[0] for case in BAD_UPLOADS]
)
def test_a_bad_upload_is_refused_and_nothing_is_created(
    api, produce_policy, media_in_tmp, label, bad, status, code
):
    response = api.post(
        "/api/v1/claims",
        claim_body(produce_policy, upload("good.jpg", jpeg(5)), bad),
        format="multipart",
    )

    error = error_of(response, status)
    assert error["code"] == code
    assert bad.name in error["fields"]["photos"][0]
    assert not Claim.objects.exists() and not ClaimPhoto.objects.exists()
    assert not OutboxTask.objects.exists()
    assert stored_files(media_in_tmp) == []


def test_pillow_reads_the_declared_size_from_the_header_without_decoding():
    """What the pre-check relies on: Image.open reads the header and nothing more."""
    image = Image.open(io.BytesIO(jpeg_header_only(6_000, 6_000)))

    assert image.size == (6_000, 6_000)
    assert image._im is None  # no pixel memory yet
    with pytest.raises(OSError):  # and there is nothing to decode
        image.load()


@pytest.mark.parametrize(
    ("fmt", "size"),
    [("JPEG", (4000, 3000)), ("PNG", (4000, 3000)), ("WEBP", (4000, 3000)), ("HEIF", (2000, 1500))],
)
def test_a_flat_one_colour_photo_is_not_mistaken_for_an_implausible_one(fmt, size):
    """The most compressible photo there is (one colour, no noise) stays under the limit of
    pixels per byte: a 12 MP one is about 190 kB as JPEG, 21 kB as WebP."""
    content = encoded(Image.new("RGB", size, (30, 30, 30)), fmt)

    checked = photo_check(upload(f"flat.{fmt.lower()}", content, "application/octet-stream"))

    assert (checked.width, checked.height) == size


@override_settings(CLAIM_PHOTO_MAX_PIXELS_PER_BYTE=10)
def test_the_pixels_per_byte_limit_is_a_setting():
    with pytest.raises(ApplicationError) as refused:
        photo_check(upload("photo.jpg", jpeg(12)))

    assert refused.value.code == "image_dimensions_implausible"
    assert refused.value.status_code == 422


@override_settings(CLAIM_PHOTO_MAX_BYTES=20_000)
def test_an_oversize_photo_is_refused_with_413(api, produce_policy):
    response = api.post(
        "/api/v1/claims",
        claim_body(produce_policy, upload("big.jpg", jpeg(6, size=(1600, 1200)))),
        format="multipart",
    )

    assert error_of(response, 413)["code"] == "photo_too_large"
    assert not Claim.objects.exists()


@override_settings(API_MAX_UPLOAD_BYTES=20_000)
def test_an_oversize_request_is_refused_before_it_is_read(api, produce_policy):
    response = api.post(
        "/api/v1/claims",
        claim_body(produce_policy, upload("a.jpg", jpeg(7, size=(1600, 1200)))),
        format="multipart",
    )

    assert error_of(response, 413)["code"] == "payload_too_large"


def test_too_many_photos_are_refused(api, produce_policy):
    photos = [upload(f"{n}.jpg", jpeg(n)) for n in range(settings.CLAIM_MAX_PHOTOS + 1)]

    response = api.post("/api/v1/claims", claim_body(produce_policy, *photos), format="multipart")

    error = error_of(response, 400)
    assert error["code"] == "validation_error"
    assert "photos" in error["fields"]


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ({"amount": "-3.00"}, "validation_error", 400),
        ({"amount": "0.00"}, "invalid_amount", 422),
        ({"amount": "lots"}, "validation_error", 400),
        ({"policy_id": 999_999}, "policy_not_found", 404),
        ({"claimant_ref": ""}, "validation_error", 400),
    ],
)
def test_bad_claim_fields_are_refused(api, produce_policy, change, code, status):
    body = {k: v for k, v in claim_body(produce_policy).items() if k != "photos"}

    response = api.post("/api/v1/claims", {**body, **change}, format="json")

    assert error_of(response, status)["code"] == code
    assert not Claim.objects.exists()


def test_shipping_return_claims_are_not_filed_by_hand(api, shipping_policy):
    body = {k: v for k, v in claim_body(shipping_policy).items() if k != "photos"}

    response = api.post("/api/v1/claims", {**body, "amount": "8.00"}, format="json")

    assert error_of(response, 422)["code"] == "claim_not_allowed"


def test_a_repeated_intake_with_the_same_key_files_one_claim(api, produce_policy):
    def send():
        return api.post(
            "/api/v1/claims",
            claim_body(produce_policy, upload("a.jpg", jpeg(8))),
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="claim-key-1",
        )

    first, second = send(), send()

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Claim.objects.count() == 1


def test_the_same_key_with_another_photo_is_refused(api, produce_policy):
    api.post(
        "/api/v1/claims",
        claim_body(produce_policy, upload("a.jpg", jpeg(9))),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="claim-key-2",
    )

    response = api.post(
        "/api/v1/claims",
        claim_body(produce_policy, upload("a.jpg", jpeg(10))),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="claim-key-2",
    )

    assert error_of(response, 409)["code"] == "idempotency_key_reused"


def test_another_merchant_s_claims_are_invisible(api, other_api, produce_policy):
    claim = api.post(
        "/api/v1/claims", claim_body(produce_policy, upload("a.jpg", jpeg(11))), format="multipart"
    ).json()

    assert error_of(other_api.get(f"/api/v1/claims/{claim['id']}"), 404)["code"] == (
        "claim_not_found"
    )
    assert other_api.get("/api/v1/claims").json()["results"] == []
    assert (
        api.get("/api/v1/claims", {"status": ClaimStatus.SUBMITTED}).json()["results"][0]["id"]
        == claim["id"]
    )
