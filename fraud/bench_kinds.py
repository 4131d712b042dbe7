"""Reuses the public bench does not make, for `fraud_bench --make-kinds` and the tests.

- `screen`: the earlier photo shown on a phone or monitor and photographed: a dark bezel, the
  screen's pixel grid beating against the camera's (moiré), a glare, a tilt of 5-15 degrees
  (perspective), a desk around it, a lower resolution than the photo had.
- `print`: the earlier photo printed on paper (a white margin, duller colours, a halftone
  pattern) and photographed at a tilt of 5-15 degrees on a table, with a shadow.
- `collage`: the earlier photo as one part of a grid of two to four photos.
- `screenshot`: a phone screenshot of a shop or chat app showing the earlier photo between
  bars and lines of text.

Every function takes the earlier photo, other photos to fill the rest of a collage, and a
random generator, and returns the new photo (RGB). Pure: no files, no database.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _desk(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    """A table or desk: a smooth uneven colour with some grain."""
    width, height = size
    base = np.array([rng.randint(40, 200) for _ in range(3)], np.float32)
    coarse = np.random.default_rng(rng.getrandbits(32)).normal(0, 18, (4, 4, 3)).astype(np.float32)
    shading = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    grain = np.random.default_rng(rng.getrandbits(32)).normal(0, 4, (height, width, 3))
    return np.clip(base + shading + grain, 0, 255).astype(np.float32)


def _tilt(rng: random.Random, width: int, height: int, degrees: float) -> np.ndarray:
    """Where the corners of a flat width x height picture land when it is turned `degrees`
    out of the camera's plane about a random axis in its plane (a pinhole camera)."""
    axis = rng.uniform(0, np.pi)
    tilt = np.radians(degrees)
    focal = 1.2 * max(width, height)
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]]) - [
        width / 2,
        height / 2,
    ]
    along = np.array([np.cos(axis), np.sin(axis)])
    across = np.array([-np.sin(axis), np.cos(axis)])
    a, b = corners @ along, corners @ across
    depth = b * np.sin(tilt)
    b = b * np.cos(tilt)
    flat = np.outer(a, along) + np.outer(b, across)
    projected = flat * (focal / (focal + depth))[:, None]
    projected += rng.uniform(-3, 3) * np.array([0, 1])  # the camera is never quite level
    return projected.astype(np.float32)


def _place(
    picture: np.ndarray, canvas: np.ndarray, corners: np.ndarray, rng: random.Random
) -> np.ndarray:
    """Warp `picture` onto `canvas` with its corners at `corners` (centred in the canvas)."""
    height, width = canvas.shape[:2]
    ph, pw = picture.shape[:2]
    spin = np.radians(rng.uniform(-4, 4))  # and held a little crooked
    turn = np.array([[np.cos(spin), -np.sin(spin)], [np.sin(spin), np.cos(spin)]])
    target = corners @ turn.T + [width / 2, height / 2]
    source = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    matrix = cv2.getPerspectiveTransform(source, target.astype(np.float32))
    warped = cv2.warpPerspective(picture, matrix, (width, height), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), matrix, (width, height))
    return canvas * (1 - mask[..., None]) + warped * mask[..., None]


def _camera(rng: random.Random, pixels: np.ndarray, noise: float = 3.0) -> Image.Image:
    """A phone camera's rendering: a little blur, sensor noise."""
    pixels = cv2.GaussianBlur(pixels, (0, 0), rng.uniform(0.5, 1.1))
    pixels = pixels + np.random.default_rng(rng.getrandbits(32)).normal(0, noise, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _fit(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    scale = min(box[0] / image.width, box[1] / image.height)
    return image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.LANCZOS,
    )


def screen(earlier: Image.Image, others: list[Image.Image], rng: random.Random) -> Image.Image:
    # The screen shows the photo at its own, lower resolution, letterboxed in black.
    landscape = earlier.width >= earlier.height
    screen_size = (900, 560) if landscape else (560, 900)
    shown = _fit(earlier.convert("RGB"), screen_size)
    panel = Image.new("RGB", screen_size, (0, 0, 0))
    panel.paste(shown, ((screen_size[0] - shown.width) // 2, (screen_size[1] - shown.height) // 2))
    pixels = np.asarray(panel, np.float32)
    # Moiré: the screen's pixel grid against the camera's, a slanted beat pattern.
    yy, xx = np.mgrid[0 : pixels.shape[0], 0 : pixels.shape[1]].astype(np.float32)
    angle, period = rng.uniform(0, np.pi), rng.uniform(5, 14)
    beat = np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)
    pixels = pixels * (1 + rng.uniform(0.06, 0.14) * beat[..., None])
    # Glare: a soft bright patch where a lamp reflects.
    gx, gy = rng.uniform(0.2, 0.8) * pixels.shape[1], rng.uniform(0.2, 0.8) * pixels.shape[0]
    spread = rng.uniform(0.12, 0.3) * max(pixels.shape[:2])
    glare = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * spread**2))
    pixels = pixels + rng.uniform(40, 110) * glare[..., None]
    # The bezel.
    bezel = round(0.05 * max(screen_size))
    framed = np.full(
        (pixels.shape[0] + 2 * bezel, pixels.shape[1] + 2 * bezel, 3),
        rng.randint(8, 40),
        np.float32,
    )
    framed[bezel:-bezel, bezel:-bezel] = pixels
    return _shoot(framed, rng)


