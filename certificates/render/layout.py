"""The content of a certificate as blocks (the field table, one table per member, the seal impression,
「以下余白」), laid out over as many pages as they need."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from certificates.model import CertificateData, Entry
from certificates.render.artwork import _footer_top, _seal_impression
from certificates.render.style import (
    BODY_TOP,
    CONTENT_W,
    GREY,
    INK,
    LABEL_BG,
    LABEL_SIZE,
    LINE_GAP,
    MARGIN_X,
    PAGE_W,
    RULE,
    SEAL_RED,
    VALUE_SIZE,
    WHITE,
    _line_height,
    _text,
    mm,
    text_width,
    wrap,
)

CERT_BLOCK_H = mm(52)  # certification, date, mayor and seal, above the footer of the last page
ROW_PAD = 14
LABEL_W = mm(34)
FIELD_LABEL_W = mm(38)
BLOCK_GAP = mm(4)
_WIDE_LABELS = frozenset({"本籍", "住所"})


Drawer = Callable[[Image.Image, ImageDraw.ImageDraw, int], None]


@dataclass(frozen=True)
class Block:
    """A piece of content: its height, and how to draw it with its top at y."""

    height: int
    draw: Drawer


def _cell_lines(value: str, width: int) -> list[str]:
    return wrap(value, VALUE_SIZE, width - 2 * ROW_PAD)


def _row_height(line_counts: Sequence[int]) -> int:
    lines = max(line_counts) if line_counts else 1
    return lines * _line_height(VALUE_SIZE) - LINE_GAP + 2 * ROW_PAD + 6


def _draw_cell_label(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], label: str) -> None:
    draw.rectangle(box, fill=LABEL_BG, outline=RULE, width=2)
    x0, y0, x1, y1 = box
    lines = wrap(label, LABEL_SIZE, x1 - x0 - 2 * ROW_PAD + 2)
    total = len(lines) * _line_height(LABEL_SIZE) - LINE_GAP
    y = (y0 + y1) // 2 - total // 2
    for line in lines:
        _text(draw, (x0 + ROW_PAD, y), line, LABEL_SIZE, fill=GREY)
        y += _line_height(LABEL_SIZE)


def _draw_cell_value(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], lines: list[str]) -> None:
    draw.rectangle(box, outline=RULE, width=2)
    x0, y0, _x1, y1 = box
    total = len(lines) * _line_height(VALUE_SIZE) - LINE_GAP
    y = (y0 + y1) // 2 - total // 2 - 3
    for line in lines:
        _text(draw, (x0 + ROW_PAD, y), line, VALUE_SIZE)
        y += _line_height(VALUE_SIZE)


def _grid_rows(entries: Sequence[Entry], pair: bool) -> list[list[Entry]]:
    """Entries two by two (label | value | label | value), wide or long ones on a row of their own."""
    half_value = (CONTENT_W - 2 * LABEL_W) // 2
    rows: list[list[Entry]] = []
    pending: Entry | None = None
    for entry in entries:
        fits = entry.label not in _WIDE_LABELS and text_width(entry.value, VALUE_SIZE) <= half_value - 2 * ROW_PAD
        if not pair or not fits:
            if pending is not None:
                rows.append([pending])
                pending = None
            rows.append([entry])
        elif pending is None:
            pending = entry
        else:
            rows.append([pending, entry])
            pending = None
    if pending is not None:
        rows.append([pending])
    return rows


def _table_block(entries: Sequence[Entry], *, pair: bool, label_w: int) -> Block:
    rows = _grid_rows(entries, pair)
    half = CONTENT_W // 2
    laid: list[tuple[int, list[tuple[Entry, int, int, list[str]]]]] = []
    for row in rows:
        cells: list[tuple[Entry, int, int, list[str]]] = []
        if len(row) == 2:
            for i, entry in enumerate(row):
                x = MARGIN_X + i * half
                width = half - label_w if i == 0 else CONTENT_W - half - label_w
                cells.append((entry, x, width, _cell_lines(entry.value, width)))
        else:
            entry = row[0]
            width = CONTENT_W - label_w
            cells.append((entry, MARGIN_X, width, _cell_lines(entry.value, width)))
        laid.append((_row_height([len(c[3]) for c in cells]), cells))
    height = sum(h for h, _ in laid)

    def draw_block(_img: Image.Image, draw: ImageDraw.ImageDraw, top: int) -> None:
        y = top
        for row_h, cells in laid:
            for entry, x, width, lines in cells:
                _draw_cell_label(draw, (x, y, x + label_w, y + row_h), entry.label)
                _draw_cell_value(draw, (x + label_w, y, x + label_w + width, y + row_h), lines)
            y += row_h
        draw.rectangle((MARGIN_X, top, MARGIN_X + CONTENT_W, top + height), outline=INK, width=3)

    return Block(height, draw_block)


def _impression_block(seal_text: str) -> Block:
    box = mm(30)
    height = box + mm(2)

    def draw_block(img: Image.Image, draw: ImageDraw.ImageDraw, top: int) -> None:
        x0 = MARGIN_X
        _draw_cell_label(draw, (x0, top, x0 + FIELD_LABEL_W, top + box), "印影")
        draw.rectangle(
            (x0 + FIELD_LABEL_W, top, x0 + FIELD_LABEL_W + box, top + box), fill=WHITE, outline=RULE, width=2
        )
        mark = _seal_impression(seal_text)
        img.paste(SEAL_RED, (x0 + FIELD_LABEL_W + (box - mark.width) // 2, top + (box - mark.height) // 2), mark)

    return Block(height, draw_block)


def _end_block() -> Block:
    def draw_block(_img: Image.Image, draw: ImageDraw.ImageDraw, top: int) -> None:
        _text(draw, (PAGE_W - MARGIN_X, top), "以下余白", LABEL_SIZE, fill=GREY, anchor="ra")

    return Block(_line_height(LABEL_SIZE), draw_block)


def content_blocks(data: CertificateData) -> list[Block]:
    blocks: list[Block] = []
    if data.seal_impression is not None:
        blocks.append(_impression_block(data.seal_impression))
    if data.fields:
        blocks.append(_table_block(data.fields, pair=False, label_w=FIELD_LABEL_W))
    for member in data.members:
        blocks.append(_table_block(member.entries(), pair=True, label_w=LABEL_W))
    blocks.append(_end_block())
    return blocks


def layout_pages(data: CertificateData, verify_url: str) -> list[list[tuple[int, Block]]]:
    """The blocks of each page with their top y. The last page keeps room for the certification and seal."""
    bottom = _footer_top(verify_url) - mm(4)
    cert_top = bottom - CERT_BLOCK_H
    pages: list[list[tuple[int, Block]]] = [[]]
    y = BODY_TOP
    for block in content_blocks(data):
        if y + block.height > bottom and pages[-1]:
            pages.append([])
            y = BODY_TOP
        pages[-1].append((y, block))
        y += block.height + BLOCK_GAP
    if y - BLOCK_GAP > cert_top:
        pages.append([])  # the certification gets a page of its own
    return pages
