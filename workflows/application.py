"""One durable workflow per submitted application, run as a list of stages.

identity (ID photo) -> clerk review -> fee payment -> certificate -> delivery -> retention of the photos,
each a class in `workflows.stages` sharing one `ApplicationContext`. A clerk asking for a new photo sends
the application back to the identity stage. Until the certificate is issued the resident may withdraw;
money already taken is then refunded and an issued certificate revoked.

Signals, updates and queries must be declared on the workflow class; they hand over to the stages.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import (
        ApplicationInput,
        ApplicationStatus,
        ApplicationView,
        CertificateRecord,
        Decision,
        DecisionInput,
        IdPhotoRecord,
        IdPhotoSubmitted,
        MarkMailedInput,
        PaymentRecord,
        PaymentRedirect,
        WithdrawInput,
    )
    from workflows.shared import (
        APPLICATION_WORKFLOW,
        DECIDE_UPDATE,
        ID_PHOTO_RECORD_QUERY,
        ID_PHOTO_SIGNAL,
        MARK_MAILED_UPDATE,
        PAYMENT_AUTHORIZED_SIGNAL,
        PAYMENT_CANCELLED_SIGNAL,
        PAYMENT_QUERY,
        STATUS_QUERY,
        VIEW_QUERY,
        WITHDRAW_SIGNAL,
    )
    from workflows.stages.certificate import CertificateStage
    from workflows.stages.context import ApplicationContext
    from workflows.stages.id_photo import IdPhotoStage
    from workflows.stages.payment import PaymentStage
    from workflows.stages.retention import RetentionStage
    from workflows.stages.review import ReviewStage

# Until the certificate is issued a resident may withdraw; money already taken is refunded.
WITHDRAWABLE = (
    ApplicationStatus.AWAITING_ID_PHOTO,
    ApplicationStatus.AWAITING_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.PAID,
)


@workflow.defn(name=APPLICATION_WORKFLOW)
class ApplicationWorkflow:
    @workflow.init
    def __init__(self, inp: ApplicationInput) -> None:
        self._ctx = ctx = ApplicationContext(inp)
        self._identity = IdPhotoStage(ctx)
        self._review = ReviewStage(ctx)
        self._payment = PaymentStage(ctx)
        self._certificate = CertificateStage(ctx, refund=self._payment.refund_if_captured)
        self._retention = RetentionStage(ctx)

    @workflow.run
    async def run(self, inp: ApplicationInput) -> str:
        ctx = self._ctx
        # Its search attributes were set when the conversation started it.
        uses_photo = ctx.policy.identity_method == "id_photo"
        while uses_photo and not ctx.withdrawn:
            await self._identity.run()
            if not ctx.in_(ApplicationStatus.AWAITING_REVIEW):
                break
            await self._review.run()
            if not ctx.in_(ApplicationStatus.AWAITING_ID_PHOTO):  # unless the clerk asked for a new photo
                break
        if self._goes_on(ApplicationStatus.APPROVED):
            await self._payment.run()
        if self._goes_on(ApplicationStatus.PAID):
            await self._certificate.issue()
        if self._goes_on(ApplicationStatus.PAID):  # issued, and not withdrawn meanwhile
            await self._certificate.deliver()
        await self._wait_while_withdrawable()
        if ctx.withdrawn:
            await self._close_withdrawn()
        else:
            await self._retention.run()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return ctx.status.value

    def _goes_on(self, status: ApplicationStatus) -> bool:
        return self._ctx.in_(status) and not self._ctx.withdrawn

    async def _wait_while_withdrawable(self) -> None:
        """JPKI signing is not built yet: such applications wait here, withdrawable."""
        ctx = self._ctx
        while ctx.status in WITHDRAWABLE and not ctx.withdrawn:
            await workflow.wait_condition(lambda: ctx.withdrawn or bool(ctx.photos))
            await ctx.answer_late_photos()

    async def _close_withdrawn(self) -> None:
        """Money already taken goes back (exactly once), an issued certificate is revoked, the photos go at once."""
        self._ctx.note("withdrawn", actor="resident")
        await self._payment.refund_if_captured()
        await self._certificate.revoke_if_issued()
        await self._retention.delete_photos()
        await self._ctx.set_status(ApplicationStatus.WITHDRAWN)

    # --- signals ---------------------------------------------------------------------------------
    @workflow.signal(name=WITHDRAW_SIGNAL)
    def withdraw(self, inp: WithdrawInput) -> None:
        if self._ctx.status in WITHDRAWABLE:
            self._ctx.withdrawal = inp

    @workflow.signal(name=ID_PHOTO_SIGNAL)
    def id_photo(self, photo: IdPhotoSubmitted) -> None:
        self._identity.submitted(photo)

    @workflow.signal(name=PAYMENT_AUTHORIZED_SIGNAL)
    def payment_authorized(self, redirect: PaymentRedirect) -> None:
        self._payment.accept_redirect("confirm", redirect)

    @workflow.signal(name=PAYMENT_CANCELLED_SIGNAL)
    def payment_cancelled(self, redirect: PaymentRedirect) -> None:
        self._payment.accept_redirect("cancel", redirect)

    # --- updates ---------------------------------------------------------------------------------
    @workflow.update(name=DECIDE_UPDATE)
    async def decide(self, inp: DecisionInput) -> Decision:
        return await self._review.decide(inp)

    @decide.validator
    def _validate_decision(self, inp: DecisionInput) -> None:
        self._review.validate(inp)

    @workflow.update(name=MARK_MAILED_UPDATE)
    async def mark_mailed(self, inp: MarkMailedInput) -> CertificateRecord:
        return await self._certificate.mark_mailed(inp)

    @mark_mailed.validator
    def _validate_mailed(self, inp: MarkMailedInput) -> None:
        self._certificate.validate_mailed(inp)

    # --- queries ---------------------------------------------------------------------------------
    @workflow.query(name=STATUS_QUERY)
    def status(self) -> str:
        return self._ctx.status.value

    @workflow.query(name=ID_PHOTO_RECORD_QUERY)
    def id_photo_record(self) -> IdPhotoRecord:
        return self._ctx.id_photos

    @workflow.query(name=PAYMENT_QUERY)
    def payment(self) -> PaymentRecord | None:
        return self._ctx.payment

    @workflow.query(name=VIEW_QUERY)
    def view(self) -> ApplicationView:
        ctx, app = self._ctx, self._ctx.app
        return ApplicationView(
            application_id=app.application_id,
            procedure_code=app.procedure_code,
            language=app.language,
            answers=app.answers,
            copies=app.copies,
            fee_per_copy=app.fee_per_copy,
            fee_total=app.fee_total,
            submitted_at=ctx.inp.submitted_at,
            status=ctx.status.value,
            id_photo=ctx.id_photos,
            registry_match=ctx.registry_match,
            review_due_at=self._review.due_at.isoformat() if self._review.due_at else "",
            escalated=self._review.escalated,
            decisions=ctx.decisions,
            timeline=ctx.timeline,
            payment=ctx.payment,
            certificate=self._certificate.record,
            policy=ctx.policy,
        )
