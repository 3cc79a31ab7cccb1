"""The ID photo stage: each image the resident sends is fetched, checked and stored by an activity (only a
blob key and the report come back); the resident is told what to fix, up to the policy's attempts, then the
best photo goes to the clerk, marked for attention. A reminder, then expiry, when no usable photo comes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain import id_photo_stage
    from domain.models import ApplicationStatus, IdPhotoAttempt, IdPhotoSubmitted, ReceivedIdPhoto, ReceiveIdPhotoInput
    from domain.states import ReceiveOutcome
    from workflows.shared import RECEIVE_ID_PHOTO_ACTIVITY
    from workflows.stages.context import ApplicationContext, wait_until

RECEIVE_TIMEOUT = timedelta(seconds=60)
# Download, check and store are idempotent (the blob key is fixed per photo); LINE keeps content for
# a while, so a few minutes of retries are worth it before the resident is asked to send it again.
RECEIVE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30), maximum_attempts=6
)
# A resident sending an album: more photos than this are not answered one by one.
MAX_QUEUED_PHOTOS = 20


class IdPhotoStage:
    def __init__(self, ctx: ApplicationContext) -> None:
        self._ctx = ctx

    def submitted(self, photo: IdPhotoSubmitted) -> None:
        """The `id_photo` signal: queued for the stage (or answered as late by whichever stage runs)."""
        if len(self._ctx.photos) < MAX_QUEUED_PHOTOS:
            self._ctx.photos.append(photo)

    async def run(self) -> None:
        """Until a photo goes to review (AwaitingReview), the application expires, or it is withdrawn."""
        ctx = self._ctx
        policy = ctx.policy
        started = workflow.now()
        reminded = False
        while not ctx.withdrawn:
            if ctx.photos:
                if await self._receive(ctx.photos.pop(0)):
                    return
                continue
            deadline = started + (policy.id_photo_expire_after if reminded else policy.id_photo_reminder_after)
            if await wait_until(lambda: bool(ctx.photos) or ctx.withdrawn, deadline):
                continue
            lang, app_id = ctx.app.language, ctx.app.application_id
            if not reminded:
                reminded = True
                days_left = (policy.id_photo_expire_after - policy.id_photo_reminder_after).days
                await ctx.send(id_photo_stage.reminder(lang, app_id, days_left), f"photo-reminder-{len(ctx.decisions)}")
                ctx.note("photo_reminder_sent")
            else:
                await ctx.send(id_photo_stage.expired(lang, app_id), f"photo-expired-{len(ctx.decisions)}")
                ctx.note("expired")
                await ctx.set_status(ApplicationStatus.EXPIRED)
                return

    async def _receive(self, photo: IdPhotoSubmitted) -> bool:
        """One photo from the resident: check it and answer. True when the stage is over."""
        ctx, app, record = self._ctx, self._ctx.app, self._ctx.id_photos
        try:
            received = await workflow.execute_activity(
                RECEIVE_ID_PHOTO_ACTIVITY,
                ReceiveIdPhotoInput(
                    application_id=app.application_id,
                    resident=ctx.inp.resident_workflow_id,
                    content_id=photo.content_id,
                ),
                result_type=ReceivedIdPhoto,
                start_to_close_timeout=RECEIVE_TIMEOUT,
                retry_policy=RECEIVE_RETRY,
            )
        except ActivityError:
            workflow.logger.error("id photo could not be received")
            await ctx.send(id_photo_stage.check_failed(app.language), photo)
            return False
        ctx.note("photo_checked", actor="resident", detail=_photo_detail(received))
        if received.outcome == ReceiveOutcome.CHECKED:
            record.attempts.append(
                IdPhotoAttempt(
                    number=len(record.attempts) + 1,
                    received_at=workflow.now().isoformat(),
                    blob_key=received.blob_key,
                    report=received.report,
                    duplicate_of=received.duplicate_of,
                )
            )
        step = id_photo_stage.after_check(
            record, received, ctx.policy.id_photo_max_attempts, app.language, app.application_id
        )
        if not step.done:
            await ctx.send(step.messages, photo)
            return False
        chosen = id_photo_stage.best_attempt(record.attempts, record.round_start)
        record.chosen = chosen
        best = record.attempts[chosen] if chosen is not None else None
        record.needs_attention = best is None or not best.accepted or bool(best.duplicate_of)
        await asyncio.gather(ctx.send(step.messages, photo), ctx.set_status(ApplicationStatus.AWAITING_REVIEW))
        return True


def _photo_detail(received: ReceivedIdPhoto) -> str:
    if received.outcome != ReceiveOutcome.CHECKED:
        return received.outcome.value
    if received.report.accepted:
        return "accepted"
    return "rejected: " + ",".join(received.report.reasons)