def _shoot(flat: np.ndarray, rng: random.Random) -> Image.Image:
    """Photograph a flat thing lying on a desk at a tilt of 5-15 degrees."""
    height, width = flat.shape[:2]
    canvas_size = (1200, 900) if width >= height else (900, 1200)
    fill = rng.uniform(0.62, 0.8)  # of the frame's smaller side
    scale = fill * min(canvas_size[0] / width, canvas_size[1] / height)
    corners = _tilt(rng, width * scale, height * scale, rng.uniform(5, 15))
    canvas = _place(np.clip(flat, 0, 255), _desk(rng, canvas_size), corners, rng)
    return _camera(rng, canvas)


def print_(earlier: Image.Image, others: list[Image.Image], rng: random.Random) -> Image.Image:
    photo = _fit(earlier.convert("RGB"), (800, 800))
    pixels = np.asarray(photo, np.float32)
    # Ink on paper: duller, a little warmer, a halftone screen of fine dots.
    pixels = 30 + 0.8 * pixels * np.array([1.0, rng.uniform(0.93, 1.0), rng.uniform(0.85, 0.97)])
    yy, xx = np.mgrid[0 : pixels.shape[0], 0 : pixels.shape[1]].astype(np.float32)
    dots = np.sin(xx * 2 * np.pi / 4.2) * np.sin(yy * 2 * np.pi / 4.2)
    pixels = pixels * (1 + 0.06 * dots[..., None])
    margin = round(0.06 * max(pixels.shape[:2]))
    paper = np.full(
        (pixels.shape[0] + 2 * margin, pixels.shape[1] + 2 * margin, 3), 245, np.float32
    )
    paper[margin:-margin, margin:-margin] = pixels
    # A shadow across the sheet (a hand or a phone over it).
    shade = np.linspace(rng.uniform(0.7, 0.9), 1.0, paper.shape[1], dtype=np.float32)
    paper = paper * (shade[None, :, None] if rng.random() < 0.5 else shade[::-1][None, :, None])
    return _shoot(paper, rng)


def collage(earlier: Image.Image, others: list[Image.Image], rng: random.Random) -> Image.Image:
    """A grid of 2 to 4 photos, the earlier one in a random cell."""
    columns, rows = rng.choice([(2, 1), (1, 2), (2, 2), (2, 2)])
    parts = [earlier, *others[: columns * rows - 1]]
    rng.shuffle(parts)
    cell, gap = 480, rng.choice([0, 6, 12])
    sheet = Image.new(
        "RGB",
        (columns * cell + (columns + 1) * gap, rows * cell + (rows + 1) * gap),
        tuple(rng.randint(200, 255) for _ in range(3)),
    )
    for index, part in enumerate(parts):
        x, y = index % columns, index // columns
        # Each photo is shown whole, centred in its square cell.
        shown = _fit(part.convert("RGB"), (cell, cell))
        sheet.paste(
            shown,
            (
                gap + x * (cell + gap) + (cell - shown.width) // 2,
                gap + y * (cell + gap) + (cell - shown.height) // 2,
            ),
        )
    return sheet


def screenshot(earlier: Image.Image, others: list[Image.Image], rng: random.Random) -> Image.Image:
    """A phone screenshot (1080 x 2340) of an app showing the earlier photo."""
    width, height = 1080, 2340
    theme = rng.choice([(255, 255, 255), (242, 242, 247), (24, 24, 27)])
    ink = (20, 20, 20) if sum(theme) > 300 else (230, 230, 230)
    shot = Image.new("RGB", (width, height), theme)
    draw = ImageDraw.Draw(shot)
    bar = tuple(rng.randint(0, 255) for _ in range(3))
    draw.rectangle((0, 0, width, 90), fill=theme)  # status bar
    draw.rectangle((0, 90, width, 250), fill=bar)  # the app's title bar
    margin = rng.choice([0, 40, 80])
    shown = _fit(earlier.convert("RGB"), (width - 2 * margin, 1300))
    top = rng.randint(280, 420)
    shot.paste(shown, ((width - shown.width) // 2, top))
    y = top + shown.height + 40
    while y < height - 200:  # lines of text below
        draw.rectangle((60, y, 60 + rng.randint(300, 900), y + 34), fill=ink)
        y += rng.randint(60, 90)
    draw.rectangle((0, height - 170, width, height), fill=bar)  # the bottom bar
    return shot.filter(ImageFilter.SMOOTH) if rng.random() < 0.3 else shot


KINDS = {"screen": screen, "print": print_, "collage": collage, "screenshot": screenshot}
