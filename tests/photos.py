"""Photos made by the tests themselves (no files from ../shared): good ones and bad ones."""

import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageFilter

from fraud.synthetic import produce_photo


def jpeg(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    return produce_photo(seed=seed, size=size)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A complete 8x8 JPEG (about 630 bytes) whose frame header claims width x height: the
    decoder reads the few blocks there are, meets the end marker and fills the rest, so the
    file decodes to a full-size image."""
    data = bytearray(encoded(Image.new("RGB", (8, 8), (200, 40, 40)), "JPEG"))
    frame = data.index(b"\xff\xc0")  # SOF0: marker, length, precision, height, width
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_header_only(width: int, height: int) -> bytes:
    """Start of image, a frame header claiming width x height (three components), end of
    image: 23 bytes, no tables, no pixel data."""
    components = b"".join(bytes([index, 0x11, 0]) for index in (1, 2, 3))
    frame = bytes([8]) + struct.pack(">HH", height, width) + bytes([3]) + components
    return b"\xff\xd8\xff\xc0" + struct.pack(">H", len(frame) + 2) + frame + b"\xff\xd9"


def hundred_megapixels() -> bytes:
    """A real 10,000 x 10,000 image (1-bit, so it is small to make and to send)."""
    return encoded(Image.new("1", (10_000, 10_000), 1), "PNG")


def truncated_jpeg(seed: int) -> bytes:
    data = jpeg(seed)
    return data[: len(data) // 2]


# Photos that show too little to judge, each as the bytes a claimant would send.
def blank(colour: tuple[int, int, int], size: tuple[int, int] = (1000, 1000), fmt="PNG") -> bytes:
    return encoded(Image.new("RGB", size, colour), fmt)


def near_uniform(seed: int) -> bytes:
    """A grey frame with sensor noise and a faint shading: nothing in it."""
    rng = np.random.default_rng(seed)
    shading = np.linspace(0, 12, 800, dtype=np.float32)[None, :, None]
    pixels = 120 + shading + rng.normal(0, 2, (600, 800, 3))
    return encoded(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), "JPEG")


def tiny_subject(seed: int) -> bytes:
    """A photo shrunk to a speck on a plain white ground."""
    speck = Image.open(io.BytesIO(jpeg(seed))).resize((64, 48))
    ground = Image.new("RGB", (1200, 900), (250, 250, 250))
    ground.paste(speck, (600, 400))
    return encoded(ground, "JPEG")


def blurred(seed: int) -> bytes:
    """A photo blurred past recognition (a 12-pixel blur on 640 pixels)."""
    photo = Image.open(io.BytesIO(jpeg(seed)))
    return encoded(photo.filter(ImageFilter.GaussianBlur(12)), "JPEG")


def dark(seed: int) -> bytes:
    """A photo taken in the dark (a twentieth of the light)."""
    return encoded(Image.open(io.BytesIO(jpeg(seed))).point(lambda v: v // 20), "JPEG")
