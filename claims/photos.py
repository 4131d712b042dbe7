"""Evidence photos are checked before anything is stored: a bad upload is refused whole, with a
code that says what is wrong, and the claim is not created."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from config.errors import ApplicationError

register_heif_opener()  # phones send HEIC

# What a claimant may send, by the format Pillow reads from the bytes (never the name).
FORMATS = {
    "JPEG": ("image/jpeg", {".jpg", ".jpeg", ".jpe", ".jfif"}),
    "PNG": ("image/png", {".png"}),
    "WEBP": ("image/webp", {".webp"}),
    "HEIF": ("image/heic", {".heic", ".heif"}),
}


@dataclass(frozen=True)
class CheckedPhoto:
    """A photo that passed every check, with what was learned about it."""

    content: bytes
    original_name: str
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def _refuse(code: str, message: str, name: str) -> ApplicationError:
    return ApplicationError(code, message, fields={"photos": [f"{name}: {message}"]})


def _check_declared_size(width: int, height: int, *, size: int, name: str) -> None:
    """The size the header declares, checked before a pixel is decoded (Image.open reads only
    the header): within the pixel budget, and plausible for the file's length.

    A decoder makes an image of the declared size whatever the file holds: a 630-byte JPEG
    whose header says 6000x6000 decodes to 108 MB of pixels (the decoder fills what is
    missing). No photo is that small for its size: phone photos carry 2-20 pixels a byte, and
    the most compressible photo there is, one flat colour without noise, about 60 as JPEG, 600
    as WebP and 1,500 as HEIC; CLAIM_PHOTO_MAX_PIXELS_PER_BYTE (5,000) stays far above them.
    """
    pixels = width * height
    if pixels > settings.CLAIM_PHOTO_MAX_PIXELS:
        raise _refuse(
            "image_dimensions_too_large",
            f"The image is {width}x{height}; at most "
            f"{settings.CLAIM_PHOTO_MAX_PIXELS // 1_000_000} megapixels are accepted.",
            name,
        )
    if pixels > size * settings.CLAIM_PHOTO_MAX_PIXELS_PER_BYTE:
        raise _refuse(
            "image_dimensions_implausible",
            f"The image declares {width}x{height} pixels in only {size} bytes; no photo of that "
            "size is so small.",
            name,
        )


def photo_check(upload: UploadedFile) -> CheckedPhoto:
    name = PurePath(upload.name or "photo").name
    if upload.size == 0:
        raise _refuse("empty_file", "The file is empty.", name)
    if upload.size > settings.CLAIM_PHOTO_MAX_BYTES:
        raise _refuse(
            "photo_too_large",
            f"The file is {upload.size} bytes; a photo may be at most "
            f"{settings.CLAIM_PHOTO_MAX_BYTES}.",
            name,
        )
    content = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            kind = image.format
            width, height = image.size
            if kind not in FORMATS:
                raise _refuse(
                    "unsupported_image_format",
                    f"{kind} images are not accepted; send JPEG, PNG, WebP or HEIC.",
                    name,
                )
            _check_declared_size(width, height, size=upload.size, name=name)
            # Decode the whole image (at reduced scale where the format allows) so that a
            # truncated or corrupt file is caught here, not in a worker later.
            image.draft("RGB", (512, 512))
            image.load()
    except ApplicationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(
            "image_dimensions_too_large",
            "The image declares more pixels than any photo has (a decompression bomb).",
            name,
        ) from None
    except UnidentifiedImageError:
        raise _refuse("not_an_image", "The file is not an image.", name) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise _refuse("corrupt_image", f"The image cannot be read ({error}).", name) from None
    content_type, extensions = FORMATS[kind]
    extension = PurePath(name).suffix.lower()
    if extension and extension not in extensions:
        raise _refuse(
            "extension_mismatch",
            f"The file is named {extension} but holds a {kind} image.",
            name,
        )
    return CheckedPhoto(
        content=content,
        original_name=name,
        content_type=content_type,
        extension=extension or sorted(extensions)[0],
        width=width,
        height=height,
        sha256=hashlib.sha256(content).hexdigest(),
    )
