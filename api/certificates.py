"""Residents' download of a digital copy: a signed link that expires (DIGITAL_COPY_LINK_VALID_FOR)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api.deps import SettingsDep
from api.pages import message_page
from certificates.store import CertificateStore
from domain.download import check
from storage.blobs import BlobNotFound, blob_store_from_settings

router = APIRouter(tags=["certificates"])

# Each page: the key of its text in the PUBLIC text table (api/texts_public.py).
PAGES = {"invalid": "link_invalid", "expired": "download.expired", "revoked": "download.revoked"}


def page(kind: str, status: int) -> HTMLResponse:
    return message_page(PAGES[kind], status_code=status)


@router.get("/certificates/{certificate_id}/download", summary="A digital copy, by its signed expiring link")
async def download(certificate_id: str, settings: SettingsDep, exp: str = "", sig: str = "") -> Response:
    verdict = check(settings.session_secret, certificate_id[:64], exp[:20], sig[:64], datetime.now(UTC))
    if verdict != "ok":
        return page(verdict, 410 if verdict == "expired" else 403)
    store = CertificateStore.from_url(settings.database_url)
    stored = await asyncio.to_thread(store.get, certificate_id)
    if stored is None or not stored.pdf_blob_key:
        return page("invalid", 404)
    if stored.revoked_at is not None:
        return page("revoked", 410)
    blobs = blob_store_from_settings(settings.blob_dir, settings.blob_keys)
    try:
        pdf = await asyncio.to_thread(blobs.get, stored.pdf_blob_key)
    except BlobNotFound:
        return page("invalid", 404)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-{stored.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )
