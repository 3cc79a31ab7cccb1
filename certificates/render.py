"""Drawing certificates with Pillow: A4 pages at 200 dpi, then a PDF (one JPEG image per page) or a PNG preview.

Every page: the faint anti-copy background (複写 / COPY repeated diagonally), the title, the certificate number,
the verification QR code (``{public_url}/verify/{certificate_id}``) with its URL, and the page number. The
content (a table of fields; for a 住民票の写し one block per member) flows over as many pages as it needs. The
last page ends with 「以下余白」, the certification sentence, the issue date (era and Gregorian), and the
mayor's name with the official seal, a red square 市川市長之印 drawn by code, in the lower right.

    pages = render_pages(data, verify_url=url)            # list of RGB images
    pdf = build_pdf(pages, data, verify_url=url, keyring=keyring)   # signed (see certificates.signing)
    png = page_png(pages[0])

`render_pdf` / `render_preview_png` do both steps. Rendering is deterministic: the same data gives the same
bytes, so a retried issue writes an identical file.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import segno
from PIL import Image, ImageDraw

from certificates.fonts import font
from certificates.model import CertificateData, Entry
from certificates.signing import SigningKeys, pdf_info_entries, seal_pdf

__all__ = [
    "DPI",
    "PAGE_SIZE",
    "build_pdf",
    "layout_pages",
    "page_png",
    "qr_box",
    "render_pages",
    "render_pdf",
    "render_preview_png",
    "seal_box",
]

DPI = 200
MM = DPI / 25.4
PAGE_W = round(210 * MM)  # 1654
PAGE_H = round(297 * MM)  # 2339
PAGE_SIZE = (PAGE_W, PAGE_H)
PDF_PAGE_POINTS = (595.28, 841.89)  # A4 in PDF points (1/72 inch)
JPEG_QUALITY = 88
_DRAW_LOCK = threading.RLock()


def mm(value: float) -> int:
    return round(value * MM)


MARGIN_X = mm(18)
CONTENT_W = PAGE_W - 2 * MARGIN_X
BODY_TOP = mm(40)
FOOTER_BOTTOM = PAGE_H - mm(12)
QR_MODULE = 5  # pixels per module: 0.64 mm
QR_QUIET = 4  # modules of white around the symbol
CERT_BLOCK_H = mm(52)  # certification, date, mayor and seal, above the footer of the last page
SEAL_SIZE = mm(24)

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
ROW_PAD = 14
LINE_GAP = 8
LABEL_W = mm(34)
FIELD_LABEL_W = mm(38)
BLOCK_GAP = mm(4)
_WIDE_LABELS = frozenset({"本籍", "住所"})


# -- text helpers ------------------------------------------------------------------------------------------


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


# -- fixed artwork (cached) --------------------------------------------------------------------------------


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


# -- layout ------------------------------------------------------------------------------------------------

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


# -- pages -------------------------------------------------------------------------------------------------


def _draw_header(draw: ImageDraw.ImageDraw, data: CertificateData, page: int, pages: int) -> None:
    _text(draw, (PAGE_W - MARGIN_X, mm(13)), f"証明書番号　{data.number}", LABEL_SIZE, anchor="ra")
    if pages > 1:
        _text(draw, (PAGE_W - MARGIN_X, mm(13) + 34), f"{page}枚目（全{pages}枚）", SMALL_SIZE, fill=GREY, anchor="ra")
    _spaced(draw, PAGE_W // 2, mm(20), data.title, 64, 22)


def _draw_footer(img: Image.Image, draw: ImageDraw.ImageDraw, data: CertificateData, verify_url: str) -> None:
    left, top, right, bottom = qr_box(verify_url)
    img.paste(_qr(verify_url), (left, top))
    x = right + mm(4)
    width = PAGE_W - MARGIN_X - x
    y = top + mm(3)
    lines = [
        ("この証明書の内容と有効性は、QRコード又は次のURLで確認できます。", SMALL_SIZE, INK),
        ("Verify this certificate with the QR code or at:", SMALL_SIZE, GREY),
    ]
    for text, size, colour in lines:
        _text(draw, (x, y), text, size, fill=colour)
        y += _line_height(size) + 2
    for line in wrap(verify_url, SMALL_SIZE, width):
        _text(draw, (x, y), line, SMALL_SIZE)
        y += _line_height(SMALL_SIZE)
    _text(draw, (x, bottom - 4), f"{data.city}　証明書番号 {data.number}", SMALL_SIZE, fill=GREY, anchor="ld")


def _draw_page_number(draw: ImageDraw.ImageDraw, page: int, pages: int) -> None:
    _text(draw, (PAGE_W - MARGIN_X, FOOTER_BOTTOM - 4), f"{page} / {pages}", LABEL_SIZE, fill=GREY, anchor="rd")


def _draw_certification(img: Image.Image, draw: ImageDraw.ImageDraw, data: CertificateData, verify_url: str) -> None:
    seal_left, seal_top, _right, seal_bottom = seal_box(verify_url)
    top = seal_top - mm(26)
    _text(draw, (MARGIN_X + mm(6), top), data.certification, 32)
    _text(draw, (MARGIN_X + mm(6), top + mm(9)), data.issued_label, VALUE_SIZE)
    name_size = 40
    name_y = (seal_top + seal_bottom) // 2
    # The seal overlaps the end of the mayor's name, as a stamp does.
    name_right = seal_left + SEAL_SIZE // 4
    _text(draw, (name_right, name_y), data.mayor.replace(" ", "　"), name_size, anchor="rm")
    img.paste(SEAL_RED, (seal_left, seal_top), _official_seal())


def render_pages(data: CertificateData, *, verify_url: str) -> list[Image.Image]:
    """The certificate's pages: RGB images of A4 at DPI dots per inch. Thread-safe (drawing is serialised)."""
    with _DRAW_LOCK:  # the cached FreeType faces are not to be used by two threads at once
        return _render_pages(data, verify_url)


