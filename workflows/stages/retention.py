"""Retention of the ID photos: deleted at once on withdrawal, and the policy's retention period after any
other end; photos the resident still sends meanwhile are answered as late."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.models import DeleteIdPhotosInput
    from workflows.shared import DELETE_ID_PHOTOS_ACTIVITY
    from workflows.stages.context import ApplicationContext, wait_until

DELETE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(hours=1))


class RetentionStage:
    def __init__(self, ctx: ApplicationContext) -> None:
        self._ctx = ctx

    async def run(self) -> None:
        """Keeps the stored photos for the retention period, then deletes them."""
        ctx = self._ctx
        if not any(a.blob_key for a in ctx.id_photos.attempts):
            return
        until = workflow.now() + ctx.policy.id_photo_retention
        while workflow.now() < until:
            # The timer runs to the end of the period exactly, however little of it is left.
            if not await wait_until(lambda: bool(ctx.photos), until, at_least=timedelta(0)):
                break
            await ctx.answer_late_photos()
        await self.delete_photos()

    async def delete_photos(self) -> None:
        record = self._ctx.id_photos
        keys = [a.blob_key for a in record.attempts if a.blob_key]
        if keys and not record.photos_deleted:
            await workflow.execute_activity(
                DELETE_ID_PHOTOS_ACTIVITY,
                DeleteIdPhotosInput(application_id=self._ctx.app.application_id, blob_keys=keys),
                result_type=int,
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=DELETE_RETRY,
            )
            self._ctx.note("photos_deleted")
        record.photos_deleted = True
