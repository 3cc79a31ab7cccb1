"""Where the payment provider sends the resident's browser back: confirmUrl and cancelUrl.

The redirect is checked against the application's open payment (order id and transaction id must
both match) before anything is signalled; the workflow then confirms with the provider itself.
A redirect that matches nothing gets a 400 page and is logged (ids only, no personal data).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from temporalio.service import RPCError, RPCStatusCode

from api.deps import TemporalDep
from api.pages import message_page
from config.temporal import RPC_TIMEOUT
from domain.ids import application_workflow_id
from domain.models import PaymentRecord, PaymentRedirect
from domain.payment import application_of_order
from domain.states import PaymentRecordState
from workflows.shared import PAYMENT_AUTHORIZED_SIGNAL, PAYMENT_CANCELLED_SIGNAL, PAYMENT_QUERY

log = logging.getLogger(__name__)
router = APIRouter(prefix="/payments/linepay", tags=["payments"])

# Each page: the keys of its heading and its body in the PUBLIC text table (api/texts_public.py).
PAGES = {
    "received": ("payment.received.heading", "payment.received"),
    "cancelled": ("payment.cancelled.heading", "payment.cancelled"),
    "invalid": ("link_invalid", "payment.invalid"),
    "closed": ("payment.closed.heading", "payment.closed"),
    "unavailable": ("unavailable.heading", "unavailable"),
}


def page(kind: str, status: int = 200) -> HTMLResponse:
    heading, body = PAGES[kind]
    return message_page(heading, body, status_code=status)


async def _redirect(temporal: TemporalDep, kind: str, transaction_id: str, order_id: str) -> HTMLResponse:
    application_id = application_of_order(order_id[:64])
    if application_id is None or not transaction_id.isdigit() or len(transaction_id) > 32:
        log.warning("payment %s redirect with a malformed order or transaction id", kind)
        return page("invalid", 400)
    handle = temporal.get_workflow_handle(application_workflow_id(application_id))
    try:
        record: PaymentRecord | None = await handle.query(
            PAYMENT_QUERY, result_type=PaymentRecord | None, rpc_timeout=RPC_TIMEOUT
        )
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            log.warning("payment %s redirect for an unknown application", kind)
            return page("invalid", 400)
        return page("unavailable", 503)
    if record is None or (record.order_id, record.transaction_id) != (order_id, transaction_id):
        log.warning("payment %s redirect that matches no open payment of application %s", kind, application_id)
        return page("invalid", 400)
    if record.state in (PaymentRecordState.AUTHORIZED, PaymentRecordState.CAPTURED):
        return page("received")  # the redirect arrived twice: nothing more to do
    if record.state != PaymentRecordState.REQUESTED:
        log.warning(
            "payment %s redirect for a payment in state %s (application %s)", kind, record.state, application_id
        )
        return page("closed", 409)
    signal = PAYMENT_AUTHORIZED_SIGNAL if kind == "confirm" else PAYMENT_CANCELLED_SIGNAL
    try:
        await handle.signal(signal, PaymentRedirect(transaction_id=transaction_id, order_id=order_id))
    except RPCError:
        return page("unavailable", 503)
    return page("received" if kind == "confirm" else "cancelled")


@router.get("/confirm", response_class=HTMLResponse, summary="LINE Pay confirmUrl: the resident approved")
async def confirm(temporal: TemporalDep, transactionId: str = "", orderId: str = "") -> HTMLResponse:
    return await _redirect(temporal, "confirm", transactionId, orderId)


@router.get("/cancel", response_class=HTMLResponse, summary="LINE Pay cancelUrl: the resident cancelled")
async def cancel(temporal: TemporalDep, transactionId: str = "", orderId: str = "") -> HTMLResponse:
    return await _redirect(temporal, "cancel", transactionId, orderId)
