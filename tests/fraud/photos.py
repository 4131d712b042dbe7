"""Photo-like test images: smooth random texture with shapes, so they have the detail (keypoints)
real photos have, and reused copies of them made the ways fraudsters make them."""

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps


def textured(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    rng = np.random.default_rng(seed)
    width, height = size
    coarse = rng.integers(0, 256, (height // 16, width // 16, 3), dtype=np.uint8)
    image = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(10, 70))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    return image.filter(ImageFilter.GaussianBlur(1))


def jpeg(image: Image.Image, quality: int = 85, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, **options)
    return buffer.getvalue()


def crop(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    width, height = image.size
    return image.crop(
        (int(width * left), int(height * top), int(width * (1 - right)), int(height * (1 - bottom)))
    )


# The ways a photo is reused, each as a function of the original.
REUSES = {
    "recompressed": lambda im: Image.open(io.BytesIO(jpeg(im, quality=30))),
    "resized": lambda im: im.resize((im.width // 2, im.height // 2)),
    "rot90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "rot180": lambda im: im.transpose(Image.Transpose.ROTATE_180),
    "mirrored": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "cropped": lambda im: crop(im, 0.04, 0.1, 0.12, 0.06),
    "small_rotation": lambda im: crop(im.rotate(8, resample=Image.Resampling.BICUBIC), *[0.11] * 4),
    "framed": lambda im: ImageOps.expand(im, border=60, fill=(200, 30, 90)),
    "greyscale": lambda im: im.convert("L").convert("RGB"),
    "brightened": lambda im: im.point(lambda v: min(255, int(v * 1.3) + 10)),
    "rot90_cropped_recompressed": lambda im: Image.open(
        io.BytesIO(jpeg(crop(im.transpose(Image.Transpose.ROTATE_90), 0.05, 0.03, 0.02, 0.06), 50))
    ),
}
