"""Pure check of a resident's ID-card photo: can a clerk read the card in it?

`check_id_photo(data)` never raises: every problem becomes a report with reason codes, main reason
first. The bytes are opened with a format allowlist (JPEG, PNG, WebP); from the header, before
anything is decoded, the pixel count is checked and so are the bytes the decoder will need (pixels at
their bit depth and channels, a JPEG's coefficient buffers), so a small file that decodes to a huge
image is refused as too large. A JPEG is decoded at a reduced DCT scale (1/2 to 1/8) in grayscale, so
a 12-megapixel photo costs little more than its entropy decoding; other images are reduced and turned
into 8-bit grey a tile at a time, so the decoded image is the only full-size copy.

How the card is found (on a working image about 256 px across): the image is smoothed and
thresholded at a few levels (Otsu and the Otsu levels of each half), in both polarities, and when
that finds no clear card, its edge bands (gradient above two quantiles) are tried as well: a card's
outline with the print inside it is one component, even when the card is as light as the table or
crossed by glare. Connected components are labelled from row runs, filled row by row; each large
component's minimum-area rectangle is searched over angles. A card is a component that fills its
rectangle (>= `min_rectangularity`, holes filled), with the ID-1 aspect 85.60 / 53.98 = 1.586 in
either orientation (within `card_aspect_range`), not touching the frame. A rectangular component
that does touch the frame is a card cut off: its rectangle is fitted to the outline off the frame
(the lines carrying the most outline points, so that bumps of a checked table merged with it are left
out), and it must cover the component's part in the frame; its sides away from the frame must all step.

Then, inside the card (edges excluded): brightness percentiles (too dark / too bright), the share
of clipped pixels forming blobs (glare), and the sharpness: the RMS Laplacian of the card resampled
to `sharpness_card_px` across, divided by the card's contrast, so it measures blur relative to the
card (what decides whether its text can be read), not to the photo.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from io import BytesIO

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter, UnidentifiedImageError

ID1_ASPECT = 85.60 / 53.98
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Reason(StrEnum):
    """Why a photo is refused; the values are stable codes (stored, and keys of the messages)."""

    UNREADABLE = "unreadable"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_LARGE = "too_large"
    LOW_RESOLUTION = "low_resolution"
    BLURRY = "blurry"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    GLARE = "glare"
    NO_CARD = "no_card"
    CARD_CUT_OFF = "card_cut_off"
    TILTED = "tilted"
    CARD_TOO_SMALL = "card_too_small"


@dataclass(frozen=True)
class IdPhotoLimits:
    """Thresholds of the check. Brightness values are 0-255 gray levels of the card's inner part."""

    max_bytes: int = 10 * 1024 * 1024  # LINE delivers images of at most about 10 MB
    max_pixels: int = 50_000_000  # a 48-megapixel phone photo passes; a decompression bomb does not
    # What decoding may allocate (see _refuse_over_budget): a check then peaks at about this plus 40 MB, and
    # a worker runs two at once. That is 16.7 megapixels of RGB, RGBA or LA, 33 of 16-bit grey, and 8-bit
    # grey or palette images up to max_pixels; a JPEG counts at its draft scale.
    max_decoded_bytes: int = 64 * 1024 * 1024
    min_card_width_px: int = 600  # across the card's long side, in the original: about 7 px per mm
    min_card_fill: float = 0.10  # card area / image area; below it the card is too small in the frame
    max_tilt_deg: float = 25.0  # from the nearest axis (a card upright, at 90 degrees, is fine)
    card_aspect_range: tuple[float, float] = (1.45, 1.75)  # ID-1 is 1.586
    min_rectangularity: float = 0.85  # convex hull area / minimum-area rectangle (holes and dents forgiven,
    min_solidity: float = 0.75  # up to this share of the hull filled)
    min_edge_contrast: float = 3.0  # gray levels across each side of the card, at least,
    min_edge_share: float = 0.06  # and this share of the image's spread (2nd to 98th percentile)
    min_content: float = 0.05  # gray-level deviation inside the card, as a share of the image's spread
    min_component_share: float = 0.008  # smallest component considered, as a share of the image
    min_cut_share: float = 0.06  # smallest part of a card, cut off by the frame, reported as such
    max_cut_aspect: float = 2.8  # a longer strip along the frame is not taken for part of a card
    min_sharpness: float = 0.20  # RMS Laplacian / contrast, card resampled to sharpness_card_px
    sharpness_card_px: int = 200
    dark_level: float = 75.0  # the card's 90th percentile (its light ground) below this: too dark
    bright_clipped_share: float = 0.65  # this share of the card clipped white: too bright (washed out)
    glare_level: int = 250  # a pixel at or above this is clipped
    max_glare_share: float = 0.015  # clipped blobs over this share of the card: glare
    scene_dark_level: float = 45.0  # without a card: the image's 99th percentile below this is too dark
    scene_bright_level: float = 245.0  # without a card: the image's median at or above this is too bright,
    scene_clipped_share: float = 0.15  # and so is this share of the image clipped white


@dataclass(frozen=True)
class IdPhotoReport:
    """The outcome of `check_id_photo`; `to_dict` / `from_dict` give a JSON-safe form."""

    accepted: bool
    reasons: tuple[Reason, ...]
    scores: dict[str, float] = field(default_factory=dict)
    format: str | None = None
    width: int = 0
    height: int = 0
    phash: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "reasons": [r.value for r in self.reasons],
            "scores": dict(self.scores),
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "phash": self.phash,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> IdPhotoReport:
        reasons = d.get("reasons", [])
        scores = d.get("scores", {})
        fmt = d.get("format")
        phash = d.get("phash")
        width = d.get("width", 0)
        height = d.get("height", 0)
        if not isinstance(reasons, list | tuple) or not isinstance(scores, dict):
            raise ValueError("reasons must be a list and scores an object")
        if not isinstance(width, int) or not isinstance(height, int):
            raise ValueError("width and height must be integers")
        return cls(
            accepted=bool(d.get("accepted", False)),
            reasons=tuple(Reason(str(r)) for r in reasons),
            scores={str(k): float(v) for k, v in scores.items()},
            format=None if fmt is None else str(fmt),
            width=width,
            height=height,
            phash=None if phash is None else str(phash),
        )


# ---------------------------------------------------------------- decoding

EDGE_QUANTILES = (0.85, 0.7)  # gradient levels (as quantiles of the image's) that count as edges
EDGE_BAND_OUTSIDE = 4.5  # px of an edge band outside the step (smoothing and thickening), at SEG_SIDE
WORK_SIDE = 480  # a JPEG is decoded at the largest DCT reduction that keeps at least this long side
SEG_SIDE = 256  # card segmentation works at this long side

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG2000"),
    (b"\xff\x4f\xff\x51", "JPEG2000"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEGXL"),
    (b"\xff\x0a", "JPEGXL"),
    (b"\x8aMNG", "MNG"),
    (b"qoif", "QOI"),
    (b"DDS ", "DDS"),
    (b"v/1\x01", "EXR"),
    (b"%!PS", "EPS"),
    (b"\xc5\xd0\xd3\xc6", "EPS"),
)
_ISOBMFF_IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")


def sniff_other_format(data: bytes) -> str | None:
    """The name of a known image or document format other than JPEG/PNG/WebP, from its magic bytes."""
    for magic, name in _OTHER_SIGNATURES:
        if data.startswith(magic):
            return name
    if (
        data[:2] == b"BM"
        and len(data) >= 26
        and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)
    ):
        return "BMP"
    if data[4:8] == b"ftyp" and data[8:12] in _ISOBMFF_IMAGE_BRANDS:
        return "HEIF"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "SVG"
    return None


@dataclass(frozen=True)
class _Decoded:
    gray: Image.Image  # mode L, EXIF orientation applied, long side about WORK_SIDE..2*WORK_SIDE (or less)
    format: str
    width: int  # of the original, after orientation
    height: int


class _Refused(Exception):
    def __init__(self, reason: Reason, fmt: str | None = None, size: tuple[int, int] = (0, 0)) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.format = fmt
        self.size = size


def _open(data: bytes, limits: IdPhotoLimits) -> Image.Image:
    """Open (header only) with the format allowlist; refuse bombs, animations and other formats."""
    if len(data) > limits.max_bytes:
        raise _Refused(Reason.TOO_LARGE)
    if not data:
        raise _Refused(Reason.UNREADABLE)
    try:
        # Pillow refuses over twice its own pixel limit and warns between it and that (the warning is an
        # error where warnings are errors); both are far above max_pixels. No warnings.catch_warnings
        # here: it swaps process-wide state, and checks run in several threads.
        im = Image.open(BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise _Refused(Reason.TOO_LARGE) from e
    except UnidentifiedImageError as e:
        other = sniff_other_format(data)
        raise _Refused(Reason.UNSUPPORTED_FORMAT if other else Reason.UNREADABLE, other) from e
    fmt = im.format or None
    w, h = im.size
    if w <= 0 or h <= 0:
        raise _Refused(Reason.UNREADABLE, fmt)
    if w * h > limits.max_pixels:
        raise _Refused(Reason.TOO_LARGE, fmt, (w, h))
    if getattr(im, "n_frames", 1) > 1:
        raise _Refused(Reason.UNSUPPORTED_FORMAT, fmt, (w, h))
    return im


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # a garbage EXIF block is ignored, as a viewer would
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# Bytes a pixel takes in Pillow's storage, by mode; every other mode takes 4 (LA and RGB included).
_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
# Full-size buffers besides the image while a format decodes: Pillow's WebP decoder keeps its canvas
# and the previous frame's, and hands over a copy of the canvas (measured: about 4 times the image).
_DECODER_COPIES = {"WEBP": 4}
_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
_ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")
_TILE_PIXELS = 1 << 20  # converted at a time (4 MB as RGBa), besides the decoded image


def _jpeg_first_scan_components(data: bytes) -> int | None:
    """How many components the first scan of a JPEG carries (None if the header has no scan)."""
    pos = 2
    while pos + 4 < len(data):
        if data[pos] != 0xFF:  # stray bytes between segments: skipped, as decoders do
            pos = data.find(b"\xff", pos)
            if pos < 0:
                return None
            continue
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
        elif marker == 0xDA:
            return data[pos + 4]
        else:
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return None


def _jpeg_coefficient_bytes(im: Image.Image, data: bytes, size: tuple[int, int]) -> int:
    """What libjpeg buffers for the whole image (of full `size`) when it needs every scan before the first
    row: the DCT coefficients of every component, 2 bytes each, whatever the draft scale. A progressive
    JPEG always needs it, and so does one whose first scan leaves components for later scans; a
    baseline JPEG with one interleaved scan decodes row by row."""
    layers = getattr(im, "layer", [])
    first = _jpeg_first_scan_components(data)
    if not im.info.get("progressive") and (first is None or first >= len(layers)):
        return 0
    w, h = size
    h_max = max((layer[1] for layer in layers), default=1) or 1
    v_max = max((layer[2] for layer in layers), default=1) or 1
    total = 0
    for _, hs, vs, _ in layers:
        blocks_x = -(-w * max(hs, 1) // (8 * h_max))
        blocks_y = -(-h * max(vs, 1) // (8 * v_max))
        total += (blocks_x + 1) * (blocks_y + 1) * 64 * 2  # + 1: blocks padded to whole MCUs
    return total


def _refuse_over_budget(im: Image.Image, data: bytes, full_size: tuple[int, int], limits: IdPhotoLimits) -> None:
    """Refuse, before decoding, an image whose decoding would take more than the budget: its pixels at
    the size and mode the decoder will produce (after a JPEG draft), and what the decoder buffers."""
    w, h = im.size
    need = w * h * _PIXEL_BYTES.get(im.mode, 4) * _DECODER_COPIES.get(im.format or "", 1)
    if im.format == "JPEG":
        need += _jpeg_coefficient_bytes(im, data, full_size)
    if need > limits.max_decoded_bytes:
        raise _Refused(Reason.TOO_LARGE, im.format, full_size)


def _jpeg_scale(im: Image.Image, data: bytes, long_side: int, limits: IdPhotoLimits) -> int:
    """The DCT scale (1, 2, 4 or 8) that decodes a JPEG to at least `long_side` across, or smaller
    when that would not fit the budget."""
    w, h = im.size
    scale = 1
    while scale < 8 and max(w, h) // (2 * scale) >= long_side:
        scale *= 2
    pixel = _PIXEL_BYTES.get(im.mode, 4)
    coefficients = _jpeg_coefficient_bytes(im, data, (w, h))
    while scale < 8 and -(-w // scale) * -(-h // scale) * pixel + coefficients > limits.max_decoded_bytes:
        scale *= 2
    return scale


def _eight_bit(tile: Image.Image, mode: str, top: float) -> Image.Image:
    """A tile of the decoded image in `mode` ("L" or "RGB"), or premultiplied RGBa when it has
    transparency (so that averaging it and then compositing it gives what compositing first would)."""
    if tile.mode in _SIXTEEN_BIT:
        arr = np.asarray(tile).astype(np.float32)
        gray = Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8), "L")
        return gray if mode == "L" else gray.convert(mode)
    if tile.mode in _ALPHA_MODES or (tile.mode in ("P", "L", "RGB") and "transparency" in tile.info):
        return tile.convert("RGBA").convert("RGBa")
    if tile.mode in ("CMYK", "YCbCr", "LAB", "HSV", "P"):
        tile = tile.convert("RGB")
    return tile if tile.mode == mode else tile.convert(mode)


def _on_white(tile: Image.Image, mode: str) -> Image.Image:
    """A premultiplied RGBa tile composited on white, in `mode`."""
    if tile.mode != "RGBa":
        return tile
    arr = np.asarray(tile)
    rgb = np.minimum(arr[..., :3].astype(np.uint16) + (255 - arr[..., 3:]), 255).astype(np.uint8)
    out = Image.fromarray(rgb, "RGB")
    return out if mode == "RGB" else out.convert(mode)


def _sixteen_bit_top(im: Image.Image) -> float:
    """The white level of a 16- or 32-bit image: 16-bit ones are scaled, not clipped."""
    if im.mode not in _SIXTEEN_BIT:
        return 255.0
    if im.mode.startswith("I;16"):
        return 65535.0
    extrema = im.getextrema()
    high = float(extrema[1]) if isinstance(extrema[1], int | float) else 0.0
    return 65535.0 if high > 255 else 255.0


def _reduced(im: Image.Image, factor: int, mode: str) -> Image.Image:
    """The decoded image reduced `factor` times (box average), in 8-bit `mode`, transparency composited
    on white. It goes a tile at a time (whole rows when they fit; edges on the blocks of `factor`), so
    there is no converted copy at full size, even of a very wide image."""
    w, h = im.size
    top = _sixteen_bit_top(im)
    rows = max(1, _TILE_PIXELS // (w * factor)) * factor
    cols = w if rows * w <= _TILE_PIXELS else max(1, _TILE_PIXELS // (rows * factor)) * factor
    out = Image.new(mode, (-(-w // factor), -(-h // factor)))
    for y in range(0, h, rows):
        for x in range(0, w, cols):
            tile = _eight_bit(im.crop((x, y, min(w, x + cols), min(h, y + rows))), mode, top)
            if factor > 1:
                tile = tile.reduce(factor)
            out.paste(_on_white(tile, mode), (x // factor, y // factor))
    return out


def _resized(im: Image.Image, size: tuple[int, int], mode: str) -> Image.Image:
    """The decoded image resized to `size` (Lanczos), in 8-bit `mode`, transparency composited on white,
    a tile of the output at a time (whole rows when they fit): each tile is resized from its source area
    and the pixels the filter reaches beyond it, so the result is that of resizing the whole image."""
    w, h = im.size
    if size == (w, h):
        return _reduced(im, 1, mode)
    top = _sixteen_bit_top(im)
    sx, sy = w / size[0], h / size[1]
    rx, ry = math.ceil(3 * max(sx, 1.0)) + 2, math.ceil(3 * max(sy, 1.0)) + 2  # Lanczos' support
    rows = max(1, int((_TILE_PIXELS / w - 2 * ry) / sy))  # output rows whose source fits at full width
    cols = size[0]
    if min(h, rows * sy + 2 * ry) * w > _TILE_PIXELS:  # not even one: tiles about square in the source,
        side = math.isqrt(_TILE_PIXELS)  # or as high as the image when it is not much higher than that
        rows = max(1, int((side - 2 * ry) / sy)) if h > side else size[1]
        cols = max(1, int((_TILE_PIXELS / min(h, rows * sy + 2 * ry) - 2 * rx) / sx))
    out = Image.new(mode, size)
    for oy in range(0, size[1], rows):
        oy1 = min(size[1], oy + rows)
        y0, y1 = max(0, math.floor(oy * sy) - ry), min(h, math.ceil(oy1 * sy) + ry)
        for ox in range(0, size[0], cols):
            ox1 = min(size[0], ox + cols)
            x0, x1 = max(0, math.floor(ox * sx) - rx), min(w, math.ceil(ox1 * sx) + rx)
            tile = _eight_bit(im.crop((x0, y0, x1, y1)), mode, top)
            box = (ox * sx - x0, oy * sy - y0, ox1 * sx - x0, oy1 * sy - y0)
            part = tile.resize((ox1 - ox, oy1 - oy), Image.Resampling.LANCZOS, box=box)
            out.paste(_on_white(part, mode), (ox, oy))
    return out


def _decode(data: bytes, limits: IdPhotoLimits) -> _Decoded:
    im = _open(data, limits)
    fmt = im.format or ""
    w, h = im.size
    if fmt == "JPEG":
        long_side = max(w, h)
        want = (max(1, w * WORK_SIDE // long_side), max(1, h * WORK_SIDE // long_side))
        im.draft("L", want if long_side > 2 * WORK_SIDE else None)
    _refuse_over_budget(im, data, (w, h), limits)
    try:
        im.load()
        orientation = _orientation(im)  # after the budget check: a PNG's EXIF may follow its pixels
        long_side = max(im.size)
        gray = _reduced(im, long_side // WORK_SIDE if long_side > 2 * WORK_SIDE else 1, "L")
    except Exception as e:  # truncated, corrupt, bad CRC, unsupported mode, ...
        raise _Refused(Reason.UNREADABLE, fmt, (w, h)) from e
    finally:
        im.close()  # the decoded pixels: the analysis works on the reduced copy
    if orientation in _TRANSPOSE:
        gray = gray.transpose(_TRANSPOSE[orientation])
        if orientation >= 5:
            w, h = h, w
    return _Decoded(gray, fmt, w, h)


# ---------------------------------------------------------------- connected components from row runs


@dataclass(frozen=True)
class _Runs:
    row: IntArray
    start: IntArray
    end: IntArray  # exclusive
    label: IntArray  # component of each run, 0..n_labels-1
    n_labels: int


def _label_runs(mask: BoolArray) -> _Runs:
    """8-connected components of `mask`, as labelled horizontal runs (no per-pixel label image)."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    row, start = np.nonzero(d == 1)
    _, end = np.nonzero(d == -1)
    n = len(row)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Runs(empty, empty, empty, empty, 0)
    stride = w + 2
    start_key = row * stride + start
    end_key = row * stride + end
    # runs of the next row that touch run i (8-connectivity): start <= end_i and end >= start_i
    nxt = row + 1
    first = np.searchsorted(end_key, nxt * stride + start, side="left")
    last = np.searchsorted(start_key, nxt * stride + end, side="right")
    counts = np.maximum(last - first, 0)
    a = np.repeat(np.arange(n), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    b = np.repeat(first, counts) + offsets
    label = np.arange(n)
    for _ in range(64):  # hook roots to the smaller root, compress paths; a few rounds suffice
        la, lb = label[a], label[b]
        differ = la != lb
        if not differ.any():
            break
        np.minimum.at(label, np.maximum(la[differ], lb[differ]), np.minimum(la[differ], lb[differ]))
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    roots, compact = np.unique(label, return_inverse=True)
    return _Runs(row, start, end, compact.astype(np.int64), len(roots))


# ---------------------------------------------------------------- card geometry


@dataclass(frozen=True)
class _Rect:
    cx: float
    cy: float
    angle_deg: float  # of the long side, counter-clockwise as seen, in [0, 180)
    long: float
    short: float

    @property
    def tilt_deg(self) -> float:
        a = self.angle_deg % 90.0
        return min(a, 90.0 - a)

    @property
    def aspect(self) -> float:
        return self.long / self.short if self.short > 0 else math.inf

    def scaled(self, k: float, dx: float = 0.0, dy: float = 0.0) -> _Rect:
        """The same rectangle in an image scaled by `k`, then shifted by (-dx, -dy)."""
        return _Rect(self.cx * k - dx, self.cy * k - dy, self.angle_deg, self.long * k, self.short * k)

    def axes(self) -> tuple[float, float, float, float]:
        """Unit vectors along the long and the short side, in image coordinates (y down)."""
        theta = math.radians(-self.angle_deg)
        ux, uy = math.cos(theta), math.sin(theta)
        return ux, uy, -uy, ux

    def sides(self) -> list[tuple[tuple[float, float], tuple[float, float], float, float]]:
        """Its four sides, each as (unit vector along it, outward normal, half its length, distance from
        the centre), in the order long +, long -, short +, short -."""
        ux, uy, vx, vy = self.axes()
        return [
            ((ux, uy), (vx, vy), self.long / 2, self.short / 2),
            ((ux, uy), (-vx, -vy), self.long / 2, self.short / 2),
            ((vx, vy), (ux, uy), self.short / 2, self.long / 2),
            ((vx, vy), (-ux, -uy), self.short / 2, self.long / 2),
        ]

    def box(self, size: tuple[int, int], margin: float = 1.0) -> tuple[int, int, int, int]:
        """Its bounding box (grown by `margin` px), clipped to an image of `size`."""
        ux, uy, _, _ = self.axes()
        hw = (abs(ux) * self.long + abs(uy) * self.short) / 2 + margin
        hh = (abs(uy) * self.long + abs(ux) * self.short) / 2 + margin
        return (
            max(0, math.floor(self.cx - hw)),
            max(0, math.floor(self.cy - hh)),
            min(size[0], math.ceil(self.cx + hw) + 1),
            min(size[1], math.ceil(self.cy + hh) + 1),
        )

    def inner(self, shape: tuple[int, int], margin: float) -> BoolArray:
        """Pixels of an image of `shape` inside the rectangle shrunk by `margin` (a share) on each side."""
        h, w = shape
        ux, uy, vx, vy = self.axes()
        dx = np.arange(w, dtype=np.float32)[None, :] - self.cx
        dy = np.arange(h, dtype=np.float32)[:, None] - self.cy
        u = dx * ux + dy * uy
        v = dx * vx + dy * vy
        return (np.abs(u) <= self.long * (0.5 - margin)) & (np.abs(v) <= self.short * (0.5 - margin))


@dataclass(frozen=True)
class _Candidate:
    rect: _Rect  # in segmentation pixels
    area: float  # filled (holes and row concavities filled)
    rectangularity: float  # area / rectangle area; cut off: overlap / union with the rectangle's part in the frame
    touches: int  # number of frame sides touched
    edge: float  # the step across its sides: the second weakest of a whole card, the weakest of a cut one
    content: float  # standard deviation of the gray levels inside (print, photo): a card is not blank

    @property
    def strong(self) -> bool:
        return self.rectangularity >= 0.9 and abs(math.log(self.rect.aspect / ID1_ASPECT)) < 0.1


_ANGLES = np.deg2rad(np.arange(0.0, 90.0, 2.0))


def _min_area_rect(xs: FloatArray, ys: FloatArray) -> tuple[_Rect, float]:
    """Minimum-area rectangle of points (coarse then fine search over angles) and the area of their convex
    hull (the polygon of their support lines every 2 degrees; a hair larger than the hull itself)."""

    def fit(angles: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], ...]:
        c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
        u = xs[None, :] * c + ys[None, :] * s
        v = -xs[None, :] * s + ys[None, :] * c
        umin, umax, vmin, vmax = u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)
        du, dv = umax - umin + 1.0, vmax - vmin + 1.0
        return du * dv, du, dv, (umax + umin) / 2, (vmax + vmin) / 2, umin, umax, vmin, vmax

    coarse = fit(_ANGLES)
    # support h(t) = max over points of (x cos t + y sin t), at t = a, a + 90, a + 180, a + 270 degrees
    _, _, _, _, _, umin, umax, vmin, vmax = coarse
    support = np.concatenate([umax, vmax, -umin, -vmin]) + 0.5
    t = np.concatenate([_ANGLES, _ANGLES + np.pi / 2, _ANGLES + np.pi, _ANGLES + 1.5 * np.pi])
    t1, h1 = np.roll(t, -1), np.roll(support, -1)
    det = np.sin(t1 - t)
    px = (support * np.sin(t1) - h1 * np.sin(t)) / det
    py = (h1 * np.cos(t) - support * np.cos(t1)) / det
    hull_area = 0.5 * abs(float(np.sum(px * np.roll(py, -1) - np.roll(px, -1) * py)))

    best = float(_ANGLES[int(np.argmin(coarse[0]))])
    angles = best + np.deg2rad(np.arange(-2.0, 2.01, 0.25))
    area, du, dv, mu, mv = fit(angles)[:5]
    i = int(np.argmin(area))
    theta = float(angles[i])
    cu, cv = float(mu[i]), float(mv[i])
    cx = cu * math.cos(theta) - cv * math.sin(theta)
    cy = cu * math.sin(theta) + cv * math.cos(theta)
    if du[i] >= dv[i]:
        long_, short, angle = float(du[i]), float(dv[i]), math.degrees(theta)
    else:
        long_, short, angle = float(dv[i]), float(du[i]), math.degrees(theta) + 90.0
    return _Rect(cx, cy, (-angle) % 180.0, long_, short), hull_area  # y points down: negate for "as seen"


_SIDE_ANGLES = np.deg2rad(np.arange(0.0, 90.0, 2.0))
_SIDE_REFINE = np.deg2rad(np.arange(-1.5, 1.51, 0.5))
SIDE_SEARCH = 0.25  # a side is looked for within this share of the extent in from the outermost points
SIDE_GAIN = 1.5  # a side lies in from the outermost points where a line carries this many times as many,
SIDE_MIN_SHARE = 0.3  # and at least this many per px of the side's length (bumps leave gaps that long)
SIDE_COARSE_POINTS = 200  # about this many outline points are enough to find the angle to 2 degrees


def _side_lines(
    depth: npt.NDArray[np.float64], extent: npt.NDArray[np.float64], length: npt.NDArray[np.float64]
) -> tuple[IntArray, IntArray]:
    """For each row of `depth` (outline points' distances in from the outermost, for one side at one angle):
    the depth (px) of the side and the points on it (within 1 px). The side lies at the outermost line
    unless a line further in (within `SIDE_SEARCH` of the `extent`) carries clearly more points: those
    outside it are then bumps or spurs (a checked table's squares merged with the card, edges of its
    pattern touching the card's)."""
    n = depth.shape[0]
    limit = (SIDE_SEARCH * extent).astype(np.int64)
    width = int(limit.max(initial=0)) + 3
    d = depth.astype(np.int64)
    d = np.where(d <= limit[:, None], d, width - 1)  # beyond the search: a bin left out below
    counts = np.bincount((d + (np.arange(n) * width)[:, None]).ravel(), minlength=n * width).reshape(n, width)
    counts[:, -1] = 0
    window = counts.copy()  # window[:, k]: points at depths k - 1 .. k + 1
    window[:, 1:] += counts[:, :-1]
    window[:, :-1] += counts[:, 1:]
    peak = np.argmax(window, axis=1)
    carried = window[np.arange(n), peak]
    moved = carried >= np.maximum(SIDE_MIN_SHARE * length, SIDE_GAIN * window[:, 0])
    return np.where(moved, peak, 0), np.where(moved, carried, window[:, 0])


def _fit_sides(xs: FloatArray, ys: FloatArray, shape: tuple[int, int]) -> _Rect:
    """The rectangle whose sides carry the most outline points (every 2 degrees, then every 0.5): the
    sides of a card cut off by the frame, which may be only two (an L, whose minimum-area rectangle may as
    well lie along the line joining its ends), with bumps and spurs outside them. A side at the frame
    stays at the outermost points (the card goes on beyond it)."""

    def fit(
        angles: npt.NDArray[np.float64], step: int = 1
    ) -> tuple[IntArray, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Points on the sides per angle, and the outermost and the fitted (u0, u1, v0, v1) (rows) per angle;
        every `step`-th point only."""
        c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
        xs_, ys_ = xs[::step], ys[::step]
        u = xs_[None, :] * c + ys_[None, :] * s
        v = -xs_[None, :] * s + ys_[None, :] * c
        u0, u1, v0, v1 = u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)
        depth = np.concatenate([u - u0[:, None], u1[:, None] - u, v - v0[:, None], v1[:, None] - v])
        extent = np.concatenate([u1 - u0, u1 - u0, v1 - v0, v1 - v0])
        length = np.concatenate([v1 - v0, v1 - v0, u1 - u0, u1 - u0]) / step
        inset, points = _side_lines(depth, extent, length)
        n = len(angles)
        outer = np.stack([u0, u1, v0, v1])
        sign = np.array([1.0, -1.0, 1.0, -1.0])[:, None]
        return points.reshape(4, n).sum(axis=0), outer, outer + sign * inset.reshape(4, n)

    coarse = fit(_SIDE_ANGLES, max(1, len(xs) // SIDE_COARSE_POINTS))[0]
    angles = float(_SIDE_ANGLES[int(np.argmax(coarse))]) + _SIDE_REFINE
    total, outer, inner = fit(angles)
    i = int(np.argmax(total))
    theta = float(angles[i])
    c, s = math.cos(theta), math.sin(theta)
    h, w = shape
    ou0, ou1, ov0, ov1 = (float(b) for b in outer[:, i])
    mid_u, mid_v = (ou0 + ou1) / 2, (ov0 + ov1) / 2
    side = []
    for k, (pu, pv) in enumerate(((ou0, mid_v), (ou1, mid_v), (mid_u, ov0), (mid_u, ov1))):
        x, y = pu * c - pv * s, pu * s + pv * c  # the middle of the outermost side, in the image
        at_frame = not (2 < x < w - 3 and 2 < y < h - 3)
        side.append(float(outer[k, i] if at_frame else inner[k, i]))
    u0, u1, v0, v1 = side
    du, dv = u1 - u0 + 1.0, v1 - v0 + 1.0
    cu, cv = (u1 + u0) / 2, (v1 + v0) / 2
    cx = cu * c - cv * s
    cy = cu * s + cv * c
    if du >= dv:
        long_, short, angle = du, dv, math.degrees(theta)
    else:
        long_, short, angle = dv, du, math.degrees(theta) + 90.0
    return _Rect(cx, cy, (-angle) % 180.0, long_, short)


_SIDE_T = np.linspace(-0.4, 0.4, 24)
_GRID_U, _GRID_V = (g.ravel() for g in np.meshgrid(np.linspace(-0.38, 0.38, 20), np.linspace(-0.36, 0.36, 12)))


def _side_contrasts(arr: FloatArray, rect: _Rect, offset: float = 2.5, inset: float = 0.0) -> list[float]:
    """A low quantile of |inside - outside| just across each side of `rect` (NaN for a side along or beyond
    the frame): a straight edge steps all along the side; a round or ragged shape meets it at a few points.
    `inset`: the step lies this far inside the sides (a rectangle fitted to an edge band).
    """
    h, w = arr.shape
    out: list[float] = []
    for (ax, ay), (nx, ny), half_along, half_across in rect.sides():
        px = rect.cx + ax * _SIDE_T * 2 * half_along + nx * half_across
        py = rect.cy + ay * _SIDE_T * 2 * half_along + ny * half_across
        ix = np.rint(px - nx * (offset + inset)).astype(np.int64)
        iy = np.rint(py - ny * (offset + inset)).astype(np.int64)
        ox = np.rint(px + nx * (offset - inset)).astype(np.int64)
        oy = np.rint(py + ny * (offset - inset)).astype(np.int64)
        m = 3  # an outside point this close to the frame is the frame's edge, not the card's
        ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h) & (ox >= m) & (ox < w - m) & (oy >= m) & (oy < h - m)
        if ok.sum() < len(_SIDE_T) // 2:
            out.append(math.nan)
        else:
            out.append(float(np.percentile(np.abs(arr[iy[ok], ix[ok]] - arr[oy[ok], ox[ok]]), 25)))
    return out


FRAME_MARGIN = 6.0  # px: a side coming this close to the frame may be where the frame cuts the card


def _sides_near_frame(rect: _Rect, shape: tuple[int, int]) -> list[bool]:
    """For each side of `rect` (in the order of `_Rect.sides`): does it come near the frame?"""
    h, w = shape
    out: list[bool] = []
    for (ax, ay), (nx, ny), half_along, half_across in rect.sides():
        near = False
        for t in (-half_along, half_along):
            x = rect.cx + ax * t + nx * half_across
            y = rect.cy + ay * t + ny * half_across
            m = FRAME_MARGIN
            near = near or not (m <= x <= w - 1 - m and m <= y <= h - 1 - m)
        out.append(near)
    return out


def _content(raw: FloatArray, rect: _Rect) -> float:
    """Standard deviation of the gray levels on a grid inside `rect` (edges left out)."""
    h, w = raw.shape
    ux, uy, vx, vy = rect.axes()
    px = rect.cx + _GRID_U * rect.long * ux + _GRID_V * rect.short * vx
    py = rect.cy + _GRID_U * rect.long * uy + _GRID_V * rect.short * vy
    ix = np.clip(np.rint(px).astype(np.int64), 0, w - 1)
    iy = np.clip(np.rint(py).astype(np.int64), 0, h - 1)
    return float(raw[iy, ix].std())


def _corners_filled(
    shape: tuple[int, int], rect: _Rect, left: IntArray, right: IntArray, r0: int, inset: float = 0.08
) -> tuple[int, int]:
    """(corners of `rect` well inside the frame, how many of them the row-filled component covers).

    A card covers its corners (they are rounded over 4 % of its width only); a disk does not."""
    h, w = shape
    ux, uy, vx, vy = rect.axes()
    inside = filled = 0
    for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        corner_x = rect.cx + su * rect.long / 2 * ux + sv * rect.short / 2 * vx
        corner_y = rect.cy + su * rect.long / 2 * uy + sv * rect.short / 2 * vy
        if not (2 <= corner_x < w - 2 and 2 <= corner_y < h - 2):
            continue
        inside += 1
        cu, cv = su * rect.long * (0.5 - inset), sv * rect.short * (0.5 - inset)
        x = round(rect.cx + cu * ux + cv * vx)
        r = round(rect.cy + cu * uy + cv * vy) - r0
        filled += int(0 <= r < len(left) and left[r] <= x <= right[r])
    return inside, filled


def _column_ends(left: IntArray, right: IntArray, r0: int) -> tuple[FloatArray, FloatArray]:
    """(x, y) of the top and bottom ends of each column of a row-filled component (rows `r0`... with
    `left`/`right` ends; absent rows have left > right)."""
    x_lo, x_hi = int(left.min()), int(right.max())
    cols = np.arange(x_lo, x_hi + 1)
    covered = (left[:, None] <= cols[None, :]) & (cols[None, :] <= right[:, None])
    has = covered.any(axis=0)
    top = np.argmax(covered, axis=0)
    bottom = len(left) - 1 - np.argmax(covered[::-1], axis=0)
    xs = np.tile(cols[has], 2).astype(np.float32)
    ys = (np.concatenate([top[has], bottom[has]]) + r0).astype(np.float32)
    return xs, ys


def _rect_row_spans(rect: _Rect, shape: tuple[int, int]) -> tuple[FloatArray, FloatArray]:
    """For each row of an image of `shape`, the x interval [lo, hi] that `rect` covers (lo > hi: none)."""
    h, w = shape
    ux, uy, vx, vy = rect.axes()
    y = np.arange(h, dtype=np.float64) - rect.cy
    lo = np.full(h, -rect.cx, dtype=np.float64)
    hi = np.full(h, w - 1 - rect.cx, dtype=np.float64)
    for ax, ay, half in ((ux, uy, rect.long / 2), (vx, vy, rect.short / 2)):
        # |dx * ax + y * ay| <= half
        if abs(ax) < 1e-9:
            bad = np.abs(y * ay) > half
            lo[bad], hi[bad] = 1.0, 0.0
            continue
        a = (-half - y * ay) / ax
        b = (half - y * ay) / ax
        lo = np.maximum(lo, np.minimum(a, b))
        hi = np.minimum(hi, np.maximum(a, b))
    return (lo + rect.cx).astype(np.float32), (hi + rect.cx).astype(np.float32)


def _clipped_overlap(
    rect: _Rect, left: IntArray, right: IntArray, r0: int, shape: tuple[int, int], area: float
) -> float:
    """Intersection over union of a row-filled component and the part of `rect` inside the frame."""
    lo, hi = _rect_row_spans(rect, shape)
    rect_len = np.maximum(np.floor(hi) - np.ceil(lo) + 1, 0)
    rows = slice(r0, r0 + len(left))
    o_lo = np.maximum(np.ceil(lo[rows]), left)
    o_hi = np.minimum(np.floor(hi[rows]), right)
    overlap = float(np.maximum(o_hi - o_lo + 1, 0).sum())
    union = area + float(rect_len.sum()) - overlap
    return overlap / max(1.0, union)


def _candidates(
    runs: _Runs, smooth: FloatArray, raw: FloatArray, limits: IdPhotoLimits, shrink: float = 0.0
) -> list[_Candidate]:
    """The largest components that fill their minimum-area rectangle well enough to be a card.

    `shrink` (px) is taken off each side of the fitted rectangle: an edge band lies partly outside the card."""
    h, w = smooth.shape
    min_area = limits.min_component_share * h * w
    lengths = runs.end - runs.start
    raw_area = np.bincount(runs.label, weights=lengths, minlength=runs.n_labels)
    big = np.nonzero(raw_area >= min_area * 0.5)[0]
    out: list[_Candidate] = []
    for lab in big[np.argsort(-raw_area[big])][:6]:
        sel = runs.label == lab
        rows, starts, ends = runs.row[sel], runs.start[sel], runs.end[sel]
        r0 = int(rows.min())
        nrows = int(rows.max()) - r0 + 1
        left = np.full(nrows, w, dtype=np.int64)
        right = np.full(nrows, -1, dtype=np.int64)
        np.minimum.at(left, rows - r0, starts)
        np.maximum.at(right, rows - r0, ends - 1)
        present = right >= 0
        area = float((right[present] - left[present] + 1).sum())
        if area < min_area or area > 0.9 * h * w:
            continue
        touches = (
            int(left[present].min() <= 0)
            + int(right[present].max() >= w - 1)
            + int(r0 <= 0)
            + int(r0 + nrows - 1 >= h - 1)
        )
        if touches >= 3 or (touches and area < limits.min_cut_share * h * w):
            continue  # (a smaller part of a card is not reported as cut off)
        ys = np.tile(np.nonzero(present)[0] + r0, 2).astype(np.float32)
        xs = np.concatenate([left[present], right[present]]).astype(np.float32)
        if touches:  # fit the card's own sides: the outline (row and column ends) off the frame's cut
            if area < limits.min_solidity * _min_area_rect(xs, ys)[1]:
                continue  # far from convex: no part of a card (a cheap test first)
            cx_, cy_ = _column_ends(left, right, r0)
            bxs, bys = np.concatenate([xs, cx_]), np.concatenate([ys, cy_])
            inside = (bxs > 0) & (bxs < w - 1) & (bys > 0) & (bys < h - 1)
            rect = _fit_sides(bxs[inside], bys[inside], (h, w)) if inside.sum() >= 8 else _min_area_rect(xs, ys)[0]
            rectangularity = _clipped_overlap(rect, left, right, r0, (h, w), area)
        else:
            rect, hull_area = _min_area_rect(xs, ys)
            # the outline must be a rectangle; print and photo may eat into the filled area (a small card)
            rectangularity = min(hull_area, area / limits.min_solidity) / max(1.0, rect.long * rect.short)
        if rectangularity < limits.min_rectangularity - (0.05 if touches else 0.0):
            continue
        contrasts = _side_contrasts(smooth, rect, inset=shrink)
        sides = sorted(c for c in contrasts if not math.isnan(c))
        if touches:  # a part of a card: all its corners and sides inside the frame must show
            corners, filled = _corners_filled((h, w), rect, left, right, r0)
            if filled < corners - (1 if corners >= 3 else 0):
                continue
            # a side that reaches the frame may be the cut itself, measured just inside the frame
            near_frame = _sides_near_frame(rect, (h, w))
            free = [c for c, near in zip(contrasts, near_frame, strict=True) if not near and not math.isnan(c)]
            if free:
                edge = min(free)
            else:
                edge = (sides[1] if len(sides) >= 3 else sides[0]) if sides else 0.0
        else:  # a whole card may have one faint side (a dark band on a dark table, light on a light one)
            edge = sides[1] if len(sides) == 4 else 0.0
        if shrink:
            rect = _Rect(rect.cx, rect.cy, rect.angle_deg, rect.long - 2 * shrink, rect.short - 2 * shrink)
        out.append(_Candidate(rect, area, rectangularity, touches, edge, _content(raw, rect)))
    return out


def _erode(mask: BoolArray, r: int = 1) -> BoolArray:
    """(2r+1)-square erosion; beyond the frame counts as set, so a card at the edge keeps touching it."""
    out = mask.copy()
    for k in range(1, r + 1):
        out[k:, :] &= mask[:-k, :]
        out[:-k, :] &= mask[k:, :]
    rows = out.copy()
    for k in range(1, r + 1):
        out[:, k:] &= rows[:, :-k]
        out[:, :-k] &= rows[:, k:]
    return out


def _dilate(mask: BoolArray, r: int = 1) -> BoolArray:
    out = mask.copy()
    for k in range(1, r + 1):
        out[k:, :] |= mask[:-k, :]
        out[:-k, :] |= mask[k:, :]
    rows = out.copy()
    for k in range(1, r + 1):
        out[:, k:] |= rows[:, :-k]
        out[:, :-k] |= rows[:, k:]
    return out


def _otsu(hist: npt.NDArray[np.float64], lo: int = 0, hi: int = 256) -> int:
    """Otsu threshold of the histogram restricted to [lo, hi): pixels > t are the upper class."""
    p = hist[lo:hi]
    total = p.sum()
    if total <= 0 or hi - lo < 2:
        return (lo + hi) // 2
    levels = np.arange(lo, hi, dtype=np.float64)
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * levels)
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 - m0 * total) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1
    return lo + int(np.argmax(between))


def _levels(hist: npt.NDArray[np.float64]) -> list[int]:
    """Thresholds to try: Otsu's, those of each half and between, and high and low percentiles."""
    t0 = _otsu(hist)
    t1, t2 = _otsu(hist, t0 + 1, 256), _otsu(hist, 0, t0 + 1)
    cum = np.cumsum(hist) / max(1.0, float(hist.sum()))
    high = [int(np.searchsorted(cum, q)) for q in (0.9, 0.96)]  # a small light card on a light table
    low = [int(np.searchsorted(cum, q)) for q in (0.04, 0.1)]
    return list(dict.fromkeys([t0, (t0 + t1) // 2, (t0 + t2) // 2, t1, t2, *high, *low]))


def _edge_bands(smooth: FloatArray) -> Iterator[BoolArray]:
    """Where the gray levels step, whatever the levels on either side: a card's outline (its border and
    shadow) with the print inside it forms one component, which the row filling of `_candidates` turns
    into the card's shape. Finds a card as light as its table, or one interrupted by glare, which no
    single threshold separates. Edges at a few strengths, each thickened by a pixel to close gaps.
    """
    gx = np.zeros_like(smooth)
    gy = np.zeros_like(smooth)
    gx[:, 1:-1] = smooth[:, 2:] - smooth[:, :-2]
    gy[1:-1, :] = smooth[2:, :] - smooth[:-2, :]
    grad = np.maximum(np.abs(gx), np.abs(gy))
    for level in np.quantile(grad, EDGE_QUANTILES):  # one sort for both levels
        yield _dilate(grad > max(4.0, float(level)))


@dataclass(frozen=True)
class _Found:
    card: _Candidate | None
    cut_off: _Candidate | None


def _find_card(seg: Image.Image, limits: IdPhotoLimits) -> _Found:
    """The most card-like component over a few thresholds, light-on-dark first, then dark-on-light."""
    smooth8 = np.asarray(seg.filter(ImageFilter.BoxBlur(2)))
    smooth = smooth8.astype(np.float32)
    raw = np.asarray(seg, dtype=np.float32)
    h, w = smooth8.shape
    hist = np.bincount(smooth8.ravel(), minlength=256).astype(np.float64)
    p2, p98 = np.searchsorted(np.cumsum(hist), [0.02 * h * w, 0.98 * h * w])
    spread = float(p98 - p2)
    min_edge = max(limits.min_edge_contrast, limits.min_edge_share * spread)
    min_content = max(2.0, limits.min_content * spread)
    lo, hi = limits.card_aspect_range
    best: _Candidate | None = None
    best_cut: _Candidate | None = None

    def masks() -> Iterator[tuple[BoolArray, float]]:
        levels = _levels(hist)
        for bright in (True, False):
            for level in levels:
                yield (smooth8 > level if bright else smooth8 <= level), 0.0
        for edges in _edge_bands(smooth):
            yield edges, EDGE_BAND_OUTSIDE

    for mask, shrink in masks():
        share = float(mask.mean())
        if share < limits.min_component_share or share > 0.97:
            continue
        mask = _erode(_dilate(_dilate(_erode(mask)), 2), 2)  # open 3x3 (cut bridges), close 5x5 (mend gaps)
        for cand in _candidates(_label_runs(mask), smooth, raw, limits, shrink):
            if cand.edge < min_edge or cand.content < min_content:
                continue
            if cand.touches == 0 and lo <= cand.rect.aspect <= hi:
                # the largest wins: a card holds card-like parts, none holds the card
                if (
                    best is None
                    or cand.area > best.area * 1.2
                    or (cand.area > best.area / 1.2 and cand.edge > best.edge)
                ):
                    best = cand
            elif (
                cand.touches
                and cand.area >= limits.min_cut_share * h * w
                and cand.rectangularity >= limits.min_rectangularity - 0.05
                and cand.rect.aspect <= limits.max_cut_aspect
                and cand.edge >= 1.5 * min_edge
            ):
                if best_cut is None or cand.area > best_cut.area:
                    best_cut = cand
        if best is not None and best.strong and best.edge >= 2 * min_edge and best.area >= 0.05 * h * w:
            break  # a clear card; a small one may be the photo on a card cut off by the frame: look on
    return _Found(best, best_cut)


# ---------------------------------------------------------------- measurements inside the card


def _clipped_blobs(crop: npt.NDArray[np.uint8], inner: BoolArray, level: int) -> tuple[BoolArray, BoolArray]:
    """(clipped pixels, clipped pixels in blobs that survive a 5x5 opening), within `inner`."""
    clipped = (crop >= level) & inner
    if not clipped.any():
        return clipped, clipped
    return clipped, _dilate(_erode(clipped, 2), 2) & inner


def _sharpness(crop: npt.NDArray[np.uint8], rect: _Rect, ignore: BoolArray, card_px: int) -> float:
    """RMS Laplacian inside the card resampled to `card_px` across, over the card's contrast (p90 - p10)."""
    factor = min(1.0, card_px / max(1.0, rect.long))
    img = Image.fromarray(crop)
    keep = Image.fromarray((~ignore).astype(np.uint8) * 255)
    if factor < 1.0:
        size = (max(3, round(img.width * factor)), max(3, round(img.height * factor)))
        img = img.resize(size, Image.Resampling.BOX)
        keep = keep.resize(size, Image.Resampling.BOX)
        factor = img.width / crop.shape[1]
    arr = np.asarray(img, dtype=np.float32)
    if arr.shape[0] < 5 or arr.shape[1] < 5:
        return 0.0
    inner = rect.scaled(factor).inner(arr.shape, 0.08) & (np.asarray(keep) == 255)
    inner = inner[1:-1, 1:-1]
    centre = arr[1:-1, 1:-1]
    lap = 4 * centre - arr[:-2, 1:-1] - arr[2:, 1:-1] - arr[1:-1, :-2] - arr[1:-1, 2:]
    values = centre[inner]
    if values.size < 50:
        return 0.0
    p10, p90 = _quantiles(np.asarray(img)[1:-1, 1:-1][inner], (0.1, 0.9))
    return float(np.sqrt(np.mean(lap[inner] ** 2))) / (float(p90 - p10) + 10.0)


def _quantiles(values: npt.NDArray[np.uint8], qs: tuple[float, ...]) -> tuple[float, ...]:
    """Quantiles of 8-bit values, from their histogram (much cheaper than sorting)."""
    cum = np.cumsum(np.bincount(values.ravel(), minlength=256))
    n = int(cum[-1])
    return tuple(float(np.searchsorted(cum, q * n)) for q in qs)


# ---------------------------------------------------------------- perceptual hash


def _dct_matrix(n: int) -> npt.NDArray[np.float64]:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    return np.cos(np.pi * (2 * i + 1) * k / (2 * n))


_DCT32 = _dct_matrix(32)


def phash_of(gray: Image.Image) -> str:
    """DCT perceptual hash: 32x32 gray, top-left 8x8 of its DCT, bits above the median; 16 hex chars."""
    small = np.asarray(gray.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
    low = (_DCT32 @ small @ _DCT32.T)[:8, :8]
    bits = (low > np.median(low)).ravel()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def phash_distance(a: str, b: str) -> int:
    """Hamming distance between two hashes from `phash_of`: 0-6 the same picture, over 12 a different one."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


# ---------------------------------------------------------------- the check


def check_id_photo(data: bytes, limits: IdPhotoLimits = IdPhotoLimits()) -> IdPhotoReport:
    """Judge a photo of an ID card. Never raises: any failure is a report with a reason."""
    try:
        decoded = _decode(data, limits)
    except _Refused as r:
        return IdPhotoReport(False, (r.reason,), {}, r.format, r.size[0], r.size[1], None)
    except Exception:  # whatever a hostile file provokes in a decoder (MemoryError included)
        return IdPhotoReport(False, (Reason.UNREADABLE,), {}, None, 0, 0, None)
    try:
        return _judge(decoded, limits)
    except Exception:  # a bug in the analysis must not break the caller's workflow
        return IdPhotoReport(False, (Reason.UNREADABLE,), {}, decoded.format, decoded.width, decoded.height, None)


def _judge(d: _Decoded, limits: IdPhotoLimits) -> IdPhotoReport:
    gray = d.gray
    k = min(1.0, SEG_SIDE / max(gray.size))
    size = (max(1, round(gray.width * k)), max(1, round(gray.height * k)))
    seg = gray if k >= 1.0 else gray.resize(size, Image.Resampling.BOX)
    phash = phash_of(seg)
    reasons: list[Reason] = []
    scores: dict[str, float] = {}
    if max(d.width, d.height) < limits.min_card_width_px:
        reasons.append(Reason.LOW_RESOLUTION)  # no card in it can be wide enough
    if min(gray.size) < 16:
        return IdPhotoReport(False, (Reason.LOW_RESOLUTION,), scores, d.format, d.width, d.height, phash)
    found = _find_card(seg, limits)
    card, cut = found.card, found.cut_off
    scores["scene_clipped_share"] = float((np.asarray(seg) >= limits.glare_level).mean())
    seg_area = float(seg.width * seg.height)
    if card is not None and cut is not None and card.area < 0.35 * cut.area:
        ux, uy, vx, vy = cut.rect.axes()
        dx, dy = card.rect.cx - cut.rect.cx, card.rect.cy - cut.rect.cy
        if abs(dx * ux + dy * uy) < cut.rect.long / 2 and abs(dx * vx + dy * vy) < cut.rect.short / 2:
            card = None  # what looked like a card is a part (the photo) of a card that is cut off
    washed_out = scores["scene_clipped_share"] >= limits.scene_clipped_share
    if card is not None and washed_out and card.area < limits.min_card_fill * seg_area:
        card = None  # in a washed-out photo a small "card" is a leftover of the real one (or of the table)
    if card is None:
        arr = np.asarray(seg)
        p50, p99 = _quantiles(arr, (0.5, 0.99))
        scores.update(brightness=p50, brightness_p99=p99)
        if p99 < limits.scene_dark_level:
            reasons.append(Reason.TOO_DARK)
        elif p50 >= limits.scene_bright_level or washed_out:
            reasons.append(Reason.TOO_BRIGHT)
        if cut is not None:
            scores.update(card_fill=cut.area / seg_area, card_angle_deg=cut.rect.angle_deg)
            reasons.append(Reason.CARD_CUT_OFF)
        else:
            reasons.append(Reason.NO_CARD)
        return IdPhotoReport(False, tuple(reasons), scores, d.format, d.width, d.height, phash)

    to_work = gray.width / seg.width
    work_rect = card.rect.scaled(to_work)
    x0, y0, x1, y1 = work_rect.box(gray.size, margin=2.0)
    crop = np.asarray(gray.crop((x0, y0, x1, y1)))
    rect = work_rect.scaled(1.0, x0, y0)
    inner = rect.inner(crop.shape, 0.06)
    values = crop[inner] if inner.sum() >= 50 else crop.ravel()
    p10, p50, p90 = _quantiles(values, (0.1, 0.5, 0.9))
    clipped, blobs = _clipped_blobs(crop, inner, limits.glare_level)
    n_inner = max(1, int(inner.sum()))
    clipped_share = float(clipped.sum()) / n_inner
    glare_share = float(blobs.sum()) / n_inner
    fill = card.area / seg_area
    card_long_px = card.rect.long * d.width / seg.width
    scores.update(
        brightness=p50,
        brightness_p10=p10,
        brightness_p90=p90,
        clipped_share=clipped_share,
        glare_share=glare_share,
        card_fill=fill,
        card_aspect=card.rect.aspect,
        card_angle_deg=card.rect.angle_deg,
        card_tilt_deg=card.rect.tilt_deg,
        card_long_side_px=card_long_px,
        card_rectangularity=card.rectangularity,
        card_edge_contrast=card.edge,
    )
    exposure_ok = False
    if p90 < limits.dark_level:
        reasons.append(Reason.TOO_DARK)
    elif clipped_share >= limits.bright_clipped_share:
        reasons.append(Reason.TOO_BRIGHT)
    else:
        exposure_ok = True
    if card.rect.tilt_deg > limits.max_tilt_deg:
        reasons.append(Reason.TILTED)
    if fill < limits.min_card_fill:
        reasons.append(Reason.CARD_TOO_SMALL)
    if card_long_px < limits.min_card_width_px and Reason.LOW_RESOLUTION not in reasons:
        reasons.append(Reason.LOW_RESOLUTION)
    if exposure_ok:  # blur and glare cannot be judged on a card that is black or white
        sharpness = _sharpness(crop, rect, _dilate(clipped, 2), limits.sharpness_card_px)
        scores["sharpness"] = sharpness
        if sharpness < limits.min_sharpness:
            reasons.append(Reason.BLURRY)
        if glare_share > limits.max_glare_share:
            reasons.append(Reason.GLARE)
    return IdPhotoReport(not reasons, tuple(reasons), scores, d.format, d.width, d.height, phash)


# ---------------------------------------------------------------- clean copy


def clean_copy(data: bytes, limits: IdPhotoLimits = IdPhotoLimits(), max_side: int = 2400) -> bytes:
    """A JPEG (quality 90) with EXIF orientation applied, every metadata block dropped (EXIF, GPS, ICC,
    XMP, comments; colours converted to sRGB first), transparency on white, long side at most
    `max_side` (less for a JPEG decoded at a smaller DCT scale than that needs, to stay within the budget).

    Raises ValueError for bytes `check_id_photo` would call unreadable, unsupported or too large.
    """
    try:
        im = _open(data, limits)
        icc = im.info.get("icc_profile")
        full = im.size
        if im.format == "JPEG":
            scale = _jpeg_scale(im, data, max_side, limits)
            if scale > 1:
                im.draft("RGB", (max(1, full[0] // scale), max(1, full[1] // scale)))
        _refuse_over_budget(im, data, full, limits)
        try:
            im.load()
            orientation = _orientation(im)
            w, h = im.size
            k = min(1.0, max_side / max(w, h))
            rgb = _resized(im, (max(1, round(w * k)), max(1, round(h * k))), "RGB")
        finally:
            im.close()  # the decoded pixels: only the resized copy is needed from here
    except _Refused as r:
        raise ValueError(f"not a usable image: {r.reason.value}") from r
    except Exception as e:
        raise ValueError("not a usable image: unreadable") from e
    if isinstance(icc, bytes) and icc:
        rgb = _to_srgb(rgb, icc)
    if orientation in _TRANSPOSE:
        rgb = rgb.transpose(_TRANSPOSE[orientation])
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = BytesIO()
    clean.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """Convert from an embedded colour profile to sRGB (so dropping the profile keeps the colours)."""
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        if source.profile.xcolor_space.strip() != "RGB":
            return im
        converted = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        return converted if converted is not None else im
    except Exception:  # a broken profile: keep the pixels as they are
        return im


__all__ = [
    "ID1_ASPECT",
    "IdPhotoLimits",
    "IdPhotoReport",
    "Reason",
    "check_id_photo",
    "clean_copy",
    "phash_distance",
    "phash_of",
    "sniff_other_format",
]
