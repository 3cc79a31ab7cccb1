"""Payment activities over the provider port: request, confirm (status first: never twice), refund."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import Counter
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.models import (
    ConfirmPaymentInput,
    ConfirmPaymentResult,
    RefundPaymentInput,
    RefundPaymentResult,
    RequestedPaymentResult,
    RequestPaymentInput,
)
from domain.states import ConfirmOutcome
from payments.port import (
    LineItem,
    PaymentDeclined,
    PaymentError,
    PaymentProvider,
    PaymentRequest,
)
from payments.port import (
    PaymentState as ProviderState,
)
from workflows.shared import CONFIRM_PAYMENT_ACTIVITY, REFUND_PAYMENT_ACTIVITY, REQUEST_PAYMENT_ACTIVITY

log = logging.getLogger(__name__)
PAYMENTS = Counter("madoguchi_payments_total", "Payment operations by outcome", ["operation", "outcome"])

DECLINED = "PaymentDeclined"
# The provider's state of a payment, before confirming it, as the workflow reads it (which maps each outcome to
# the payment record's state, `ConfirmOutcome.record_state`). An authorised payment is confirmed instead.
CONFIRM_OUTCOMES = {
    ProviderState.WAITING: ConfirmOutcome.NOT_AUTHORIZED,
    ProviderState.CAPTURED: ConfirmOutcome.CAPTURED,
    ProviderState.CANCELLED: ConfirmOutcome.CANCELLED,
    ProviderState.UNKNOWN: ConfirmOutcome.CANCELLED,
    ProviderState.FAILED: ConfirmOutcome.FAILED,
    ProviderState.REFUNDED: ConfirmOutcome.REFUNDED,
}


def _fail(operation: str, err: PaymentError) -> ApplicationError:
    """Declined: for good (the workflow decides what to tell the resident); anything else: retry."""
    PAYMENTS.labels(operation=operation, outcome="declined" if isinstance(err, PaymentDeclined) else "error").inc()
    if isinstance(err, PaymentDeclined):
        return ApplicationError(f"{operation} declined: {err.code}", err.code, type=DECLINED, non_retryable=True)
    return ApplicationError(f"{operation} failed: {err.code} {err.message}", type=type(err).__name__)


@asynccontextmanager
async def heartbeating(every: float = 2.0) -> AsyncIterator[None]:
    """Heartbeats while a money call is in flight, so a dead worker's attempt is retried in seconds."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()


class PaymentActivities:
    def __init__(self, provider: PaymentProvider) -> None:
        self._provider = provider

    @activity.defn(name=REQUEST_PAYMENT_ACTIVITY)
    async def request_payment(self, inp: RequestPaymentInput) -> RequestedPaymentResult:
        try:
            requested = await self._provider.request(
                PaymentRequest(
                    order_id=inp.order_id,
                    amount=inp.amount,
                    currency=inp.currency,
                    items=tuple(LineItem(i.name, i.quantity, i.unit_price) for i in inp.items),
                    confirm_url=inp.confirm_url,
                    cancel_url=inp.cancel_url,
                    language=inp.language,
                )
            )
        except PaymentError as err:
            raise _fail("request", err) from None
        PAYMENTS.labels(operation="request", outcome="ok").inc()
        log.info("payment requested", extra={"application_id": inp.application_id, "order_id": inp.order_id})
        return RequestedPaymentResult(transaction_id=requested.transaction_id, payment_url=requested.payment_url)

    @activity.defn(name=CONFIRM_PAYMENT_ACTIVITY)
    async def confirm_payment(self, inp: ConfirmPaymentInput) -> ConfirmPaymentResult:
        """Checks the state first, so a retry (or a confirm whose answer was lost) never captures twice."""
        async with heartbeating():
            return await self._confirm(inp)

    async def _confirm(self, inp: ConfirmPaymentInput) -> ConfirmPaymentResult:
        try:
            state = await self._provider.status(inp.transaction_id)
            if state == ProviderState.CAPTURED:
                PAYMENTS.labels(operation="confirm", outcome="already").inc()
            if state != ProviderState.AUTHORIZED:
                return ConfirmPaymentResult(outcome=CONFIRM_OUTCOMES[state], already=state == ProviderState.CAPTURED)
            confirmed = await self._provider.confirm(inp.transaction_id, inp.amount, inp.currency)
        except PaymentError as err:
            raise _fail("confirm", err) from None
        PAYMENTS.labels(operation="confirm", outcome="already" if confirmed.already else "ok").inc()
        log.info("payment confirmed", extra={"transaction_id": inp.transaction_id, "already": confirmed.already})
        return ConfirmPaymentResult(outcome=ConfirmOutcome.CAPTURED, already=confirmed.already)

    @activity.defn(name=REFUND_PAYMENT_ACTIVITY)
    async def refund_payment(self, inp: RefundPaymentInput) -> RefundPaymentResult:
        try:
            async with heartbeating():
                refunded = await self._provider.refund(inp.transaction_id, inp.amount)
        except PaymentError as err:
            raise _fail("refund", err) from None
        PAYMENTS.labels(operation="refund", outcome="already" if refunded.already else "ok").inc()
        return RefundPaymentResult(refund_transaction_id=refunded.refund_transaction_id, already=refunded.already)