def _render_pages(data: CertificateData, verify_url: str) -> list[Image.Image]:
    layout = layout_pages(data, verify_url)
    count = len(layout)
    images: list[Image.Image] = []
    for number, blocks in enumerate(layout, start=1):
        img = _background().copy()
        draw = ImageDraw.Draw(img)
        _draw_header(draw, data, number, count)
        for top, block in blocks:
            block.draw(img, draw, top)
        if number == count:
            _draw_certification(img, draw, data, verify_url)
        _draw_footer(img, draw, data, verify_url)
        _draw_page_number(draw, number, count)
        images.append(img)
    return images


# -- output ------------------------------------------------------------------------------------------------


def page_png(page: Image.Image) -> bytes:
    """A page as PNG, reduced to 64 colours (a quarter of the size, twice as fast; text stays smooth)."""
    reduced = page.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, "PNG", compress_level=3, dpi=(DPI, DPI))
    return out.getvalue()


def render_preview_png(data: CertificateData, *, verify_url: str) -> bytes:
    """The first page as a PNG (A4 at 200 dpi; the dpi is recorded in the file)."""
    return page_png(render_pages(data, verify_url=verify_url)[0])


def _jpeg(page: Image.Image) -> bytes:
    out = io.BytesIO()
    page.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=2, dpi=(DPI, DPI))
    return out.getvalue()


def _utf16(text: str) -> str:
    """A PDF text string in UTF-16BE with a byte order mark, as a hex string."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _pdf_date(day: date) -> str:
    return f"(D:{day.year:04d}{day.month:02d}{day.day:02d}000000+09'00')"


def build_pdf(
    pages: Sequence[Image.Image],
    data: CertificateData,
    *,
    verify_url: str,
    keyring: SigningKeys | None = None,
) -> bytes:
    """A PDF of the page images (one JPEG per page, full bleed on A4).

    With `keyring` the PDF is signed: the signed payload, its signature, the key id, the verification URL and a
    signature over the whole file go into the Info dictionary (see certificates.signing). Without it the PDF is
    an unsigned draft. The output is deterministic (no clock, ids derived from the certificate id).
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    info_entries = [
        f"/Title {_utf16(f'{data.title} {data.number}')}",
        f"/Author {_utf16(data.mayor)}",
        f"/Subject {_utf16(f'{data.city} {data.title}（{data.title_en}）')}",
        "/Creator (Madoguchi)",
        "/Producer (Madoguchi certificates)",
        f"/CreationDate {_pdf_date(data.issued_at)}",
    ]
    if keyring is not None:
        signed = keyring.sign(data)
        info_entries += [f"/{name} ({value})" for name, value in pdf_info_entries(signed, verify_url)]
    info = add(("<< " + "\n".join(info_entries) + " >>").encode("ascii"))
    width_pt, height_pt = PDF_PAGE_POINTS
    kids: list[int] = []
    for page in pages:
        jpeg = _jpeg(page)
        image = add(
            f"<< /Type /XObject /Subtype /Image /Width {page.width} /Height {page.height} /ColorSpace /DeviceRGB "
            f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(jpeg)} >>\nstream\n".encode("ascii")
            + jpeg
            + b"\nendstream"
        )
        content = f"q {width_pt} 0 0 {height_pt} 0 0 cm /Im0 Do Q".encode("ascii")
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(
            add(
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {width_pt} {height_pt}] "
                f"/Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {stream} 0 R >>".encode("ascii")
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode("ascii")
    objects[pages_obj - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode("ascii")
    )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    file_id = hashlib.sha256(data.certificate_id.encode()).hexdigest()[:32].upper()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R "
        f"/ID [<{file_id}> <{file_id}>] >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    pdf = bytes(out)
    return seal_pdf(pdf, keyring) if keyring is not None else pdf


def render_pdf(data: CertificateData, *, verify_url: str, keyring: SigningKeys | None = None) -> bytes:
    """The certificate as a PDF, as many pages as it needs; signed when `keyring` is given."""
    return build_pdf(render_pages(data, verify_url=verify_url), data, verify_url=verify_url, keyring=keyring)
