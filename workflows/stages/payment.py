"""The fee payment: requested from the provider and offered with a pay button; the provider's redirects arrive
as signals (checked against the open payment) and the stage confirms with the provider. A cancel or a declined
confirm offers a new link; nobody paying gets a reminder, then cancellation. Captured money is refunded once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from config.temporal import NEEDS_ATTENTION, PAYMENT_STATUS
    from domain import payment
    from domain.models import (
        ApplicationStatus,
        ConfirmPaymentInput,
        ConfirmPaymentResult,
        PaymentItem,
        PaymentRecord,
        PaymentRedirect,
        RefundPaymentInput,
        RefundPaymentResult,
        RequestedPaymentResult,
        RequestPaymentInput,
    )
    from domain.states import PaymentRecordState
    from workflows.shared import CONFIRM_PAYMENT_ACTIVITY, REFUND_PAYMENT_ACTIVITY, REQUEST_PAYMENT_ACTIVITY
    from workflows.stages.context import ApplicationContext, wait_until

REQUEST_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10), maximum_attempts=4
)
REQUEST_RETRY_LONG = RetryPolicy(initial_interval=timedelta(seconds=30), maximum_interval=timedelta(minutes=10))
# Confirm and refund are safe to retry (confirm checks the state first; refund of a refunded payment is a no-op).
# The money activities heartbeat: a worker that dies mid-call is noticed in seconds, not after a minute.
MONEY_HEARTBEAT = timedelta(seconds=10)
MONEY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5))


class PaymentStage:
    def __init__(self, ctx: ApplicationContext) -> None:
        self._ctx = ctx
        self._redirects: list[tuple[str, PaymentRedirect]] = []
        self._shown: str | None = None  # the PaymentStatus search attribute as last set

    def _set_state(self, record: PaymentRecord, state: PaymentRecordState) -> None:
        """Every change of a payment's state, with its PaymentStatus search attribute when the value shown changes."""
        record.state = state
        shown = state.search_attribute_value
        if shown != self._shown:
            self._shown = shown
            workflow.upsert_search_attributes([PAYMENT_STATUS.value_set(shown)])

    async def run(self) -> None:
        """Until the fee is captured (Paid), the offer expires (Cancelled), or the resident withdraws."""
        ctx, policy, app = self._ctx, self._ctx.policy, self._ctx.app
        lang, items, started = app.language, policy.fee_items, workflow.now()
        expire_at, remind_at = started + policy.payment_expire_after, started + policy.payment_reminder_after
        reminded, round_number = False, 0
        previous: PaymentRecord | None = None
        while not ctx.withdrawn and ctx.in_(ApplicationStatus.APPROVED):
            round_number += 1
            record = await self._request(round_number, items)
            if record is None:
                return  # the provider cannot be reached for a long time: logged; operators take over
            hours = max(1, int((expire_at - workflow.now()).total_seconds() // 3600))
            if round_number == 1:
                offer = payment.approved_with_card
            elif previous is not None and previous.state == PaymentRecordState.DECLINED:
                offer = payment.declined_with_card
            else:
                offer = payment.cancelled_with_card
            previous = record
            await ctx.send(
                offer(lang, app.application_id, items, record.payment_url, hours), f"pay-offer-{round_number}"
            )
            while not ctx.withdrawn and ctx.payment is record and record.state == PaymentRecordState.REQUESTED:
                if await wait_until(
                    lambda: ctx.withdrawn or bool(self._redirects) or bool(ctx.photos),
                    expire_at if reminded else remind_at,
                ):
                    await ctx.answer_late_photos()
                    while self._redirects:
                        await self._on_redirect(record, *self._redirects.pop(0))
                    continue
                if not reminded:
                    reminded = True
                    left = max(1, int((expire_at - workflow.now()).total_seconds() // 3600))
                    await ctx.send(payment.reminder(lang, app.application_id, left), "pay-reminder")
                    ctx.note("payment_reminder_sent")
                    continue
                self._set_state(record, PaymentRecordState.EXPIRED)
                ctx.note("payment_expired")
                await ctx.send(payment.expired(lang, app.application_id), "pay-expired")
                await ctx.set_status(ApplicationStatus.CANCELLED)
                return

    async def _request(self, round_number: int, items: list[PaymentItem]) -> PaymentRecord | None:
        ctx, app, policy = self._ctx, self._ctx.app, self._ctx.policy
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
            requested = await _execute_request(inp, REQUEST_RETRY, timedelta(minutes=2))
        except ActivityError:
            workflow.logger.error("payment request failed; telling the resident and retrying")
            await ctx.send(payment.unavailable(app.language), f"pay-unavailable-{round_number}")
            try:
                requested = await _execute_request(inp, REQUEST_RETRY_LONG, timedelta(hours=24))
            except ActivityError:
                workflow.logger.error("payment request failed for good")
                ctx.note("payment_unavailable")
                return None
        record = PaymentRecord(
            order_id=inp.order_id,
            transaction_id=requested.transaction_id,
            amount=amount,
            currency=inp.currency,
            state=PaymentRecordState.REQUESTED,
            payment_url=requested.payment_url,
            requested_at=workflow.now().isoformat(),
        )
        ctx.payment = record
        self._set_state(record, PaymentRecordState.REQUESTED)
        ctx.note("payment_requested", detail=f"{amount} {inp.currency}")
        return record

    def accept_redirect(self, kind: str, redirect: PaymentRedirect) -> None:
        """The `payment_authorized` ("confirm") and `payment_cancelled` ("cancel") signals."""
        record = self._ctx.payment
        open_ids = (
            (record.transaction_id, record.order_id)
            if record and record.state == PaymentRecordState.REQUESTED
            else None
        )
        if (redirect.transaction_id, redirect.order_id) != open_ids:
            workflow.logger.warning("payment redirect that does not match the open payment: ignored")
            return
        if all(k != kind for k, _ in self._redirects):
            self._redirects.append((kind, redirect))

    async def _on_redirect(self, record: PaymentRecord, kind: str, redirect: PaymentRedirect) -> None:
        ctx, app = self._ctx, self._ctx.app
        if record.state != PaymentRecordState.REQUESTED:
            # Both kinds can be queued (two tabs, a double navigation, or both sent while no worker ran):
            # the one handled first settled the payment, and a capture is never undone by a cancel.
            workflow.logger.warning("payment %s redirect for a payment no longer open: ignored", kind)
            return
        if kind == "cancel":
            self._set_state(record, PaymentRecordState.CANCELLED)
            ctx.note("payment_cancelled", actor="resident")
            return  # the stage offers a new payment
        self._set_state(record, PaymentRecordState.AUTHORIZED)
        ctx.note("payment_authorized", actor="resident")
        try:
            confirmed = await workflow.execute_activity(
                CONFIRM_PAYMENT_ACTIVITY,
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
            self._set_state(record, PaymentRecordState.DECLINED)
            ctx.note("payment_declined", detail=code)
            return  # the stage tells the resident and offers a new payment
        self._set_state(record, confirmed.outcome.record_state)
        if record.state == PaymentRecordState.REQUESTED:  # a redirect without the resident's approval: keep waiting
            workflow.logger.warning("confirm redirect for a payment the provider has not authorised")
            return
        if record.state != PaymentRecordState.CAPTURED:
            ctx.note("payment_cancelled", detail=confirmed.outcome.value)
            return
        record.captured_at = workflow.now().isoformat()
        ctx.note("payment_captured", detail=f"{record.amount} {record.currency}")
        await asyncio.gather(
            ctx.send(payment.received(app.language, app.application_id, record.amount), "pay-received"),
            ctx.set_status(ApplicationStatus.PAID),
        )

    async def refund_if_captured(self) -> None:
        ctx, app, record = self._ctx, self._ctx.app, self._ctx.payment
        if record is None or record.state != PaymentRecordState.CAPTURED:
            return
        try:
            refunded = await workflow.execute_activity(
                REFUND_PAYMENT_ACTIVITY,
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
            self._set_state(record, PaymentRecordState.REFUND_REFUSED)
            workflow.upsert_search_attributes([NEEDS_ATTENTION.value_set(True)])
            ctx.note("refund_refused", detail=f"{record.amount} {record.currency} {code}")
            workflow.logger.error("refund refused by the payment provider: %s", code)
            await ctx.send(
                payment.refund_by_hand(app.language, app.application_id, record.amount), "pay-refund-refused"
            )
            return
        self._set_state(record, PaymentRecordState.REFUNDED)
        record.refunded_at = workflow.now().isoformat()
        record.refund_transaction_id = refunded.refund_transaction_id
        ctx.note("payment_refunded", detail=f"{record.amount} {record.currency}")
        await ctx.send(payment.refunded(app.language, app.application_id, record.amount), "pay-refunded")


async def _execute_request(inp: RequestPaymentInput, retry: RetryPolicy, total: timedelta) -> RequestedPaymentResult:
    result: RequestedPaymentResult = await workflow.execute_activity(
        REQUEST_PAYMENT_ACTIVITY,
        inp,
        result_type=RequestedPaymentResult,
        start_to_close_timeout=timedelta(seconds=30),
        schedule_to_close_timeout=total,
        retry_policy=retry,
    )
    return result


def _provider_refusal(err: ActivityError) -> str:
    """The provider's code for a refusal (no personal data: a return code, or the error type).

    Anything but an application error (the workflow being cancelled) is not the provider's answer."""
    cause = err.cause
    if not isinstance(cause, ApplicationError):
        raise err
    return str(cause.details[0]) if cause.details else cause.type or "refused"
