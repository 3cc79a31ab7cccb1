"""Drawing the pages: the background, header, content blocks, the certification with the seal on the last
page, the footer with the QR code; and a page as PNG."""

from __future__ import annotations

import io
import threading

from PIL import Image, ImageDraw

from certificates.model import CertificateData
from certificates.render.artwork import SEAL_SIZE, _background, _official_seal, _qr, qr_box, seal_box
from certificates.render.layout import layout_pages
from certificates.render.style import (
    DPI,
    FOOTER_BOTTOM,
    GREY,
    INK,
    LABEL_SIZE,
    MARGIN_X,
    PAGE_W,
    SEAL_RED,
    SMALL_SIZE,
    VALUE_SIZE,
    _line_height,
    _spaced,
    _text,
    mm,
    wrap,
)

_DRAW_LOCK = threading.RLock()


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


def page_png(page: Image.Image) -> bytes:
    """A page as PNG, reduced to 64 colours (a quarter of the size, twice as fast; text stays smooth)."""
    reduced = page.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, "PNG", compress_level=3, dpi=(DPI, DPI))
    return out.getvalue()


def render_preview_png(data: CertificateData, *, verify_url: str) -> bytes:
    """The first page as a PNG (A4 at 200 dpi; the dpi is recorded in the file)."""
    return page_png(render_pages(data, verify_url=verify_url)[0])
