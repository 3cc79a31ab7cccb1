"""Issued certificates in the back office database (table ``certificate`` on backoffice.db.Base).

A row is made by `allocate` when an application first asks for its certificate: a random, unguessable
certificate id (22 letters and digits, 131 bits) and the next number of the year ("2026-000123", Japan time).
Allocation is idempotent per application (``application_id`` is unique): a retried activity gets the same id
and number, never a new one. `save` then records the signed payload, the signature, the PDF's SHA-256 and
the blob keys, once (saving different content again is refused). `revoke` marks it revoked.

    store = CertificateStore.from_url(settings.database_url)   # one engine per URL, cached
    certificate_id, number = store.allocate("app-123", procedure_code="juminhyo", now=now)

The table is created on first use, so it exists whether or not init_backoffice ran after this module was
imported (no migrations yet, like the rest of the back office database).
"""

from __future__ import annotations

import secrets
import string
import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

from sqlalchemy import Engine, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from backoffice.db import Base, Database, UTCDateTime

__all__ = [
    "JST",
    "CertificateConflict",
    "CertificateRow",
    "CertificateStore",
    "StoredCertificate",
    "new_certificate_id",
]

JST = timezone(timedelta(hours=9), "JST")
ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 22  # 62**22 ≈ 2**131
_ALLOCATE_ATTEMPTS = 8


def new_certificate_id() -> str:
    """22 random letters and digits: URL-safe, fine as a blob key, not guessable."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


class CertificateConflict(Exception):
    """A certificate was already issued with different content (issuing never overwrites)."""


class CertificateRow(Base):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("year", "sequence", name="certificate_year_sequence"),)

    certificate_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # "2026-000123": the year (Japan time) of allocation and its sequence.
    number: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    application_id: Mapped[str] = mapped_column(String(128), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(32))
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by save(): the signed canonical JSON, its signature and key id, the PDF's digest and blob keys.
    payload: Mapped[str | None] = mapped_column(Text, default=None)
    signature: Mapped[str | None] = mapped_column(String(128), default=None)
    key_id: Mapped[str | None] = mapped_column(String(64), default=None)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    pdf_blob_key: Mapped[str | None] = mapped_column(String(256), default=None)
    preview_blob_key: Mapped[str | None] = mapped_column(String(256), default=None)
    pages: Mapped[int | None] = mapped_column(Integer, default=None)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The staff login of the supervisor who revoked it, and why (internal: not shown on the verify page).
    revoked_by: Mapped[str | None] = mapped_column(String(64), default=None)
    revoke_reason: Mapped[str | None] = mapped_column(String(500), default=None)


@dataclass(frozen=True)
class StoredCertificate:
    certificate_id: str
    number: str
    application_id: str
    procedure_code: str
    allocated_at: datetime
    payload: str | None
    signature: str | None
    key_id: str | None
    pdf_sha256: str | None
    pdf_blob_key: str | None
    preview_blob_key: str | None
    pages: int | None
    issued_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None

    @property
    def status(self) -> Literal["allocated", "valid", "revoked"]:
        """allocated (number reserved, not issued yet), valid, or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        return "allocated" if self.issued_at is None else "valid"

    @classmethod
    def of(cls, row: CertificateRow) -> StoredCertificate:
        return cls(
            certificate_id=row.certificate_id,
            number=row.number,
            application_id=row.application_id,
            procedure_code=row.procedure_code,
            allocated_at=row.allocated_at,
            payload=row.payload,
            signature=row.signature,
            key_id=row.key_id,
            pdf_sha256=row.pdf_sha256,
            pdf_blob_key=row.pdf_blob_key,
            preview_blob_key=row.preview_blob_key,
            pages=row.pages,
            issued_at=row.issued_at,
            revoked_at=row.revoked_at,
            revoked_by=row.revoked_by,
            revoke_reason=row.revoke_reason,
        )


_engines: dict[str, Database] = {}
_created: weakref.WeakSet[Engine] = weakref.WeakSet()
_lock = threading.Lock()


