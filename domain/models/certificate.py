"""The certificate and delivery stage: issuing, revoking, download links and mailing."""

from __future__ import annotations

from dataclasses import dataclass

from domain.states import DeliveryKind


@dataclass
class IssueCertificateInput:
    application_id: str
    procedure_code: str
    answers: dict[str, str]
    person_id: str


@dataclass
class DownloadLinkInput:
    certificate_id: str
    expires_at: str  # ISO 8601
    public_url: str  # the base the application's policy froze


@dataclass
class RevokeCertificateInput:
    certificate_id: str
    reason: str  # internal (staff see it; the public verify page does not)


@dataclass
class IssuedCertificateResult:
    certificate_id: str
    number: str
    pdf_blob_key: str
    preview_blob_key: str
    pages: int


@dataclass
class CertificateRecord:
    """The issued certificate of an application and how it reached the resident."""

    certificate_id: str
    number: str
    pdf_blob_key: str
    preview_blob_key: str
    pages: int
    delivery: DeliveryKind
    issued_at: str
    mailed_at: str = ""
    tracking_number: str = ""
    mailed_by: str = ""
    link_sent_at: str = ""
    link_expires_at: str = ""
    revoked_at: str = ""  # the application was withdrawn while it was being issued: never delivered


@dataclass
class MarkMailedInput:
    """A clerk printed the certificate and posted it (the `mark_mailed` update)."""

    tracking_number: str
    clerk_login: str
    clerk_name: str = ""
