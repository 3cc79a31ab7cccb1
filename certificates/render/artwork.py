"""The fixed artwork, drawn by code and cached: the anti-copy background, the mayor's official seal, a
registered personal seal, and the verification QR code; where the QR code and the seal go on a page."""

from __future__ import annotations

from functools import lru_cache

import segno
from PIL import Image, ImageDraw

from certificates.fonts import font
from certificates.render.style import (
    FOOTER_BOTTOM,
    MARGIN_X,
    PAGE_H,
    PAGE_SIZE,
    PAGE_W,
    PATTERN,
    WHITE,
    mm,
    text_width,
)

QR_MODULE = 5  # pixels per module: 0.64 mm
QR_QUIET = 4  # modules of white around the symbol
SEAL_SIZE = mm(24)


@lru_cache(maxsize=1)
def _background() -> Image.Image:
    """White page, the diagonal 複写 / COPY pattern in a pale blue-grey, and a thin double frame."""
    side = int((PAGE_W**2 + PAGE_H**2) ** 0.5) + 2
    layer = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(layer)
    size = 44
    unit = "複写　COPY　"
    row = unit * (side // max(1, int(text_width(unit, size))) + 2)
    step = size * 3
    for i, y in enumerate(range(0, side, step)):
        offset = -(i % 2) * int(text_width("複写　", size))
        draw.text((offset, y), row, font=font(size), fill=255)
    layer = layer.rotate(30, resample=Image.Resampling.BILINEAR)
    left, top = (side - PAGE_W) // 2, (side - PAGE_H) // 2
    mask = layer.crop((left, top, left + PAGE_W, top + PAGE_H))
    page = Image.new("RGB", PAGE_SIZE, WHITE)
    page.paste(PATTERN, (0, 0), mask)
    frame = ImageDraw.Draw(page)
    outer, inner = mm(8), mm(9)
    frame.rectangle((outer, outer, PAGE_W - outer, PAGE_H - outer), outline=PATTERN, width=4)
    frame.rectangle((inner, inner, PAGE_W - inner, PAGE_H - inner), outline=PATTERN, width=2)
    return page


def _glyph_cell(char: str, width: int, height: int) -> Image.Image:
    """One character as a white-on-black mask stretched to fill width x height (seal lettering)."""
    size = max(width, height)
    cell = Image.new("L", (size + 20, size + 20), 0)
    ImageDraw.Draw(cell).text((10, 10), char, font=font(size), fill=255)
    bbox = cell.getbbox()
    if bbox is None:
        return Image.new("L", (width, height), 0)
    return cell.crop(bbox).resize((width, height), Image.Resampling.LANCZOS)


@lru_cache(maxsize=1)
def _official_seal() -> Image.Image:
    """The mayor's square seal 市川市長之印 as a mask: thick border, three columns read right to left."""
    s = SEAL_SIZE
    mask = Image.new("L", (s, s), 0)
    draw = ImageDraw.Draw(mask)
    draw.rectangle((2, 2, s - 3, s - 3), outline=255, width=10)
    inset = 20
    columns = ("市川", "市長", "之印")  # right to left
    cell_w = (s - 2 * inset) // 3
    cell_h = (s - 2 * inset) // 2
    pad = 3
    for c, pair in enumerate(columns):
        x = s - inset - (c + 1) * cell_w
        for r, char in enumerate(pair):
            y = inset + r * cell_h
            glyph = _glyph_cell(char, cell_w - 2 * pad, cell_h - 2 * pad)
            # A little bolder than the font: the glyph twice, one pixel apart.
            mask.paste(255, (x + pad, y + pad), glyph)
            mask.paste(255, (x + pad + 1, y + pad), glyph)
    return mask


@lru_cache(maxsize=16)
def _seal_impression(text: str) -> Image.Image:
    """A registered personal seal (丸印) as a mask: a ring with the characters set vertically."""
    s = mm(18)
    mask = Image.new("L", (s, s), 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse((2, 2, s - 3, s - 3), outline=255, width=7)
    chars = [ch for ch in text if not ch.isspace()][:4] or ["印"]
    inner = int(s * 0.7)
    cell_h = inner // len(chars)
    cell_w = int(min(inner * 0.72, cell_h * 1.25))
    y = (s - cell_h * len(chars)) // 2
    for ch in chars:
        glyph = _glyph_cell(ch, cell_w, cell_h - 4)
        mask.paste(255, ((s - cell_w) // 2, y + 2), glyph)
        y += cell_h
    return mask


@lru_cache(maxsize=64)
def _qr(url: str) -> Image.Image:
    matrix = segno.make(url, error="m", boost_error=False).matrix
    n = len(matrix)
    full = n + 2 * QR_QUIET
    raw = bytearray(b"\xff" * (full * full))
    for r, row in enumerate(matrix):
        base = (r + QR_QUIET) * full + QR_QUIET
        for c, dark in enumerate(row):
            if dark:
                raw[base + c] = 0
    small = Image.frombytes("L", (full, full), bytes(raw))
    return small.resize((full * QR_MODULE, full * QR_MODULE), Image.Resampling.NEAREST).convert("RGB")


def qr_box(verify_url: str) -> tuple[int, int, int, int]:
    """Where the QR code (with its white quiet zone) is on every page: (left, top, right, bottom)."""
    size = _qr(verify_url).width
    left, bottom = MARGIN_X, FOOTER_BOTTOM
    return left, bottom - size, left + size, bottom


def _footer_top(verify_url: str) -> int:
    return qr_box(verify_url)[1] - mm(4)


def seal_box(verify_url: str) -> tuple[int, int, int, int]:
    """Where the official seal is on the last page: (left, top, right, bottom)."""
    top_of_footer = _footer_top(verify_url)
    right = PAGE_W - MARGIN_X - mm(2)
    bottom = top_of_footer - mm(6)
    return right - SEAL_SIZE, bottom - SEAL_SIZE, right, bottom