def _ensure_table(engine: Engine) -> None:
    with _lock:
        if engine in _created:
            return
        CertificateRow.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
        _created.add(engine)


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one, e.g. datetime.now(UTC)")
    return now


class CertificateStore:
    """The certificate table behind a SQLAlchemy session factory."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        engine = sessions.kw.get("bind")
        if isinstance(engine, Engine):
            _ensure_table(engine)

    @classmethod
    def from_url(cls, url: str) -> CertificateStore:
        """A store on the database at `url`; the engine is made once per URL and kept (process-wide)."""
        with _lock:
            database = _engines.get(url)
            if database is None:
                database = _engines[url] = Database.from_url(url)
        return cls(database.sessions)

    def allocate(
        self, application_id: str, *, procedure_code: str = "", now: datetime | None = None
    ) -> tuple[str, str]:
        """(certificate id, number) for the application: the same on every call, allocated on the first.

        Numbers are sequential per year of `now` in Japan time. Concurrent allocations that collide on a
        number or on the application retry, so no number is given twice and an application gets one.
        """
        moment = _aware(now) if now is not None else datetime.now(UTC)
        year = moment.astimezone(JST).year
        for _ in range(_ALLOCATE_ATTEMPTS):
            existing = self.get_by_application(application_id)
            if existing is not None:
                return existing.certificate_id, existing.number
            try:
                with self._sessions.begin() as session:
                    last = session.scalar(select(func.max(CertificateRow.sequence)).where(CertificateRow.year == year))
                    sequence = (last or 0) + 1
                    certificate_id = new_certificate_id()
                    number = f"{year}-{sequence:06d}"
                    session.add(
                        CertificateRow(
                            certificate_id=certificate_id,
                            number=number,
                            year=year,
                            sequence=sequence,
                            application_id=application_id,
                            procedure_code=procedure_code,
                            allocated_at=moment,
                        )
                    )
                return certificate_id, number
            except IntegrityError:
                continue  # another allocation won the number or the application: look again
        raise RuntimeError("could not allocate a certificate number (too much contention)")

    def save(
        self,
        certificate_id: str,
        *,
        payload: str,
        signature: str,
        key_id: str,
        pdf_sha256: str,
        pdf_blob_key: str,
        preview_blob_key: str,
        pages: int,
        issued_at: datetime,
    ) -> StoredCertificate:
        """Record the issued certificate. Saving the same payload again is a no-op; other content is refused."""
        with self._sessions.begin() as session:
            row = session.get(CertificateRow, certificate_id, with_for_update=True)
            if row is None:
                raise KeyError(f"no certificate {certificate_id!r} allocated")
            if row.issued_at is not None:
                if row.payload != payload or row.pdf_sha256 != pdf_sha256:
                    raise CertificateConflict(f"certificate {row.number} was already issued with other content")
                return StoredCertificate.of(row)
            row.payload = payload
            row.signature = signature
            row.key_id = key_id
            row.pdf_sha256 = pdf_sha256
            row.pdf_blob_key = pdf_blob_key
            row.preview_blob_key = preview_blob_key
            row.pages = pages
            row.issued_at = _aware(issued_at)
            session.flush()
            return StoredCertificate.of(row)

    def get(self, certificate_id: str) -> StoredCertificate | None:
        with self._sessions() as session:
            row = session.get(CertificateRow, certificate_id)
            return None if row is None else StoredCertificate.of(row)

    def get_by_application(self, application_id: str) -> StoredCertificate | None:
        with self._sessions() as session:
            row = session.scalar(select(CertificateRow).where(CertificateRow.application_id == application_id))
            return None if row is None else StoredCertificate.of(row)

    def revoke(self, certificate_id: str, *, by: str, reason: str, now: datetime) -> StoredCertificate | None:
        """Mark an issued certificate revoked (None if unknown or never issued). Revoking twice keeps the first."""
        with self._sessions.begin() as session:
            row = session.get(CertificateRow, certificate_id, with_for_update=True)
            if row is None or row.issued_at is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = _aware(now)
                row.revoked_by = by[:64]
                row.revoke_reason = reason[:500]
                session.flush()
            return StoredCertificate.of(row)
