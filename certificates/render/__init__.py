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

from certificates.render.artwork import QR_MODULE, QR_QUIET, qr_box, seal_box
from certificates.render.layout import layout_pages
from certificates.render.pages import page_png, render_pages, render_preview_png
from certificates.render.pdf import build_pdf, render_pdf
from certificates.render.style import DPI, PAGE_SIZE

__all__ = [
    "DPI",
    "PAGE_SIZE",
    "QR_MODULE",
    "QR_QUIET",
    "build_pdf",
    "layout_pages",
    "page_png",
    "qr_box",
    "render_pages",
    "render_pdf",
    "render_preview_png",
    "seal_box",
]
