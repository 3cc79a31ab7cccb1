"""The certificate and its delivery: a paid application's certificate is issued from the registry (an
activity), then mailed by a clerk from the print queue (`mark_mailed` update) or sent as a signed download
link. Issuing that fails for good refunds the fee and cancels; a certificate issued while the resident
withdrew is revoked in the register, never delivered."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import delivery
    from domain.models import (
        ApplicationStatus,
        CertificateRecord,
        DownloadLinkInput,
        IssueCertificateInput,
        IssuedCertificateResult,
        MarkMailedInput,
        RevokeCertificateInput,
    )
    from domain.states import DeliveryKind
    from workflows.legacy import legacy_download_url
    from workflows.shared import DOWNLOAD_LINK_ACTIVITY, ISSUE_CERTIFICATE_ACTIVITY, REVOKE_CERTIFICATE_ACTIVITY
    from workflows.stages.context import ApplicationContext

ISSUE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=2), maximum_attempts=8
)
# Revoking is an idempotent update of the register: retried until the database answers.
REVOKE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5))
REVOKE_ON_WITHDRAWAL = "revoke-certificate-on-withdrawal"
# Download links are signed by an activity: the signing secret stays out of workflow code.
DOWNLOAD_LINK_PATCH = "download-link-by-activity"


class CertificateStage:
    def __init__(self, ctx: ApplicationContext, refund: Callable[[], Awaitable[None]]) -> None:
        self._ctx = ctx
        self._refund = refund
        self.record: CertificateRecord | None = None

    async def issue(self) -> None:
        """Issues the certificate (status stays Paid), or refunds and cancels when it cannot be issued."""
        ctx, app = self._ctx, self._ctx.app
        person_id = ctx.registry_match.person_id if ctx.registry_match else None
        issued: IssuedCertificateResult | None = None
        if person_id:
            try:
                issued = await workflow.execute_activity(
                    ISSUE_CERTIFICATE_ACTIVITY,
                    IssueCertificateInput(app.application_id, app.procedure_code, app.answers, person_id),
                    result_type=IssuedCertificateResult,
                    start_to_close_timeout=timedelta(minutes=2),
                    retry_policy=ISSUE_RETRY,
                )
            except ActivityError as err:
                workflow.logger.error("certificate could not be issued: %s", err.cause)
        if issued is None:
            # Issuing failed for good (or the registry never matched): the money goes back, exactly once.
            ctx.note("certificate_failed")
            await self._refund()
            await ctx.send(delivery.failed(app.language, app.application_id), "cert-failed")
            await ctx.set_status(ApplicationStatus.CANCELLED)
            return
        self.record = CertificateRecord(
            certificate_id=issued.certificate_id,
            number=issued.number,
            pdf_blob_key=issued.pdf_blob_key,
            preview_blob_key=issued.preview_blob_key,
            pages=issued.pages,
            delivery=DeliveryKind(ctx.policy.delivery_for(app.answers.get("delivery"))),
            issued_at=workflow.now().isoformat(),
        )
        ctx.note("certificate_issued", detail=issued.number)

    async def deliver(self) -> None:
        """A download link (Completed), or the print queue until a clerk marks it mailed."""
        ctx, app, record = self._ctx, self._ctx.app, self.record
        assert record is not None, "delivered only once issued"
        if record.delivery == DeliveryKind.DIGITAL:
            expires = workflow.now() + ctx.policy.digital_copy_link_valid_for
            url = await self._download_link(record.certificate_id, expires)
            record.link_sent_at = workflow.now().isoformat()
            record.link_expires_at = expires.isoformat()
            ctx.delivery_detail = DeliveryKind.DIGITAL.value
            await ctx.send(delivery.digital(app.language, record.number, url, expires), "cert-digital")
            ctx.note("download_link_sent")
            await ctx.set_status(ApplicationStatus.COMPLETED)
            return
        await asyncio.gather(
            ctx.send(delivery.printing(app.language, record.number), "cert-printing"),
            ctx.set_status(ApplicationStatus.AWAITING_MAILING),
        )
        await workflow.wait_condition(lambda: not ctx.in_(ApplicationStatus.AWAITING_MAILING))

    async def _download_link(self, certificate_id: str, expires: datetime) -> str:
        if not workflow.patched(DOWNLOAD_LINK_PATCH):
            return legacy_download_url(certificate_id, expires)
        url: str = await workflow.execute_activity(
            DOWNLOAD_LINK_ACTIVITY,
            DownloadLinkInput(certificate_id, expires.isoformat(), self._ctx.policy.public_url),
            result_type=str,
            start_to_close_timeout=timedelta(seconds=30),
        )
        return url

    async def mark_mailed(self, inp: MarkMailedInput) -> CertificateRecord:
        """The `mark_mailed` update, after its validator."""
        ctx, record = self._ctx, self.record
        if not ctx.in_(ApplicationStatus.AWAITING_MAILING) or record is None:
            raise ApplicationError(f"not awaiting mailing: {ctx.status.value}", type="NotAwaitingMailing")
        record.mailed_at = workflow.now().isoformat()
        record.tracking_number = inp.tracking_number.strip()
        record.mailed_by = inp.clerk_login
        ctx.delivery_detail = f"mail:{record.tracking_number}"
        ctx.status = ApplicationStatus.COMPLETED  # at once: a second clerk's update now fails
        ctx.note("mailed", actor=inp.clerk_login, detail=record.tracking_number)
        await asyncio.gather(
            ctx.send(delivery.mailed(ctx.app.language, record.number, record.tracking_number), "cert-mailed"),
            ctx.set_status(ApplicationStatus.COMPLETED),
        )
        return record

    def validate_mailed(self, inp: MarkMailedInput) -> None:
        delivery.validate_tracking(inp.tracking_number)
        if not inp.clerk_login:
            raise ValueError("the clerk is missing")
        if not self._ctx.in_(ApplicationStatus.AWAITING_MAILING):
            raise ApplicationError(f"not awaiting mailing: {self._ctx.status.value}", type="NotAwaitingMailing")

    async def revoke_if_issued(self) -> None:
        """A certificate finished while the resident withdrew was never delivered: the register must not
        keep it valid. (Histories from before this step replay without it.)"""
        record = self.record
        if record is None or record.revoked_at or not workflow.patched(REVOKE_ON_WITHDRAWAL):
            return
        revoked_at = await workflow.execute_activity(
            REVOKE_CERTIFICATE_ACTIVITY,
            RevokeCertificateInput(record.certificate_id, "application withdrawn before delivery"),
            result_type=str,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=REVOKE_RETRY,
        )
        if not revoked_at:  # cannot happen for a certificate just issued; nothing to note as revoked
            workflow.logger.error("the certificate register does not know the issued certificate")
            return
        record.revoked_at = revoked_at
        self._ctx.note("certificate_revoked", detail=record.number)
