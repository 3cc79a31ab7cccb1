"""ID photo activities: fetch the image from LINE, check it, keep a clean encrypted copy, delete it later.

Only the blob key and the check report go back to the workflow (claim check): no image bytes ever
enter Temporal's history.
"""

from __future__ import annotations

import asyncio
import logging

from linebot.v3.messaging import ApiException, AsyncMessagingApiBlob
from prometheus_client import Counter, Histogram
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.id_photo import IdPhotoLimits, IdPhotoReport, Reason, check_id_photo, clean_copy
from domain.models import DeleteIdPhotosInput, ReceivedIdPhoto, ReceiveIdPhotoInput
from domain.reports import IdPhotoCheck
from domain.states import ReceiveOutcome
from storage.blobs import BlobStore
from storage.photo_index import PhotoIndex
from workflows.shared import DELETE_ID_PHOTOS_ACTIVITY, RECEIVE_ID_PHOTO_ACTIVITY

log = logging.getLogger(__name__)

ID_CHECKS = Counter("madoguchi_id_checks_total", "ID photo checks by outcome and main reason", ["outcome", "reason"])
ID_CHECK_SECONDS = Histogram(
    "madoguchi_id_check_seconds", "Time to check and store one ID photo", buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5)
)

# Photos checked at once per worker: the check is CPU-bound, and one check with its clean copy needs at
# most IdPhotoLimits.max_decoded_bytes plus about 40 MB (about 110 MB by default; larger images are
# refused before decoding), so this bounds the worker's memory whatever the number of residents.
CONCURRENT_CHECKS = 2


def _check(report: IdPhotoReport) -> IdPhotoCheck:
    """The report as it crosses into history (the same fields as `IdPhotoReport.to_dict`)."""
    return IdPhotoCheck(
        accepted=report.accepted,
        reasons=[r.value for r in report.reasons],
        scores=dict(report.scores),
        format=report.format,
        width=report.width,
        height=report.height,
        phash=report.phash,
    )


def blob_key_for(application_id: str, content_id: str) -> str:
    """Deterministic, so a retried activity overwrites its own blob instead of leaving a second one."""
    return f"id-photo/{application_id}/{content_id}.jpg"


class IdPhotoActivities:
    def __init__(
        self,
        blob_api: AsyncMessagingApiBlob,
        store: BlobStore,
        index: PhotoIndex,
        *,
        duplicate_max_distance: int,
        limits: IdPhotoLimits | None = None,
    ) -> None:
        self._blob_api = blob_api
        self._store = store
        self._index = index
        self._max_distance = duplicate_max_distance
        self._limits = limits or IdPhotoLimits()
        self._slots = asyncio.Semaphore(CONCURRENT_CHECKS)

    @activity.defn(name=RECEIVE_ID_PHOTO_ACTIVITY)
    async def receive_id_photo(self, inp: ReceiveIdPhotoInput) -> ReceivedIdPhoto:
        try:
            data = bytes(await self._blob_api.get_message_content(inp.content_id))
        except ApiException as err:
            if err.status in (404, 410):  # LINE no longer has it (or never had): ask the resident again
                ID_CHECKS.labels(outcome="gone", reason="").inc()
                return ReceivedIdPhoto(outcome=ReceiveOutcome.GONE)
            if err.status in (400, 401, 403):
                raise ApplicationError(f"LINE refused the content download: {err.status}", non_retryable=True) from None
            raise ApplicationError(f"LINE content download failed: {err.status}", type="LineUnavailable") from None
        async with self._slots:
            with ID_CHECK_SECONDS.time():
                return await asyncio.to_thread(self._check_and_store, inp, data)

    def _check_and_store(self, inp: ReceiveIdPhotoInput, data: bytes) -> ReceivedIdPhoto:
        report = check_id_photo(data, self._limits)
        main_reason = report.reasons[0].value if report.reasons else ""
        outcome = "accepted" if report.accepted else "rejected"
        ID_CHECKS.labels(outcome=outcome, reason=main_reason).inc()
        log.info(
            "id photo checked",
            extra={"application_id": inp.application_id, "outcome": outcome, "reason": main_reason},
        )
        if report.phash is None or report.width == 0:
            return ReceivedIdPhoto(outcome=ReceiveOutcome.CHECKED, report=_check(report))
        try:
            copy = clean_copy(data, self._limits)
        except ValueError:
            # Readable enough to check, not to re-encode: nothing to hand over.
            log.warning("id photo could not be re-encoded; not stored")
            unreadable = IdPhotoReport(
                accepted=False,
                reasons=(Reason.UNREADABLE, *report.reasons),
                scores=report.scores,
                format=report.format,
                width=report.width,
                height=report.height,
                phash=report.phash,
            )
            return ReceivedIdPhoto(outcome=ReceiveOutcome.CHECKED, report=_check(unreadable))
        del data
        key = blob_key_for(inp.application_id, inp.content_id)
        self._store.put(key, copy)
        matches = self._index.matches(report.phash, inp.resident, self._max_distance)
        self._index.add(inp.application_id, key, inp.resident, report.phash)
        duplicates = [m.application_id for m in matches if m.application_id != inp.application_id]
        return ReceivedIdPhoto(
            outcome=ReceiveOutcome.CHECKED, blob_key=key, report=_check(report), duplicate_of=duplicates
        )

    @activity.defn(name=DELETE_ID_PHOTOS_ACTIVITY)
    async def delete_id_photos(self, inp: DeleteIdPhotosInput) -> int:
        """Deletes the application's photos and their hashes; safe to repeat."""
        deleted = 0
        for key in inp.blob_keys:
            if await asyncio.to_thread(self._store.delete, key):
                deleted += 1
        await asyncio.to_thread(self._index.remove_application, inp.application_id)
        return deleted
