"""Opening a photo's bytes within the limits, and the reduced gray image the check works on.

The bytes are opened with a format allowlist (JPEG, PNG, WebP); from the header, before anything is
decoded, the pixel count is checked and so are the bytes the decoder will need (pixels at their bit
depth and channels, a JPEG's coefficient buffers), so a small file that decodes to a huge image is
refused as too large. A JPEG is decoded at a reduced DCT scale (1/2 to 1/8) in grayscale, so a
12-megapixel photo costs little more than its entropy decoding; other images are reduced and turned
into 8-bit grey a tile at a time, so the decoded image is the only full-size copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from io import BytesIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from domain.id_photo.report import IdPhotoLimits, Reason

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
WORK_SIDE = 480  # a JPEG is decoded at the largest DCT reduction that keeps at least this long side


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
