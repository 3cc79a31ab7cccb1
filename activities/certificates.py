"""Certificate activity: render from the registry, sign, store encrypted (idempotent per application)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from certificates.issue import issue_certificate
from certificates.model import CertificateRegistry, CertificateUnavailable
from certificates.signing import SigningKeys
from certificates.store import CertificateStore
from domain.download import download_url
from domain.models import DownloadLinkInput, IssueCertificateInput, IssuedCertificateResult, RevokeCertificateInput
from storage.blobs import BlobStore
from workflows.shared import DOWNLOAD_LINK_ACTIVITY, ISSUE_CERTIFICATE_ACTIVITY, REVOKE_CERTIFICATE_ACTIVITY

# Who revoked it, in the register's revoked_by (a staff login otherwise).
REVOKED_BY_SYSTEM = "system"


class CertificateActivities:
    def __init__(
        self,
        registry: CertificateRegistry,
        store: CertificateStore,
        blobs: BlobStore,
        keyring: SigningKeys,
        public_url: str,
        link_secret: str,
    ) -> None:
        self._registry = registry
        self._store = store
        self._blobs = blobs
        self._keyring = keyring
        self._public_url = public_url
        self._link_secret = link_secret

    @activity.defn(name=DOWNLOAD_LINK_ACTIVITY)
    async def download_link(self, inp: DownloadLinkInput) -> str:
        """A signed, expiring link to a digital copy (the secret stays in the worker, out of workflow code)."""
        return download_url(
            inp.public_url, self._link_secret, inp.certificate_id, datetime.fromisoformat(inp.expires_at)
        )

    @activity.defn(name=ISSUE_CERTIFICATE_ACTIVITY)
    async def issue_certificate(self, inp: IssueCertificateInput) -> IssuedCertificateResult:
        """A retry returns the same certificate (id, number and date are allocated once per application)."""
        try:
            issued = await asyncio.to_thread(
                issue_certificate,
                application_id=inp.application_id,
                procedure_code=inp.procedure_code,
                answers=inp.answers,
                person_id=inp.person_id,
                registry=self._registry,
                store=self._store,
                blobs=self._blobs,
                keyring=self._keyring,
                public_url=self._public_url,
                now=datetime.now(UTC),
            )
        except CertificateUnavailable as err:
            # The registry cannot support this certificate: retrying cannot help (no personal data in the message).
            raise ApplicationError(
                f"certificate cannot be issued: {err.reason}",
                err.reason,
                type="CertificateUnavailable",
                non_retryable=True,
            ) from None
        return IssuedCertificateResult(
            certificate_id=issued.certificate_id,
            number=issued.number,
            pdf_blob_key=issued.pdf_blob_key,
            preview_blob_key=issued.preview_blob_key,
            pages=issued.pages,
        )

    @activity.defn(name=REVOKE_CERTIFICATE_ACTIVITY)
    async def revoke_certificate(self, inp: RevokeCertificateInput) -> str:
        """Mark an issued certificate revoked in the register; its revocation time (ISO), or "" if the
        register does not know it. Idempotent: a second call keeps the first revocation."""
        revoked = await asyncio.to_thread(
            self._store.revoke, inp.certificate_id, by=REVOKED_BY_SYSTEM, reason=inp.reason, now=datetime.now(UTC)
        )
        if revoked is None or revoked.revoked_at is None:
            return ""
        return revoked.revoked_at.isoformat()
