"""Certificates: built from the resident registry, drawn as A4 PDFs, signed so that anyone can verify them.

- `certificates.model`: `CertificateData` and `build_certificate` (registry data only; answers only select).
- `certificates.era`: Japanese era dates (令和8年11月27日).
- `certificates.render`: Pillow pages, the PDF and the PNG preview (`render_pdf`, `render_preview_png`).
- `certificates.fonts`: the Japanese font (PyPI package noto-cjk-sans-jp-regular); `FontMissing`.
- `certificates.signing`: Ed25519 over canonical JSON and over the PDF file; `SigningKeys`, `verify`, `verify_pdf`.
- `certificates.store`: the ``certificate`` table (ids, numbers per year, revocation); `CertificateStore`.
- `certificates.issue`: `issue_certificate`, the whole pipeline, idempotent per application.
- ``python -m certificates verify FILE``: the offline check of a PDF or ``.json`` certificate.
- `api.verify`: /verify/keys, /verify/{id}(.json) and the supervisor's revocation.

Names are imported on first use, so the offline command does not load the database layer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from certificates.fonts import FontMissing
    from certificates.issue import IssuedCertificate, issue_certificate
    from certificates.model import CertificateData, CertificateUnavailable, build_certificate
    from certificates.render import render_pdf, render_preview_png
    from certificates.signing import SignedCertificate, SigningKeys, verify, verify_pdf
    from certificates.store import CertificateStore

_EXPORTS = {
    "FontMissing": "certificates.fonts",
    "IssuedCertificate": "certificates.issue",
    "issue_certificate": "certificates.issue",
    "CertificateData": "certificates.model",
    "CertificateUnavailable": "certificates.model",
    "build_certificate": "certificates.model",
    "render_pdf": "certificates.render",
    "render_preview_png": "certificates.render",
    "SigningKeys": "certificates.signing",
    "SignedCertificate": "certificates.signing",
    "verify": "certificates.signing",
    "verify_pdf": "certificates.signing",
    "CertificateStore": "certificates.store",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'certificates' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "CertificateData",
    "CertificateStore",
    "CertificateUnavailable",
    "FontMissing",
    "IssuedCertificate",
    "SignedCertificate",
    "SigningKeys",
    "build_certificate",
    "issue_certificate",
    "render_pdf",
    "render_preview_png",
    "verify",
    "verify_pdf",
]
