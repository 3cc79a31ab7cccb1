"""One durable workflow per submitted application.

Stages so far: submitted -> ID photo (AwaitingIdPhoto) -> clerk review (AwaitingReview) -> Approved
or Rejected, or back to AwaitingIdPhoto when the clerk asks for a new photo. Payment and certificate
(issues D-E) continue from Approved; until then the application waits there, visible to operators
by its ApplicationStatus search attribute, and can be withdrawn.

The ID photo stage: the conversation forwards each image the resident sends (`id_photo` signal);
an activity fetches, checks and stores it (only a blob key and the report come back). The resident
is told what to fix, up to ID_PHOTO_MAX_ATTEMPTS photos; then the best one goes to the clerk,
marked for attention. A reminder follows ID_PHOTO_REMINDER_AFTER without a usable photo, and the
application expires after ID_PHOTO_EXPIRE_AFTER. Photos are deleted at once on withdrawal, and
ID_PHOTO_RETENTION_DAYS after any other end.

The review stage: an activity matches the applicant against the resident registry; clerks decide
with the `decide` update (validated; when two decide at once, exactly one wins and the other is
told who decided). No decision by the review deadline (business days) sets the Escalated search
attribute; the resident hears "still being reviewed" after REVIEW_STILL_REVIEWING_AFTER_DAYS.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from config.temporal import APPLICATION_STATUS, ESCALATED, NEEDS_ATTENTION, PAYMENT_STATUS, REVIEW_DUE_AT
    from domain import delivery, id_photo_stage, payment, review
    from domain.ids import retry_key
    from domain.models import (
        ApplicationInput,
        ApplicationStatus,
        ApplicationStatusChanged,
        ApplicationView,
        CertificateRecord,
        ConfirmPaymentInput,
        ConfirmPaymentResult,
        Decision,
        DecisionInput,
        DeleteIdPhotosInput,
        DownloadLinkInput,
        IdPhotoAttempt,
        IdPhotoRecord,
        IdPhotoSubmitted,
        IssueCertificateInput,
        IssuedCertificateResult,
        MarkMailedInput,
        MatchRegistryInput,
        PaymentItem,
        PaymentRecord,
        PaymentRedirect,
        ReceivedIdPhoto,
        ReceiveIdPhotoInput,
        RefundPaymentInput,
        RefundPaymentResult,
        RequestedPaymentResult,
        RequestPaymentInput,
        RevokeCertificateInput,
        SendMessagesInput,
        TimelineEntry,
        WithdrawInput,
    )
    from domain.policy import ApplicationPolicy
    from messages.line import Message
    from workflows.legacy import legacy_application_policy, legacy_download_url
    from workflows.shared import (
        APPLICATION_WORKFLOW,
        SEND_RETRY,
        SEND_SCHEDULE_TO_CLOSE,
        SEND_TIMEOUT,
    )

RECEIVE_TIMEOUT = timedelta(seconds=60)
# Download, check and store are idempotent (the blob key is fixed per photo); LINE keeps content for
# a while, so a few minutes of retries are worth it before the resident is asked to send it again.
RECEIVE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30), maximum_attempts=6
)
DELETE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(hours=1))
MATCH_RETRY = RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=30))
# Until payment (issue D), a resident may still withdraw.
# Until the certificate is issued (issue E) a resident may withdraw; money already taken is refunded.
WITHDRAWABLE = (
    ApplicationStatus.AWAITING_ID_PHOTO,
    ApplicationStatus.AWAITING_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.PAID,
)
REQUEST_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10), maximum_attempts=4
)
REQUEST_RETRY_LONG = RetryPolicy(initial_interval=timedelta(seconds=30), maximum_interval=timedelta(minutes=10))
ISSUE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=2), maximum_attempts=8
)
# Revoking is an idempotent update of the register: retried until the database answers.
REVOKE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5))
REVOKE_ON_WITHDRAWAL = "revoke-certificate-on-withdrawal"
# Download links are signed by an activity: the signing secret stays out of workflow code.
DOWNLOAD_LINK_ACTIVITY = "download-link-by-activity"
# Confirm and refund are safe to retry (confirm checks the state first; refund of a refunded payment is a no-op).
# The money activities heartbeat: a worker that dies mid-call is noticed in seconds, not after a minute.
MONEY_HEARTBEAT = timedelta(seconds=10)
MONEY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5))


@workflow.defn(name=APPLICATION_WORKFLOW)
class ApplicationWorkflow:
    @workflow.init
    def __init__(self, inp: ApplicationInput) -> None:
        self._inp = inp
        self._status = ApplicationStatus.AWAITING_ID_PHOTO
        self._withdraw: WithdrawInput | None = None
        self._photos: list[IdPhotoSubmitted] = []
        self._record = IdPhotoRecord()
        self._registry_match: dict[str, Any] | None = None
        self._due_at: datetime | None = None
        self._escalated = False
        self._decisions: list[Decision] = []
        self._payment: PaymentRecord | None = None
        self._certificate: CertificateRecord | None = None
        self._delivery_detail = ""
        self._redirects: list[tuple[str, PaymentRedirect]] = []
        self._timeline: list[TimelineEntry] = [TimelineEntry(at=inp.submitted_at, event="submitted", actor="resident")]

    @workflow.run
    async def run(self, inp: ApplicationInput) -> str:
        # Its search attributes were set when the conversation started it.
        uses_photo = self._policy.identity_method == "id_photo"
        while uses_photo and self._withdraw is None:
            await self._photo_stage()
            if not self._in(ApplicationStatus.AWAITING_REVIEW):
                break
            await self._review()
            if not self._in(ApplicationStatus.AWAITING_ID_PHOTO):  # unless the clerk asked for a new photo
                break
        if self._in(ApplicationStatus.APPROVED) and self._withdraw is None:
            await self._payment_stage()
        if self._in(ApplicationStatus.PAID) and self._withdraw is None:
            await self._certificate_stage()
        # JPKI signing is not built yet: such applications wait here, withdrawable.
        while self._status in WITHDRAWABLE and self._withdraw is None:
            await workflow.wait_condition(lambda: self._withdraw is not None or bool(self._photos))
            await self._answer_late_photos()
        if self._withdraw is not None:
            # Withdrawn: money already taken goes back (exactly once), the photos go at once.
            self._note("withdrawn", actor="resident")
            await self._refund_if_captured()
            await self._revoke_if_issued()
            await self._delete_photos()
            await self._set_status(ApplicationStatus.WITHDRAWN)
        else:
            await self._keep_then_delete_photos()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._status.value

    # --- ID photo stage ------------------------------------------------------------------------
    async def _photo_stage(self) -> None:
        policy = self._policy
        started = workflow.now()
        reminded = False
        while self._withdraw is None:
            if self._photos:
                if await self._receive(self._photos.pop(0)):
                    return
                continue
            deadline = started + (policy.id_photo_expire_after if reminded else policy.id_photo_reminder_after)
            try:
                await workflow.wait_condition(
                    lambda: bool(self._photos) or self._withdraw is not None,
                    timeout=max(deadline - workflow.now(), timedelta(seconds=1)),
                )
                continue
            except TimeoutError:
                pass
            lang, app_id = self._inp.application.language, self._inp.application.application_id
            if not reminded:
                reminded = True
                days_left = (policy.id_photo_expire_after - policy.id_photo_reminder_after).days
                await self._send(
                    id_photo_stage.reminder(lang, app_id, days_left), f"photo-reminder-{len(self._decisions)}"
                )
                self._note("photo_reminder_sent")
            else:
                await self._send(id_photo_stage.expired(lang, app_id), f"photo-expired-{len(self._decisions)}")
                self._note("expired")
                await self._set_status(ApplicationStatus.EXPIRED)
                return

    async def _receive(self, photo: IdPhotoSubmitted) -> bool:
        """One photo from the resident: check it and answer. True when the stage is over."""
        app = self._inp.application
        try:
            received = await workflow.execute_activity(
                "receive_id_photo",
                ReceiveIdPhotoInput(
                    application_id=app.application_id,
                    resident=self._inp.resident_workflow_id,
                    content_id=photo.content_id,
                ),
                result_type=ReceivedIdPhoto,
                start_to_close_timeout=RECEIVE_TIMEOUT,
                retry_policy=RECEIVE_RETRY,
            )
        except ActivityError:
            workflow.logger.error("id photo could not be received")
            await self._send(id_photo_stage.check_failed(app.language), photo)
            return False
        self._note("photo_checked", actor="resident", detail=_photo_detail(received))
        if received.outcome == "checked":
            self._record.attempts.append(
                IdPhotoAttempt(
                    number=len(self._record.attempts) + 1,
                    received_at=workflow.now().isoformat(),
                    blob_key=received.blob_key,
                    report=received.report,
                    duplicate_of=received.duplicate_of,
                )
            )
        step = id_photo_stage.after_check(
            self._record, received, self._policy.id_photo_max_attempts, app.language, app.application_id
        )
        if not step.done:
            await self._send(step.messages, photo)
            return False
        chosen = id_photo_stage.best_attempt(self._record.attempts, self._record.round_start)
        self._record.chosen = chosen
        best = self._record.attempts[chosen] if chosen is not None else None
        self._record.needs_attention = best is None or not best.accepted or bool(best.duplicate_of)
        await asyncio.gather(self._send(step.messages, photo), self._set_status(ApplicationStatus.AWAITING_REVIEW))
        return True

    async def _answer_late_photos(self) -> None:
        """Photos that crossed the status update: say the photo stage is over; nothing is lost."""
        while self._photos:
            photo = self._photos.pop(0)
            app = self._inp.application
            await self._send(id_photo_stage.not_expected(self._status.value, app.language, app.application_id), photo)

    # --- clerk review --------------------------------------------------------------------------------
    async def _review(self) -> None:
        policy = self._policy
        entered = workflow.now()
        self._due_at = review.add_business_days(entered, policy.review_deadline_business_days)
        self._escalated = False
        workflow.upsert_search_attributes([REVIEW_DUE_AT.value_set(self._due_at), ESCALATED.value_set(False)])
        self._note("to_review", detail=f"due {self._due_at.isoformat()}")
        await self._match_registry()
        remind_at = entered + timedelta(days=policy.review_still_reviewing_after_days)
        reminded = False
        while self._status == ApplicationStatus.AWAITING_REVIEW and self._withdraw is None:
            deadlines = [d for d, done in ((self._due_at, self._escalated), (remind_at, reminded)) if not done]
            timeout = max(min(deadlines) - workflow.now(), timedelta(seconds=1)) if deadlines else None
            try:
                await workflow.wait_condition(
                    lambda: (
                        self._status != ApplicationStatus.AWAITING_REVIEW
                        or self._withdraw is not None
                        or bool(self._photos)
                    ),
                    timeout=timeout,
                )
            except TimeoutError:
                now = workflow.now()
                if not self._escalated and now >= self._due_at:
                    self._escalated = True
                    workflow.upsert_search_attributes([ESCALATED.value_set(True)])
                    self._note("escalated")
                if not reminded and now >= remind_at:
                    reminded = True
                    app = self._inp.application
                    round_key = f"still-reviewing-{len(self._decisions)}-{len(self._record.attempts)}"
                    await self._send(review.still_reviewing(app.language, app.application_id), round_key)
                    self._note("still_reviewing_sent")
                continue
            await self._answer_late_photos()
        if self._escalated:
            workflow.upsert_search_attributes([ESCALATED.value_set(False)])

    async def _match_registry(self) -> None:
        try:
            self._registry_match = await workflow.execute_activity(
                "match_registry",
                MatchRegistryInput(
                    application_id=self._inp.application.application_id, answers=self._inp.application.answers
                ),
                result_type=dict[str, Any],
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=MATCH_RETRY,
            )
        except ActivityError:
            # The clerk can still decide, looking the resident up by hand; the view says so.
            workflow.logger.error("registry match failed")
            self._registry_match = {"kind": "unavailable"}
        self._note("registry_checked", detail=str(self._registry_match.get("kind", "")))

    @workflow.update
    async def decide(self, inp: DecisionInput) -> Decision:
        if self._status != ApplicationStatus.AWAITING_REVIEW:
            # Another clerk's decision won in the same moment (both passed the validator).
            raise ApplicationError(
                self._not_awaiting_review(), self._last_decision_dict(), type="NotAwaitingReview", non_retryable=True
            )
        decision = Decision(
            decision=inp.decision,
            reason_code=inp.reason_code,
            reason_text=inp.reason_text.strip(),
            clerk_login=inp.clerk_login,
            clerk_name=inp.clerk_name,
            decided_at=workflow.now().isoformat(),
        )
        self._decisions.append(decision)
        next_status = {
            "approve": ApplicationStatus.APPROVED,
            "reject": ApplicationStatus.REJECTED,
            "request_photo": ApplicationStatus.AWAITING_ID_PHOTO,
        }[inp.decision]
        self._status = next_status  # at once, before any await: a concurrent decision now fails
        detail = " ".join(p for p in (inp.decision, inp.reason_code) if p)
        self._note("decided", actor=inp.clerk_login, detail=detail)
        if next_status == ApplicationStatus.AWAITING_ID_PHOTO:
            self._record.round_start = len(self._record.attempts)
            self._record.chosen = None
        app = self._inp.application
        # An approval is told together with the payment card, in one push from the payment stage.
        messages = [] if inp.decision == "approve" else review.decision_messages(inp, app.language, app.application_id)
        await asyncio.gather(self._send(messages, f"decision-{len(self._decisions)}"), self._set_status(next_status))
        return decision

    @decide.validator
    def _validate_decision(self, inp: DecisionInput) -> None:
        review.validate(inp)  # InvalidDecision: the update is refused, nothing is recorded
        if self._status != ApplicationStatus.AWAITING_REVIEW:
            raise ApplicationError(self._not_awaiting_review(), self._last_decision_dict(), type="NotAwaitingReview")

    def _not_awaiting_review(self) -> str:
        last = self._decisions[-1] if self._decisions else None
        if last is not None and self._status != ApplicationStatus.AWAITING_REVIEW:
            who = last.clerk_name or last.clerk_login
            return f"not awaiting review: {self._status.value}, decided by {who} at {last.decided_at}"
        return f"not awaiting review: {self._status.value}"

    def _last_decision_dict(self) -> dict[str, str]:
        last = self._decisions[-1] if self._decisions else None
        info = {"status": self._status.value}
        if last is not None:
            info.update(
                decision=last.decision,
                clerk_login=last.clerk_login,
                clerk_name=last.clerk_name,
                decided_at=last.decided_at,
            )
        return info

    # --- fee payment ---------------------------------------------------------------------------------
    async def _payment_stage(self) -> None:
        policy = self._policy
        app = self._inp.application
        lang = app.language
        items = policy.fee_items
        started = workflow.now()
        expire_at = started + policy.payment_expire_after
        remind_at = started + policy.payment_reminder_after
        reminded = False
        round_number = 0
        previous: PaymentRecord | None = None
        while self._withdraw is None and self._status == ApplicationStatus.APPROVED:
            round_number += 1
            record = await self._request_payment(round_number, items)
            if record is None:
                return  # the provider cannot be reached for a long time: logged; operators take over
            hours = max(1, int((expire_at - workflow.now()).total_seconds() // 3600))
            if round_number == 1:
                offer = payment.approved_with_card
            elif previous is not None and previous.state == "declined":
                offer = payment.declined_with_card
            else:
                offer = payment.cancelled_with_card
            previous = record
            await self._send(
                offer(lang, app.application_id, items, record.payment_url, hours), f"pay-offer-{round_number}"
            )
            while self._withdraw is None and self._payment is record and record.state == "requested":
                deadline = remind_at if not reminded else expire_at
                try:
                    await workflow.wait_condition(
                        lambda: self._withdraw is not None or bool(self._redirects) or bool(self._photos),
                        timeout=max(deadline - workflow.now(), timedelta(seconds=1)),
                    )
                except TimeoutError:
                    if not reminded:
                        reminded = True
                        left = max(1, int((expire_at - workflow.now()).total_seconds() // 3600))
                        await self._send(payment.reminder(lang, app.application_id, left), "pay-reminder")
                        self._note("payment_reminder_sent")
                        continue
                    record.state = "expired"
                    workflow.upsert_search_attributes([PAYMENT_STATUS.value_set("Expired")])
                    self._note("payment_expired")
                    await self._send(payment.expired(lang, app.application_id), "pay-expired")
                    await self._set_status(ApplicationStatus.CANCELLED)
                    return
                await self._answer_late_photos()
                while self._redirects:
                    await self._on_redirect(record, *self._redirects.pop(0))

    async def _request_payment(self, round_number: int, items: list[PaymentItem]) -> PaymentRecord | None:
        app = self._inp.application
        policy = self._policy
        amount = sum(i.quantity * i.unit_price for i in items)
        inp = RequestPaymentInput(
            application_id=app.application_id,
            order_id=payment.order_id(app.application_id, round_number),
            amount=amount,
            currency=policy.currency,
            items=items,
            language=app.language,
            confirm_url=f"{policy.public_url}/payments/linepay/confirm",
            cancel_url=f"{policy.public_url}/payments/linepay/cancel",
        )
        try:
            requested = await self._execute_request(inp, REQUEST_RETRY, timedelta(minutes=2))
        except ActivityError:
            workflow.logger.error("payment request failed; telling the resident and retrying")
            await self._send(payment.unavailable(app.language), f"pay-unavailable-{round_number}")
            try:
                requested = await self._execute_request(inp, REQUEST_RETRY_LONG, timedelta(hours=24))
            except ActivityError:
                workflow.logger.error("payment request failed for good")
                self._note("payment_unavailable")
                return None
        record = PaymentRecord(
            order_id=inp.order_id,
            transaction_id=requested.transaction_id,
            amount=amount,
            currency=inp.currency,
            state="requested",
            payment_url=requested.payment_url,
            requested_at=workflow.now().isoformat(),
        )
        self._payment = record
        workflow.upsert_search_attributes([PAYMENT_STATUS.value_set("Requested")])
        self._note("payment_requested", detail=f"{amount} {inp.currency}")
        return record

    async def _execute_request(
        self, inp: RequestPaymentInput, retry: RetryPolicy, total: timedelta
    ) -> RequestedPaymentResult:
        result: RequestedPaymentResult = await workflow.execute_activity(
            "request_payment",
            inp,
            result_type=RequestedPaymentResult,
            start_to_close_timeout=timedelta(seconds=30),
            schedule_to_close_timeout=total,
            retry_policy=retry,
        )
        return result

    async def _on_redirect(self, record: PaymentRecord, kind: str, redirect: PaymentRedirect) -> None:
        app = self._inp.application
        if record.state != "requested":
            # Both kinds can be queued (two tabs, a double navigation, or both sent while no worker ran):
            # the one handled first settled the payment, and a capture is never undone by a cancel.
            workflow.logger.warning("payment %s redirect for a payment no longer open: ignored", kind)
            return
        if kind == "cancel":
            record.state = "cancelled"
            workflow.upsert_search_attributes([PAYMENT_STATUS.value_set("Cancelled")])
            self._note("payment_cancelled", actor="resident")
            return  # the stage offers a new payment
        record.state = "authorized"
        self._note("payment_authorized", actor="resident")
        try:
            confirmed = await workflow.execute_activity(
                "confirm_payment",
                ConfirmPaymentInput(
                    transaction_id=record.transaction_id, amount=record.amount, currency=record.currency
                ),
                result_type=ConfirmPaymentResult,
                start_to_close_timeout=timedelta(seconds=60),
                heartbeat_timeout=MONEY_HEARTBEAT,
                retry_policy=MONEY_RETRY,
            )
        except ActivityError as err:
            # MONEY_RETRY retries everything but the provider's refusal: nothing was captured.
            code = _provider_refusal(err)
            record.state = "declined"
            workflow.upsert_search_attributes([PAYMENT_STATUS.value_set("Cancelled")])
            self._note("payment_declined", detail=code)
            return  # the stage tells the resident and offers a new payment
        if confirmed.outcome == "not_authorized":
            record.state = "requested"  # a redirect without the resident's approval at the provider: keep waiting
            workflow.logger.warning("confirm redirect for a payment the provider has not authorised")
            return
        if confirmed.outcome != "captured":
            record.state = "cancelled"
            workflow.upsert_search_attributes([PAYMENT_STATUS.value_set("Cancelled")])
            self._note("payment_cancelled", detail=confirmed.outcome)
            return
        record.state = "captured"
        record.captured_at = workflow.now().isoformat()
        workflow.upsert_search_attributes([PAYMENT_STATUS.value_set("Captured")])
        self._note("payment_captured", detail=f"{record.amount} {record.currency}")
        await asyncio.gather(
            self._send(payment.received(app.language, app.application_id, record.amount), "pay-received"),
            self._set_status(ApplicationStatus.PAID),
        )

    async def _refund_if_captured(self) -> None:
        record = self._payment
        if record is None or record.state != "captured":
            return
        app = self._inp.application
        try:
            refunded = await workflow.execute_activity(
                "refund_payment",
                RefundPaymentInput(transaction_id=record.transaction_id, amount=record.amount),
                result_type=RefundPaymentResult,
                start_to_close_timeout=timedelta(seconds=60),
                heartbeat_timeout=MONEY_HEARTBEAT,
                retry_policy=MONEY_RETRY,
            )
        except ActivityError as err:
            # MONEY_RETRY retries everything but the provider's refusal: the money is still held, and
            # staff refund it by hand. PaymentStatus stays Captured (true of the money); the flag puts the
            # application in the supervisor's overdue view; the application goes on to its end.
            code = _provider_refusal(err)
            record.state = "refund_refused"
            workflow.upsert_search_attributes([NEEDS_ATTENTION.value_set(True)])
            self._note("refund_refused", detail=f"{record.amount} {record.currency} {code}")
            workflow.logger.error("refund refused by the payment provider: %s", code)
            await self._send(
                payment.refund_by_hand(app.language, app.application_id, record.amount), "pay-refund-refused"
            )
            return
        record.state = "refunded"
        record.refunded_at = workflow.now().isoformat()
        record.refund_transaction_id = refunded.refund_transaction_id
        workflow.upsert_search_attributes([PAYMENT_STATUS.value_set("Refunded")])
        self._note("payment_refunded", detail=f"{record.amount} {record.currency}")
        await self._send(payment.refunded(app.language, app.application_id, record.amount), "pay-refunded")

    async def _revoke_if_issued(self) -> None:
        """A certificate finished while the resident withdrew was never delivered: the register must not
        keep it valid. (Histories from before this step replay without it.)"""
        record = self._certificate
        if record is None or record.revoked_at or not workflow.patched(REVOKE_ON_WITHDRAWAL):
            return
        revoked_at = await workflow.execute_activity(
            "revoke_certificate",
            RevokeCertificateInput(record.certificate_id, "application withdrawn before delivery"),
            result_type=str,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=REVOKE_RETRY,
        )
        if not revoked_at:  # cannot happen for a certificate just issued; nothing to note as revoked
            workflow.logger.error("the certificate register does not know the issued certificate")
            return
        record.revoked_at = revoked_at
        self._note("certificate_revoked", detail=record.number)

    @workflow.signal
    def payment_authorized(self, redirect: PaymentRedirect) -> None:
        self._accept_redirect("confirm", redirect)

    @workflow.signal
    def payment_cancelled(self, redirect: PaymentRedirect) -> None:
        self._accept_redirect("cancel", redirect)

    def _accept_redirect(self, kind: str, redirect: PaymentRedirect) -> None:
        record = self._payment
        if (
            record is None
            or record.state != "requested"
            or (redirect.transaction_id, redirect.order_id)
            != (
                record.transaction_id,
                record.order_id,
            )
        ):
            workflow.logger.warning("payment redirect that does not match the open payment: ignored")
            return
        if all(k != kind for k, _ in self._redirects):
            self._redirects.append((kind, redirect))

    @workflow.query
    def payment(self) -> PaymentRecord | None:
        return self._payment

    # --- certificate and delivery ----------------------------------------------------------------
    async def _certificate_stage(self) -> None:
        app = self._inp.application
        person_id = str((self._registry_match or {}).get("person_id") or "")
        issued: IssuedCertificateResult | None = None
        if person_id:
            try:
                issued = await workflow.execute_activity(
                    "issue_certificate",
                    IssueCertificateInput(app.application_id, app.procedure_code, app.answers, person_id),
                    result_type=IssuedCertificateResult,
                    start_to_close_timeout=timedelta(minutes=2),
                    retry_policy=ISSUE_RETRY,
                )
            except ActivityError as err:
                workflow.logger.error("certificate could not be issued: %s", err.cause)
        if issued is None:
            # Issuing failed for good (or the registry never matched): the money goes back, exactly once.
            self._note("certificate_failed")
            await self._refund_if_captured()
            await self._send(delivery.failed(app.language, app.application_id), "cert-failed")
            await self._set_status(ApplicationStatus.CANCELLED)
            return
        how = self._policy.delivery_for(app.answers.get("delivery"))
        self._certificate = CertificateRecord(
            certificate_id=issued.certificate_id,
            number=issued.number,
            pdf_blob_key=issued.pdf_blob_key,
            preview_blob_key=issued.preview_blob_key,
            pages=issued.pages,
            delivery=str(how),
            issued_at=workflow.now().isoformat(),
        )
        self._note("certificate_issued", detail=issued.number)
        if self._withdraw is not None:
            return  # withdrawn while it was being issued: the end of run() refunds
        if how == "digital":
            expires = workflow.now() + self._policy.digital_copy_link_valid_for
            url = await self._download_link(issued.certificate_id, expires)
            self._certificate.link_sent_at = workflow.now().isoformat()
            self._certificate.link_expires_at = expires.isoformat()
            self._delivery_detail = "digital"
            await self._send(delivery.digital(app.language, issued.number, url, expires), "cert-digital")
            self._note("download_link_sent")
            await self._set_status(ApplicationStatus.COMPLETED)
            return
        await asyncio.gather(
            self._send(delivery.printing(app.language, issued.number), "cert-printing"),
            self._set_status(ApplicationStatus.AWAITING_MAILING),
        )
        await workflow.wait_condition(lambda: self._status != ApplicationStatus.AWAITING_MAILING)

    @workflow.update
    async def mark_mailed(self, inp: MarkMailedInput) -> CertificateRecord:
        record = self._certificate
        if self._status != ApplicationStatus.AWAITING_MAILING or record is None:
            raise ApplicationError(f"not awaiting mailing: {self._status.value}", type="NotAwaitingMailing")
        record.mailed_at = workflow.now().isoformat()
        record.tracking_number = inp.tracking_number.strip()
        record.mailed_by = inp.clerk_login
        self._delivery_detail = f"mail:{record.tracking_number}"
        self._status = ApplicationStatus.COMPLETED  # at once: a second clerk's update now fails
        self._note("mailed", actor=inp.clerk_login, detail=record.tracking_number)
        app = self._inp.application
        await asyncio.gather(
            self._send(delivery.mailed(app.language, record.number, record.tracking_number), "cert-mailed"),
            self._set_status(ApplicationStatus.COMPLETED),
        )
        return record

    @mark_mailed.validator
    def _validate_mailed(self, inp: MarkMailedInput) -> None:
        delivery.validate_tracking(inp.tracking_number)
        if not inp.clerk_login:
            raise ValueError("the clerk is missing")
        if self._status != ApplicationStatus.AWAITING_MAILING:
            raise ApplicationError(f"not awaiting mailing: {self._status.value}", type="NotAwaitingMailing")

    # --- retention -------------------------------------------------------------------------------
    async def _keep_then_delete_photos(self) -> None:
        stored = [a for a in self._record.attempts if a.blob_key]
        if not stored:
            return
        retention = self._policy.id_photo_retention
        until = workflow.now() + retention
        while workflow.now() < until:
            try:
                await workflow.wait_condition(lambda: bool(self._photos), timeout=until - workflow.now())
            except TimeoutError:
                break
            await self._answer_late_photos()
        await self._delete_photos()

    async def _delete_photos(self) -> None:
        keys = [a.blob_key for a in self._record.attempts if a.blob_key]
        if keys and not self._record.photos_deleted:
            await workflow.execute_activity(
                "delete_id_photos",
                DeleteIdPhotosInput(application_id=self._inp.application.application_id, blob_keys=keys),
                result_type=int,
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=DELETE_RETRY,
            )
            self._note("photos_deleted")
        self._record.photos_deleted = True

    # --- helpers -----------------------------------------------------------------------------------
    @property
    def _policy(self) -> ApplicationPolicy:
        """The decisions frozen at submission. A history from before they were frozen read the live catalog
        and settings at each use, and replays that way."""
        return self._inp.policy or legacy_application_policy(self._inp.application)

    async def _download_link(self, certificate_id: str, expires: datetime) -> str:
        if not workflow.patched(DOWNLOAD_LINK_ACTIVITY):
            return legacy_download_url(certificate_id, expires)
        url: str = await workflow.execute_activity(
            "download_link",
            DownloadLinkInput(certificate_id, expires.isoformat(), self._policy.public_url),
            result_type=str,
            start_to_close_timeout=timedelta(seconds=30),
        )
        return url

    async def _send(self, messages: list[Message], cause: IdPhotoSubmitted | str) -> None:
        if not messages:
            return
        if isinstance(cause, IdPhotoSubmitted):
            token, received_at, key = cause.reply_token, cause.received_at_ms, cause.webhook_event_id
        else:
            token, received_at, key = "", 0, cause
        try:
            await workflow.execute_activity(
                "send_messages",
                SendMessagesInput(
                    line_user_id=self._inp.line_user_id,
                    messages=messages,
                    reply_token=token,
                    reply_token_received_at_ms=received_at,
                    retry_key=retry_key(workflow.info().workflow_id, key),
                ),
                start_to_close_timeout=SEND_TIMEOUT,
                schedule_to_close_timeout=SEND_SCHEDULE_TO_CLOSE,
                retry_policy=SEND_RETRY,
            )
        except ActivityError:
            workflow.logger.error("sending messages failed for good")

    def _in(self, status: ApplicationStatus) -> bool:
        """The current status (a method: handlers change it while run() awaits, which type narrowing ignores)."""
        return self._status == status

    def _note(self, event: str, *, actor: str = "system", detail: str = "") -> None:
        self._timeline.append(TimelineEntry(at=workflow.now().isoformat(), event=event, actor=actor, detail=detail))

    async def _set_status(self, status: ApplicationStatus) -> None:
        self._status = status
        workflow.upsert_search_attributes([APPLICATION_STATUS.value_set(status.value)])
        resident = workflow.get_external_workflow_handle(self._inp.resident_workflow_id)
        try:
            await resident.signal(
                "application_status_changed",
                ApplicationStatusChanged(
                    application_id=self._inp.application.application_id,
                    status=status.value,
                    payment_state=self._payment.state if self._payment else "",
                    payment_amount=self._payment.amount if self._payment else 0,
                    delivery=self._delivery_detail,
                ),
            )
        except ApplicationError:
            # The resident's conversation is gone (e.g. terminated by an operator): the status
            # is still recorded here and in the search attribute.
            workflow.logger.warning("resident workflow not reachable for a status update")

    # --- signals and queries -------------------------------------------------------------------
    @workflow.signal
    def withdraw(self, inp: WithdrawInput) -> None:
        if self._status in WITHDRAWABLE:
            self._withdraw = inp

    @workflow.signal
    def id_photo(self, photo: IdPhotoSubmitted) -> None:
        if len(self._photos) < 20:  # a resident sending an album: more than this are not answered one by one
            self._photos.append(photo)

    @workflow.query
    def status(self) -> str:
        return self._status.value

    @workflow.query
    def id_photo_record(self) -> IdPhotoRecord:
        return self._record

    @workflow.query
    def view(self) -> ApplicationView:
        app = self._inp.application
        return ApplicationView(
            application_id=app.application_id,
            procedure_code=app.procedure_code,
            language=app.language,
            answers=app.answers,
            copies=app.copies,
            fee_per_copy=app.fee_per_copy,
            fee_total=app.fee_total,
            submitted_at=self._inp.submitted_at,
            status=self._status.value,
            id_photo=self._record,
            registry_match=self._registry_match,
            review_due_at=self._due_at.isoformat() if self._due_at else "",
            escalated=self._escalated,
            decisions=self._decisions,
            timeline=self._timeline,
            payment=self._payment,
            certificate=self._certificate,
            policy=self._policy,
        )


def _provider_refusal(err: ActivityError) -> str:
    """The provider's code for a refusal (no personal data: a return code, or the error type).

    Anything but an application error (the workflow being cancelled) is not the provider's answer."""
    cause = err.cause
    if not isinstance(cause, ApplicationError):
        raise err
    return str(cause.details[0]) if cause.details else cause.type or "refused"


def _photo_detail(received: ReceivedIdPhoto) -> str:
    if received.outcome != "checked":
        return received.outcome
    if received.report.get("accepted"):
        return "accepted"
    return "rejected: " + ",".join(str(r) for r in received.report.get("reasons", []))
