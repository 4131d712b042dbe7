"""Generated produce photos for the demo data, the fraud bench and tests: no photo files ship
with the project. In fraud, the lowest app, so that every app and the bench may use it."""

import io
import random

from PIL import Image, ImageDraw, ImageFilter


def produce_photo(*, seed: int, size: tuple[int, int] = (640, 480), fmt: str = "JPEG") -> bytes:
    """A plausible 'spoiled produce' shot: a textured background and a few blotched fruits."""
    rng = random.Random(seed)  # noqa: S311 - seeded pictures, not secrets
    width, height = size
    image = Image.new("RGB", size, tuple(rng.randint(170, 250) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 7)):
        radius = rng.randint(min(size) // 10, min(size) // 4)
        x, y = rng.randint(0, width), rng.randint(0, height)
        colour = (rng.randint(120, 255), rng.randint(20, 160), rng.randint(0, 80))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
        for _ in range(rng.randint(2, 6)):  # dark spots of rot
            r = rng.randint(3, max(4, radius // 4))
            sx, sy = (
                x + rng.randint(-radius // 2, radius // 2),
                y + rng.randint(-radius // 2, radius // 2),
            )
            draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(60, 40, 20))
    image = image.filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=85)
    return buffer.getvalue()
