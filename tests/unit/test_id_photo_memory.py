"""Peak memory of one ID-photo check (the check, then the clean copy, as the activity does) for small
files that decode to many bytes: high bit depth, several channels, alpha, palettes, large JPEGs.

Each file is checked in a fresh subprocess whose peak resident set size is reset just before the check
(Linux `/proc/self/clear_refs`), so the figure is what the check itself adds: Pillow's and numpy's
allocations included, which tracemalloc does not see in full.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from domain.id_photo import IdPhotoLimits, Reason, check_id_photo, clean_copy
from tests.support.id_cards import encode_jpeg, good_card_image

ROOT = Path(__file__).resolve().parents[2]
MAX_PEAK_MB = 150.0  # per check; a worker runs two at once

_PROBE = """
import sys
from domain.id_photo import check_id_photo, clean_copy

def status_mb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    raise RuntimeError(key)

def check(data):
    report = check_id_photo(data)
    if report.phash is not None:  # the activity keeps a clean copy of what it could check
        clean_copy(data)
    return report

check(open(sys.argv[2], "rb").read())  # warm up: lazy imports, first allocations
data = open(sys.argv[1], "rb").read()
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak resident set size starts again from the current one
    before = status_mb("VmRSS:")
except OSError:  # not allowed here: the peak so far is the baseline (the growth is then understated)
    before = status_mb("VmHWM:")
