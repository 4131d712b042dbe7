"""Photo fingerprints: what is stored per photo, the keys the index looks up, and verification.

Pure functions, no database. Two kinds of evidence, because no single one survives every way
a photo gets reused:

- a global perceptual hash (imagehash pHash, 64 bits) of the photo with any uniform frame
  trimmed off, compared in the eight ways a photo can be turned or mirrored. Cheap; it stays
  within a few bits through re-compression, resizing, colour changes, turns and added borders,
  and is blind to crops and small rotations;
- local features (OpenCV ORB keypoints with binary descriptors) whose geometry must agree: a
  similarity transform fitted with RANSAC maps many of the new photo's points onto the earlier
  one's. That survives crops, small rotations, borders and combinations.

Both only propose. A match is accepted when the photos, once lined up by the transform that
was found, agree pixel for pixel (normalised cross-correlation of the aligned thumbnails'
detail), and when one photo sits nearly inside the other. Stock photos that
share a watermark, or two shots of similar fruit on white, fail that test.

A fingerprint holds lookup keys, (band, value) pairs the index stores (fraud.models.
FingerprintKey), and a payload that verification compares, loaded only for the few candidates.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from functools import cached_property

import cv2
import imagehash
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()
cv2.setNumThreads(1)  # one photo per worker process; threads only contend on small images

# Larger than any photo a claim accepts; refused before decoding.
MAX_PIXELS = 80_000_000
# Photos are analysed at this size: enough detail for keypoints, and JPEG decodes straight to it.
ANALYSIS_SIDE = 512
THUMB_SIDE = 64  # the aligned comparison's resolution

# Usable evidence. A photo too empty to judge (blank, nearly uniform, black, a speck on a plain
# ground, blurred past recognition) proves nothing and matches everything or nothing: it is
# called unusable with what was measured. Each limit sits well below the lowest value among
# the 240 real produce photos of ../shared/datasets/produce-photos (the lowest in brackets;
# fraud/README.md has the table), and above what the degraded photos of tests/fraud reach.
MIN_CONTRAST = 4.0  # std of the grey levels [15.8]; a blank or uniform frame is about 0-2
FLAT_CONTRAST = 1.0  # below this a frame is one colour (and its compression noise)
MIN_BRIGHTNESS = 40.0  # 99th percentile of the grey levels [167]; darkness is below
MIN_SUBJECT = 0.06  # share of the frame in the box of pixels off the background colour [0.218]
SUBJECT_TOLERANCE = 24  # grey levels (any channel) from the background that mark the subject
MIN_SHARPNESS = 7.0  # 99th percentile of |Laplacian| at analysis size [12]; a 6 px blur: 3-5
MIN_EDGES = 0.004  # share of pixels on an edge (Sobel gradient over 16 levels/pixel) [0.013]
MIN_KEYPOINTS = 12  # ORB keypoints of the trimmed photo [32]

# Index keys, each a 32-bit signed integer (the index stores one array of them per photo).
# Global keys, 0 to 2**18: the 16-bit quarters of the global hash with their quarter's number
# above them (multi-index hashing: a near-identical hash shares at least one quarter).
# Local keys, negative: two different sets of 31 bits of each of the strongest keypoints'
# descriptors, with the sign bit set; a photo reused after a crop or a small rotation keeps
# enough of its strong keypoints for some of these to come out equal. The two kinds never
# meet, and a local key of one bit set meeting one of the other set is as unlikely as any
# chance equality of 31 bits.
GLOBAL_BANDS = 4
LOCAL_KEY_SIGN = 1 << 31
INDEXED_KEYPOINTS = 32
INTERIOR = 0.12  # indexed keypoints keep this share of the frame's width and height off each edge
QUERY_KEYPOINTS = 150  # per view of the new photo (as taken, mirrored, tilted)
STORED_KEYPOINTS = 300
QUERY_TILTS = (-7, 7)  # degrees; see Fingerprint.tilted_local_keys
# Bit positions of the 256-bit ORB descriptor per local band, drawn at random once and fixed
# (keys stored yesterday must mean the same today). Neighbouring bits of ORB's pattern are
# correlated; a random draw spreads the key over independent tests.
LOCAL_KEY_BITS = [
    np.array(
        [3, 4, 17, 21, 23, 26, 34, 40, 57, 61, 62, 79, 84, 86, 93, 95,
         100, 103, 111, 146, 154, 157, 161, 164, 172, 177, 179, 186, 232, 235, 246, 253]
    ),
    np.array(
        [1, 27, 40, 43, 65, 66, 70, 80, 81, 84, 107, 115, 118, 121, 130, 131,
         136, 157, 158, 163, 174, 186, 189, 193, 196, 204, 218, 221, 228, 231, 245, 246]
    ),
]  # fmt: skip

# Acceptance. Two independent kinds of evidence: keypoints whose geometry agrees (RANSAC
# inliers) and pixels that agree once the photos are lined up (correlation of their detail).
# A match needs one of them strong and the other at least fair, and the overlap must cover
# most of both frames: a photo that shares only a corner or a watermark with another is not
# a reuse of it.
MIN_INLIERS = 15
STRONG_INLIERS = 40
RANSAC_PIXELS = 5.0
# Reuse means one photo sits (nearly) inside the other: the new one cut from the earlier one,
# or the earlier one inside a frame or a screenshot. Two different cuts of a third photo that
# only partly overlap do not count.
CONTAINED = 0.85  # share of the contained photo's frame that lies inside the other
MIN_SHARE = 0.15  # share of the containing photo's frame that the contained one fills
FAIR_CORRELATION = 0.3
STRONG_CORRELATION = 0.5
# The global hash proposes only near-identical frames, which must then agree pixel for pixel.
GLOBAL_HASH_CANDIDATE = 12  # bits
GLOBAL_CORRELATION = 0.75

# The eight ways a photo can be turned or mirrored, as numpy turns of an image array:
# (mirror first?, quarter turns counterclockwise). Names follow PIL: rot90 = ROTATE_90.
ORIENTATIONS: dict[str, tuple[bool, int]] = {
    "identity": (False, 0),
    "rot90": (False, 1),
    "rot180": (False, 2),
    "rot270": (False, 3),
    "mirror": (True, 0),
    "mirror_rot90": (True, 1),
    "mirror_rot180": (True, 2),
    "mirror_rot270": (True, 3),
}

_orb = cv2.ORB_create(nfeatures=STORED_KEYPOINTS, edgeThreshold=15, fastThreshold=10)
_matcher = cv2.BFMatcher(cv2.NORM_HAMMING)


class UnreadablePhoto(Exception):
    """The bytes are not a photo this module can read (the reason is the message)."""


class UnusablePhoto(Exception):
    """A readable photo with too little content to judge: `reason` is a code (uniform, dark,
    tiny_subject, blurred, no_detail), `measured` the figures it was judged on."""

    def __init__(self, reason: str, measured: dict[str, float]):
        super().__init__(reason)
        self.reason = reason
        self.measured = measured

    def __str__(self) -> str:
        return f"{self.reason} ({', '.join(f'{k} {v:g}' for k, v in self.measured.items())})"


@dataclass(frozen=True)
class Features:
    """What verification compares: one photo, trimmed, at analysis size."""

    phash: int
    size: tuple[int, int]  # (width, height) of the trimmed photo at analysis size
    thumb: np.ndarray  # grey, at most THUMB_SIDE a side, same aspect as `size`
    points: np.ndarray  # (n, 2) float32 keypoint positions
    descriptors: np.ndarray  # (n, 32) uint8 ORB descriptors


class Fingerprint:
    """A photo's fingerprint: `keys` and `payload` are stored; a query also needs the mirrored
    photo's features, the local keys of tilted copies and the hash of every turn, computed
    only when asked for."""

    def __init__(self, grey: np.ndarray):
        self._grey = grey
        self.features = _features(grey)
        self.keys = global_keys(self.features.phash) + sorted(_local_keys(_interior(self.features)))
        self.payload = _pack(self.features)

    @cached_property
    def mirrored(self) -> Features:
        return _features(_turn(self._grey, "mirror"))

    @cached_property
    def tilted_local_keys(self) -> set[int]:
        """Local keys of the photo tilted a few degrees both ways. ORB's steering makes
        descriptors only roughly rotation-invariant: a photo reused with a small rotation
        keeps more of its exact keys next to one of these tilts."""
        keys = set()
        for degrees in QUERY_TILTS:
            height, width = self._grey.shape
            turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
            tilted = cv2.warpAffine(
                self._grey, turn, (width, height), borderMode=cv2.BORDER_REFLECT
            )
            keys |= _local_keys(_features(tilted).descriptors[:QUERY_KEYPOINTS])
        return keys

    @cached_property
    def turned_hashes(self) -> dict[str, int]:
        return {name: _phash(_turn(self._grey, name)) for name in ORIENTATIONS}


@dataclass(frozen=True)
class Match:
    score: float  # correlation of the aligned photos, 0..1
    distance: int  # bits between the global hashes, lined up by `transform`
    method: str  # "phash-dihedral" or "orb-ransac"
    transform: str  # the turn that lines the new photo up with the earlier one (ORIENTATIONS)
    inliers: int = 0  # keypoints whose geometry agreed (orb-ransac)
    # Share of the new photo the earlier one accounts for (1 for a global-hash match).
    coverage: float = 1.0


def load(data: bytes) -> Image.Image:
    """Decode a photo upright, in RGB, at analysis size; UnreadablePhoto otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise UnreadablePhoto(f"{image.width}x{image.height} is too many pixels")
            # JPEG decodes at 1/2..1/8 scale: decoding is most of the cost of a fingerprint.
            image.draft("RGB", (ANALYSIS_SIDE, ANALYSIS_SIDE))
            image.seek(0)  # the first frame of an animation
            image = ImageOps.exif_transpose(image)
            image = _to_rgb(image)
            image.thumbnail((ANALYSIS_SIDE, ANALYSIS_SIDE), Image.Resampling.BILINEAR)
            return image
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
        RuntimeError,  # pillow-heif's decoder, on a corrupt HEIC
    ) as error:
        raise UnreadablePhoto(f"{type(error).__name__}: {error}") from None


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and float greys: Pillow's RGB conversion clips them, so rescale to 8 bits.
        values = np.asarray(image, dtype=np.float32)
        span = float(values.max() - values.min()) or 1.0
        grey = ((values - values.min()) * (255.0 / span)).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if "A" in image.getbands() or image.mode == "P":
        # Transparent areas become white, as a viewer would show them.
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def _trim(pixels: np.ndarray) -> np.ndarray:
    """Cut uniform frames off the edges (an added border, then a plain background).

    A line (row or column) from an edge inwards belongs to the frame while nearly all of its
    pixels sit close to the edge's colour. Each pass takes at most a third of each side.
    """
    for _ in range(2):  # a frame around a photo on a plain background: both go
        height, width = pixels.shape[:2]
        cuts = [
            _uniform_lines(pixels[: height // 3]),
            _uniform_lines(pixels[::-1][: height // 3]),
            _uniform_lines(pixels[:, : width // 3].transpose(1, 0, 2)),
            _uniform_lines(pixels[:, ::-1][:, : width // 3].transpose(1, 0, 2)),
        ]
        if not any(cuts):
            break
        top, bottom, left, right = cuts
        pixels = pixels[top : height - bottom, left : width - right]
    return pixels


def _uniform_lines(lines: np.ndarray, tolerance: int = 14) -> int:
    """How many lines from the start are uniform; read in blocks, stopping at the first
    block that holds a line that is not (most photos have no frame: one block is read)."""
    if len(lines) == 0:
        return 0
    reference = np.median(lines[0], axis=0)
    for start in range(0, len(lines), 16):
        block = lines[start : start + 16].astype(np.int16)
        near = (np.abs(block - reference).max(axis=2) <= tolerance).mean(axis=1) >= 0.98
        if not near.all():
            return start + int(np.argmin(near))
    return len(lines)


def _turn(array: np.ndarray, orientation: str) -> np.ndarray:
    mirror, quarters = ORIENTATIONS[orientation]
    if mirror:
        array = array[:, ::-1]
    return np.ascontiguousarray(np.rot90(array, quarters))


def _phash(grey: np.ndarray) -> int:
    return int(str(imagehash.phash(Image.fromarray(grey))), 16)


def _features(grey: np.ndarray) -> Features:
    height, width = grey.shape
    scale = THUMB_SIDE / max(height, width)
    thumb = cv2.resize(
        grey,
        (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA,
    )
    keypoints, descriptors = _orb.detectAndCompute(grey, None)
    if descriptors is None:
        points, descriptors = np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    else:
        strongest = np.argsort([-k.response for k in keypoints], kind="stable")
        points = np.float32([keypoints[i].pt for i in strongest])
        descriptors = descriptors[strongest]
    return Features(
        phash=_phash(grey),
        size=(width, height),
        thumb=thumb,
        points=points,
        descriptors=descriptors,
    )


def _local_keys(descriptors: np.ndarray) -> set[int]:
    if len(descriptors) == 0:
        return set()
    bits = np.unpackbits(descriptors, axis=1)
    keys = set()
    for positions in LOCAL_KEY_BITS:
        packed = np.ascontiguousarray(np.packbits(bits[:, positions], axis=1))
        keys |= {local_key(int(value)) for value in packed.view(">u4").ravel()}
    return keys


def local_key(bits: int) -> int:
    """A local key from 32 bits of a descriptor: the top one gives way to the sign."""
    return (bits | LOCAL_KEY_SIGN) - (1 << 32)


def global_keys(phash: int) -> list[int]:
    return [(band << 16) | ((phash >> (16 * band)) & 0xFFFF) for band in range(GLOBAL_BANDS)]


def fingerprint(data: bytes) -> Fingerprint:
    """The fingerprint of a photo; UnreadablePhoto or UnusablePhoto when there is none."""
    rgb = np.asarray(load(data))
    measured = content(rgb)
    grey = cv2.cvtColor(np.ascontiguousarray(_trim(rgb)), cv2.COLOR_RGB2GRAY)
    if min(grey.shape) < 8:
        raise UnusablePhoto("uniform", measured)
    _judge(measured)
    result = Fingerprint(grey)
    measured["keypoints"] = len(result.features.points)
    if measured["keypoints"] < MIN_KEYPOINTS:
        raise UnusablePhoto("no_detail", measured)
    return result


def content(rgb: np.ndarray) -> dict[str, float]:
    """How much there is to judge in a photo (RGB at analysis size), as usability reads it."""
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
    edge = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.int16)
    subject = np.abs(rgb.astype(np.int16) - np.median(edge, axis=0)).max(axis=2)
    rows, columns = np.nonzero(subject > SUBJECT_TOLERANCE)
    box = (np.ptp(rows) + 1) * (np.ptp(columns) + 1) / subject.size if len(rows) else 0.0
    gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)) / 4
    return {
        "contrast": round(float(grey.std()), 1),
        "brightness": round(float(np.percentile(grey, 99)), 1),
        "subject": round(float(box), 3),
        "sharpness": round(float(np.percentile(np.abs(cv2.Laplacian(grey, cv2.CV_32F)), 99)), 1),
        "edges": round(float((gradient > 16).mean()), 4),
    }


def _judge(measured: dict[str, float]) -> None:
    """UnusablePhoto with the first reason that applies, in the order a reviewer would say
    it: a flat frame is blank before it is dark; a speck on a plain ground is a tiny subject
    before it is a low contrast."""
    contrast, subject = measured["contrast"], measured["subject"]
    for reason, applies in (
        ("uniform", contrast < FLAT_CONTRAST),
        ("dark", measured["brightness"] < MIN_BRIGHTNESS),
        ("tiny_subject", 0 < subject < MIN_SUBJECT),
        ("uniform", contrast < MIN_CONTRAST or subject == 0),
        ("blurred", measured["sharpness"] < MIN_SHARPNESS),
        ("no_detail", measured["edges"] < MIN_EDGES),
    ):
        if applies:
            raise UnusablePhoto(reason, measured)


def _interior(features: Features) -> np.ndarray:
    """The strongest keypoints away from the edges, which a crop leaves in place."""
    width, height = features.size
    x, y = features.points[:, 0], features.points[:, 1]
    inside = (
        (x >= INTERIOR * width)
        & (x <= (1 - INTERIOR) * width)
        & (y >= INTERIOR * height)
        & (y <= (1 - INTERIOR) * height)
    )
    return features.descriptors[inside][:INDEXED_KEYPOINTS]


def query_keys(query: Fingerprint) -> list[int]:
    """The keys to look up: the global hash of every turn of the new photo, and the local keys
    of its strongest keypoints, as taken, mirrored and tilted."""
    keys = {key for phash in query.turned_hashes.values() for key in global_keys(phash)}
    for features in (query.features, query.mirrored):
        keys |= _local_keys(features.descriptors[:QUERY_KEYPOINTS])
    return sorted(keys | query.tilted_local_keys)


def verify(query: Fingerprint, candidate_payload: bytes) -> Match | None:
    """Is the earlier photo (its stored payload) reused in the new one? Best evidence wins."""
    earlier = _unpack(candidate_payload)
    distances = {
        name: (phash ^ earlier.phash).bit_count() for name, phash in query.turned_hashes.items()
    }
    found: list[Match] = []
    turn = min(distances, key=distances.get)
    if distances[turn] <= GLOBAL_HASH_CANDIDATE:
        # Turned, the new thumbnail covers the earlier one's frame: stretch it onto it.
        turned = _turn(query.features.thumb, turn)
        turned = cv2.resize(turned, earlier.thumb.shape[::-1], interpolation=cv2.INTER_AREA)
        score = _aligned_correlation(turned, earlier.thumb, np.float32([[1, 0, 0], [0, 1, 0]]))
        if score >= GLOBAL_CORRELATION:
            found.append(Match(score, distances[turn], "phash-dihedral", turn))
    for mirrored in (False, True):  # a photo is either mirrored or not: stop at the first fit
        features = query.mirrored if mirrored else query.features
        match = _verify_local(features, earlier, mirrored, distances)
        if match is not None:
            found.append(match)
            break
    return max(found, key=lambda m: (m.inliers, m.score), default=None)


def _verify_local(
    query: Features, earlier: Features, mirrored: bool, distances: dict[str, int]
) -> Match | None:
    if len(query.descriptors) < MIN_INLIERS or len(earlier.descriptors) < MIN_INLIERS:
        return None
    pairs = _matcher.knnMatch(query.descriptors, earlier.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < MIN_INLIERS:
        return None
    source = query.points[[m.queryIdx for m in good]]
    target = earlier.points[[m.trainIdx for m in good]]
    matrix, inliers = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PIXELS
    )
    if matrix is None or int(inliers.sum()) < MIN_INLIERS:
        return None
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    if not 0.2 <= scale <= 5:
        return None
    shares = _overlap(matrix, query.size, earlier.size)
    if max(shares) < CONTAINED or min(shares) < MIN_SHARE:
        return None
    # The fit maps analysis-size pixels; the comparison runs on thumbnails of both.
    to_thumb = _scaling(earlier.thumb.shape, earlier.size) @ np.vstack([matrix, [0, 0, 1]])
    to_thumb = to_thumb @ np.linalg.inv(_scaling(query.thumb.shape, query.size))
    score = _aligned_correlation(query.thumb, earlier.thumb, to_thumb[:2])
    agreeing = int(inliers.sum())
    if score < FAIR_CORRELATION or (score < STRONG_CORRELATION and agreeing < STRONG_INLIERS):
        return None
    turn = _nearest_turn(matrix, mirrored)
    return Match(score, distances[turn], "orb-ransac", turn, inliers=agreeing, coverage=shares[0])


def _scaling(thumb_shape: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """Analysis-size pixels to thumbnail pixels (OpenCV counts from pixel centres, so a
    shrink by s moves x to (x + 0.5) * s - 0.5)."""
    sx, sy = thumb_shape[1] / size[0], thumb_shape[0] / size[1]
    return np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]])


def _overlap(matrix: np.ndarray, query_size, earlier_size) -> tuple[float, float]:
    """The shares of the new and of the earlier frame that the other one covers."""
    width, height = query_size
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    mapped = cv2.transform(corners[None], matrix)[0]
    frame = np.float32([[0, 0], [earlier_size[0], 0], earlier_size, [0, earlier_size[1]]])
    shared, _ = cv2.intersectConvexConvex(mapped, frame)
    return shared / max(cv2.contourArea(mapped), 1.0), shared / (earlier_size[0] * earlier_size[1])


def _aligned_correlation(
    query_thumb: np.ndarray, earlier_thumb: np.ndarray, matrix: np.ndarray
) -> float:
    """Correlation of the earlier thumbnail with the new one warped onto it, over the overlap.

    `matrix` (2x3) maps new-thumbnail pixels to earlier-thumbnail pixels.
    """
    height, width = earlier_thumb.shape
    size = (width, height)
    warped = cv2.warpAffine(query_thumb.astype(np.float32), matrix, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(np.ones_like(query_thumb, np.float32), matrix, size) > 0.99
    mask = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    if mask.sum() < 0.25 * mask.size:
        return 0.0
    a = _detail(warped)[mask]
    b = _detail(earlier_thumb.astype(np.float32))[mask]
    a, b = a - a.mean(), b - b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / norm) if norm > 0 else 0.0


def _detail(thumb: np.ndarray) -> np.ndarray:
    """The picture without its overall shading: colour and contrast edits change little here."""
    return thumb - cv2.GaussianBlur(thumb, (0, 0), 4)


def _nearest_turn(matrix: np.ndarray, mirrored: bool) -> str:
    # Image y points down, so a counterclockwise turn of the picture has a negative angle here.
    angle = np.degrees(np.arctan2(matrix[1, 0], matrix[0, 0]))
    quarters = round(-angle / 90) % 4
    name = {0: "identity", 1: "rot90", 2: "rot180", 3: "rot270"}[quarters]
    if mirrored:
        name = "mirror" if name == "identity" else f"mirror_{name}"
    return name


# The payload: a small header, the thumbnail, the keypoints and their descriptors.
_HEADER = struct.Struct("<QHHBBH")  # phash, width, height, thumb w, thumb h, keypoints


def _pack(features: Features) -> bytes:
    thumb_h, thumb_w = features.thumb.shape
    return b"".join(
        [
            _HEADER.pack(features.phash, *features.size, thumb_w, thumb_h, len(features.points)),
            features.thumb.astype(np.uint8).tobytes(),
            features.points.astype(np.float32).tobytes(),
            features.descriptors.astype(np.uint8).tobytes(),
        ]
    )


def _unpack(payload: bytes) -> Features:
    phash, width, height, thumb_w, thumb_h, count = _HEADER.unpack_from(payload)
    offset = _HEADER.size
    thumb = np.frombuffer(payload, np.uint8, thumb_w * thumb_h, offset).reshape(thumb_h, thumb_w)
    offset += thumb.size
    points = np.frombuffer(payload, np.float32, count * 2, offset).reshape(count, 2)
    offset += points.nbytes
    descriptors = np.frombuffer(payload, np.uint8, count * 32, offset).reshape(count, 32)
    return Features(phash, (width, height), thumb, points, descriptors)
