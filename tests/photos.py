"""Photos made by the tests themselves (no files from ../shared): good ones and bad ones."""

import io
import struct
import zlib

from PIL import Image

from claims.demo import produce_photo


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


def hundred_megapixels() -> bytes:
    """A real 10,000 x 10,000 image (1-bit, so it is small to make and to send)."""
    return encoded(Image.new("1", (10_000, 10_000), 1), "PNG")


def truncated_jpeg(seed: int) -> bytes:
    data = jpeg(seed)
    return data[: len(data) // 2]
