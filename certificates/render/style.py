"""The page and its type: A4 at 200 dpi, margins, colours, type sizes, and measuring, wrapping and drawing
text with the Japanese font."""

from __future__ import annotations

from functools import lru_cache

from PIL import ImageDraw

from certificates.fonts import font

DPI = 200
MM = DPI / 25.4
PAGE_W = round(210 * MM)  # 1654
PAGE_H = round(297 * MM)  # 2339
PAGE_SIZE = (PAGE_W, PAGE_H)


def mm(value: float) -> int:
    return round(value * MM)


MARGIN_X = mm(18)
CONTENT_W = PAGE_W - 2 * MARGIN_X
BODY_TOP = mm(40)
FOOTER_BOTTOM = PAGE_H - mm(12)

INK = (20, 20, 20)
GREY = (90, 90, 90)
RULE = (70, 70, 70)
LABEL_BG = (236, 239, 243)
PATTERN = (220, 229, 240)
SEAL_RED = (206, 32, 41)
WHITE = (255, 255, 255)

LABEL_SIZE = 24
VALUE_SIZE = 30
SMALL_SIZE = 21
LINE_GAP = 8


@lru_cache(maxsize=8192)
def _char_width(size: int, char: str) -> float:
    return float(font(size).getlength(char))


def text_width(text: str, size: int) -> float:
    return sum(_char_width(size, ch) for ch in text)


def wrap(text: str, size: int, width: float) -> list[str]:
    """Greedy line breaking by characters (Japanese has no spaces to break at)."""
    lines: list[str] = []
    current, used = "", 0.0
    for ch in text:
        w = _char_width(size, ch)
        if current and used + w > width:
            lines.append(current)
            current, used = "", 0.0
        current += ch
        used += w
    if current or not lines:
        lines.append(current)
    return lines


def _line_height(size: int) -> int:
    return size + LINE_GAP


def _text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    *,
    fill: tuple[int, int, int] = INK,
    anchor: str = "la",
) -> None:
    draw.text(xy, text, font=font(size), fill=fill, anchor=anchor)


def _spaced(draw: ImageDraw.ImageDraw, center_x: int, y: int, text: str, size: int, tracking: int) -> None:
    """A title with letter spacing, centred on center_x."""
    widths = [_char_width(size, ch) for ch in text]
    total = sum(widths) + tracking * (len(text) - 1)
    x = center_x - total / 2
    for ch, w in zip(text, widths, strict=True):
        _text(draw, (x, y), ch, size)
        x += w + tracking