report = check(data)
print(report.reasons[0].value if report.reasons else "accepted", status_mb("VmHWM:") - before)
"""


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")


def _png(
    width: int,
    height: int,
    color_type: int,
    bit_depth: int,
    background: bytes,
    card: bytes,
    *chunks: tuple[bytes, bytes],
) -> bytes:
    """A PNG with a light ID-1 card (pixel value `card`) on `background`: a file of a few hundred kB at
    most, made in a fraction of a second. A row equal to the one above is stored with PNG's "Up" filter
    (all zeros); runs of such rows are deflated once, ended by a full flush (after which the deflate
    stream refers to nothing earlier), and that piece is repeated."""
    x0, x1 = width // 5, width * 4 // 5
    y0 = max(1, (height - round((x1 - x0) / 1.586)) // 2)  # at least a row of table above and below
    y1 = height - y0
    plain = background * width
    with_card = background * x0 + card * (x1 - x0) + background * (width - x1)
    same = b"\x02" + bytes(len(plain))
    batch = max(1, 2_000_000 // len(same))
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    repeated = z.compress(same * batch) + z.flush(zlib.Z_FULL_FLUSH)
    pieces, adler = [], 1
    for row, rows in ((plain, y0), (with_card, y1 - y0), (plain, height - y1)):
        first = b"\x00" + row
        pieces.append(z.compress(first) + z.flush(zlib.Z_FULL_FLUSH))
        adler = zlib.adler32(first, adler)
        whole, rest = divmod(rows - 1, batch)
        pieces += [repeated] * whole
        for _ in range(whole):
            adler = zlib.adler32(same * batch, adler)
        pieces.append(z.compress(same * rest) + z.flush(zlib.Z_FULL_FLUSH))
        adler = zlib.adler32(same * rest, adler)
    pieces.append(z.flush())
    idat = b"\x78\x9c" + b"".join(pieces) + adler.to_bytes(4, "big")
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([bit_depth, color_type, 0, 0, 0])
    body = b"".join(_png_chunk(kind, payload) for kind, payload in chunks)
    return (
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + body + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    )


def _card_on_table(size: tuple[int, int]) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, (70, 60, 50))
    draw = ImageDraw.Draw(img)
    draw.rectangle((w // 5, h // 6, w * 4 // 5, h // 6 + round(w * 0.6 / 1.586)), fill=(235, 235, 225))
    for y in range(h // 3, h * 2 // 3, h // 100):
        draw.line((w // 4, y, w * 3 // 4, y), fill=(30, 30, 30), width=max(1, h // 600))
    return img


def _large_jpeg(size: tuple[int, int], mode: str, progressive: bool = False) -> bytes:
    return encode_jpeg(_card_on_table(size).convert(mode), 90, progressive=progressive)


def _large_webp(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    _card_on_table(size).save(buf, "WEBP", quality=80)
    return buf.getvalue()


@dataclass(frozen=True)
class Shape:
    name: str
    build: Callable[[], bytes]
    refused: bool  # too large to decode within the budget


_PALETTE = bytes([40, 40, 40, 235, 235, 225]) + bytes(3 * 254)
SHAPES = [
    # 50 megapixels (within the pixel limit) but 200 MB decoded
    Shape("rgba-7071.png", lambda: _png(7071, 7071, 6, 8, b"\x30\x30\x30\x00", b"\xeb\xeb\xe1\xff"), refused=True),
    # 16-bit grey: 100 MB decoded at 50 megapixels
    Shape("gray16-7071.png", lambda: _png(7071, 7071, 0, 16, b"\x30\x00", b"\xeb\x00"), refused=True),
    # 16-bit grey just within the budget
    Shape("gray16-5000.png", lambda: _png(5000, 5000, 0, 16, b"\x30\x00", b"\xeb\x00"), refused=False),
    # grey + alpha: Pillow keeps it as 4 bytes a pixel
    Shape("la-4000.png", lambda: _png(4000, 4000, 4, 8, b"\x30\x00", b"\xeb\xff"), refused=False),
    Shape("la-7071.png", lambda: _png(7071, 7071, 4, 8, b"\x30\x00", b"\xeb\xff"), refused=True),
    # a palette with a transparent entry: 1 byte a pixel, 50 megapixels
    Shape(
        "palette-trns-7071.png",
        lambda: _png(7071, 7071, 3, 8, b"\x00", b"\x01", (b"PLTE", _PALETTE), (b"tRNS", b"\x00\xff")),
        refused=False,
    ),
    # the same, 359 times as wide as high: tiles, not rows, bound what is converted at a time
    Shape(
        "palette-trns-134000x373.png",
        lambda: _png(134000, 373, 3, 8, b"\x00", b"\x01", (b"PLTE", _PALETTE), (b"tRNS", b"\x00\xff")),
        refused=False,
    ),
    Shape("rgb-8000x6000.jpg", lambda: _large_jpeg((8000, 6000), "RGB"), refused=False),
    # progressive: libjpeg keeps every DCT coefficient of the image (36 MB here), whatever the draft scale
    Shape("progressive-4032x3024.jpg", lambda: _large_jpeg((4032, 3024), "RGB", progressive=True), refused=False),
    # WebP: Pillow's decoder holds about four copies of the image; this one is just within the budget
    Shape("webp-2360x1770.webp", lambda: _large_webp((2360, 1770)), refused=False),
    # CMYK at the largest size decoded at full scale for the clean copy (just within the budget)
    Shape("cmyk-4700x3525.jpg", lambda: _large_jpeg((4700, 3525), "CMYK"), refused=False),
]


@dataclass(frozen=True)
class Probe:
    file_bytes: int
    reason: str
    peak_mb: float


def _probe(path: Path, warm: Path) -> Probe:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), str(warm)], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    return Probe(path.stat().st_size, out[0], float(out[1]))


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Probe]:
    """Every shape checked in its own process, two processes at a time (each measures only itself)."""
    root = tmp_path_factory.mktemp("id-photo-memory")
    warm = root / "warm.jpg"
    warm.write_bytes(encode_jpeg(good_card_image().resize((640, 480))))
    paths = {}
    for shape in SHAPES:
        paths[shape.name] = root / shape.name
        paths[shape.name].write_bytes(shape.build())
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(_probe, path, warm) for name, path in paths.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_peak_memory_of_one_check(probes: dict[str, Probe], shape: Shape) -> None:
    probe = probes[shape.name]
    print(f"\n{shape.name}: {probe.file_bytes / 1e6:.2f} MB file, {probe.reason}, peak +{probe.peak_mb:.0f} MB")  # noqa: T201
    if shape.name.endswith(".png"):
        assert probe.file_bytes < 300_000  # small files, large images
    if shape.refused:
        assert probe.reason == "too_large"
    else:
        assert probe.reason not in ("too_large", "unreadable", "unsupported_format")
    assert probe.peak_mb <= MAX_PEAK_MB


def _small_png(mode: str, size: tuple[int, int] = (200, 150), **options: object) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, "PNG", **options)
    return buf.getvalue()


def test_the_budget_counts_bit_depth_and_channels() -> None:
    limits = IdPhotoLimits(max_decoded_bytes=50_000)  # 30,000 pixels below: 1 byte each fits, 2 or 4 do not
    fits = [_small_png("L"), _small_png("P", transparency=0), _small_png("1")]
    over = [_small_png("I;16"), _small_png("RGBA"), _small_png("LA"), _small_png("RGB")]
    for data in fits:
        assert Reason.TOO_LARGE not in check_id_photo(data, limits).reasons
        clean_copy(data, limits)
    for data in over:
        report = check_id_photo(data, limits)
        assert report.reasons == (Reason.TOO_LARGE,) and (report.width, report.height) == (200, 150)
        assert report.phash is None
        with pytest.raises(ValueError, match="too_large"):
            clean_copy(data, limits)
        assert Reason.TOO_LARGE not in check_id_photo(data).reasons  # within the default budget


def _jpeg_with_first_scan_of(data: bytes, components: int) -> bytes:
    sos = data.index(b"\xff\xda")
    return data[: sos + 4] + bytes([components]) + data[sos + 5 :]


def test_a_jpeg_is_budgeted_at_its_draft_scale_plus_buffered_coefficients() -> None:
    img = _card_on_table((1600, 1200))
    baseline, progressive = encode_jpeg(img, 90), encode_jpeg(img, 90, progressive=True)
    # The check decodes 800 x 600 grey (480 kB); buffering the coefficients would take 5.8 MB
    limits = IdPhotoLimits(max_decoded_bytes=1_000_000)
    assert Reason.TOO_LARGE not in check_id_photo(baseline, limits).reasons
    assert check_id_photo(progressive, limits).reasons == (Reason.TOO_LARGE,)
    # a baseline JPEG whose first scan leaves components for later scans is buffered the same way
    assert check_id_photo(_jpeg_with_first_scan_of(baseline, 1), limits).reasons == (Reason.TOO_LARGE,)
    # the clean copy decodes at the largest DCT scale within the budget: 1/4 (400 x 300 RGB, 480 kB)
    with Image.open(io.BytesIO(clean_copy(baseline, limits))) as im:
        assert im.size == (400, 300)
    with Image.open(io.BytesIO(clean_copy(baseline))) as im:
        assert im.size == (1600, 1200)


def test_transparent_pixels_are_judged_as_the_clerk_sees_them() -> None:
    # black with no opacity: the clean copy shows white, and the check judges white too
    data = _small_png("RGBA", (1280, 960))
    assert check_id_photo(data).reasons[0] is Reason.TOO_BRIGHT
    with Image.open(io.BytesIO(clean_copy(data))) as im:
        assert im.getextrema() == ((255, 255),) * 3


@pytest.mark.parametrize(
    "size,mode,max_side,out",
    [((2000, 1500), "LA", 1000, (1000, 750)), ((24000, 200), "L", 2400, (2400, 20))],
    ids=["bands-of-rows", "wide-in-tiles"],
)
def test_the_clean_copy_resized_tile_by_tile_matches_resizing_at_once(
    size: tuple[int, int], mode: str, max_side: int, out: tuple[int, int]
) -> None:
    rng = np.random.default_rng(4)
    noise = Image.fromarray(rng.integers(0, 256, size[::-1], dtype=np.uint8), "L")
    data = io.BytesIO()
    noise.convert(mode).save(data, "PNG", compress_level=1)
    with Image.open(io.BytesIO(clean_copy(data.getvalue(), max_side=max_side))) as im:
        ours = np.asarray(im.convert("RGB"), dtype=np.int16)
        assert im.size == out
    whole = io.BytesIO()
    noise.convert("RGB").resize(out, Image.Resampling.LANCZOS).save(whole, "JPEG", quality=90, optimize=True)
    with Image.open(whole) as ref:
        expected = np.asarray(ref.convert("RGB"), dtype=np.int16)
    # no seams: every row and column of the copy is that of the image resized at once (up to JPEG rounding)
    diff = np.abs(ours - expected)
    assert diff.mean(axis=(1, 2)).max() < 0.5 and diff.mean(axis=(0, 2)).max() < 0.5
