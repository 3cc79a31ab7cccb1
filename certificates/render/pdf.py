"""The PDF: one JPEG image per page, full bleed on A4, with the Info dictionary; signed when a keyring is given."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from datetime import date

from PIL import Image

from certificates.model import CertificateData
from certificates.render.pages import render_pages
from certificates.render.style import DPI
from certificates.signing import SigningKeys, pdf_info_entries, seal_pdf

PDF_PAGE_POINTS = (595.28, 841.89)  # A4 in PDF points (1/72 inch)
JPEG_QUALITY = 88


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
