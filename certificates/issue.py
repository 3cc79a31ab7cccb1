"""Issuing a certificate, the whole pipeline in one call (the `issue_certificate` activity calls it).

    issued = issue_certificate(
        application_id=..., procedure_code="juminhyo", answers=..., person_id="P9000001",
        registry=SqlRegistry.from_url(settings.registry_url),
        store=CertificateStore.from_url(settings.database_url),
        blobs=blob_store_from_settings(settings.blob_dir, settings.blob_keys),
        keyring=SigningKeys.parse(settings.cert_signing_keys),
        public_url=settings.public_url, now=datetime.now(UTC),
    )

Steps: allocate the certificate id and number (once per application), build the content from the registry,
render the pages, sign (payload and PDF), write the PDF and the PNG preview of page 1 to the (encrypted) blob
store under ``certificates/<id>.pdf`` / ``.png``, and record it all in the store.

Idempotent per application: a retried activity gets the same id, number and issue date; once saved, a retry
returns the saved certificate without rendering again. Blocking (database, CPU, files): run it in a thread
from async code. Raises `CertificateUnavailable` (do not retry: the clerk must look) when the registry cannot
back the certificate. Logs carry the application id and certificate number only, never personal data.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from certificates.model import CertificateRegistry, build_certificate
from certificates.render import build_pdf, page_png, render_pages
from certificates.signing import SigningKeys
from certificates.store import JST, CertificateStore, StoredCertificate
from storage.blobs import BlobStore

__all__ = ["IssuedCertificate", "blob_keys", "issue_certificate", "verify_url_for"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedCertificate:
    certificate_id: str
    number: str
    pdf_blob_key: str
    preview_blob_key: str
    pages: int
    pdf_sha256: str = ""

    @classmethod
    def of(cls, stored: StoredCertificate) -> IssuedCertificate:
        assert stored.pdf_blob_key and stored.preview_blob_key and stored.pages is not None
        return cls(
            certificate_id=stored.certificate_id,
            number=stored.number,
            pdf_blob_key=stored.pdf_blob_key,
            preview_blob_key=stored.preview_blob_key,
            pages=stored.pages,
            pdf_sha256=stored.pdf_sha256 or "",
        )


def blob_keys(certificate_id: str) -> tuple[str, str]:
    """(PDF key, preview PNG key) in the blob store."""
    return f"certificates/{certificate_id}.pdf", f"certificates/{certificate_id}.png"


def verify_url_for(public_url: str, certificate_id: str) -> str:
    """The verification page printed as a QR code: ``{public_url}/verify/{certificate_id}``."""
    return f"{public_url.rstrip('/')}/verify/{certificate_id}"


def issue_certificate(
    *,
    application_id: str,
    procedure_code: str,
    answers: dict[str, str],
    person_id: str,
    registry: CertificateRegistry,
    store: CertificateStore,
    blobs: BlobStore,
    keyring: SigningKeys,
    public_url: str,
    now: datetime,
) -> IssuedCertificate:
    """Issue (or, on a retry, return) the certificate of `application_id`. See the module docstring."""
    existing = store.get_by_application(application_id)
    if existing is not None and existing.issued_at is not None:
        return IssuedCertificate.of(existing)
    certificate_id, number = store.allocate(application_id, procedure_code=procedure_code, now=now)
    allocated = store.get(certificate_id)
    assert allocated is not None
    if allocated.issued_at is not None:  # a concurrent attempt finished first
        return IssuedCertificate.of(allocated)
    data = build_certificate(
        procedure_code,
        answers,
        registry,
        person_id,
        number,
        certificate_id,
        allocated.allocated_at.astimezone(JST).date(),
    )
    verify_url = verify_url_for(public_url, certificate_id)
    pages = render_pages(data, verify_url=verify_url)
    pdf = build_pdf(pages, data, verify_url=verify_url, keyring=keyring)
    preview = page_png(pages[0])
    signed = keyring.sign(data)
    pdf_key, preview_key = blob_keys(certificate_id)
    blobs.put(pdf_key, pdf)
    blobs.put(preview_key, preview)
    stored = store.save(
        certificate_id,
        payload=signed.payload,
        signature=signed.signature_b64,
        key_id=signed.key_id,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        pdf_blob_key=pdf_key,
        preview_blob_key=preview_key,
        pages=len(pages),
        issued_at=now,
    )
    log.info("certificate %s issued for application %s (%d pages)", number, application_id, len(pages))
    return IssuedCertificate.of(stored)
