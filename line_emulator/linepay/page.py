"""The resident's LINE Pay payment page, where the sandbox's payment URL leads.

Resident's page: GET /linepay/pay/{transactionId} (amount, items, "Pay" and "Cancel" forms); POST .../approve ->
authorized, 303 to confirmUrl?transactionId=&orderId=; POST .../cancel -> cancelled, 303 to cancelUrl (same).
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from line_emulator.linepay.sandbox import LinePaySandbox, Transaction, TxState, get_sandbox
from line_emulator.payments_common import page_shell, price

BRAND, BRAND_COLOR = "LINE Pay", "#06c755"

router = APIRouter()


def with_params(url: str, tx: Transaction) -> str:
    """The redirect target: the merchant's URL with transactionId and orderId appended."""
    params = urlencode({"transactionId": tx.transaction_id, "orderId": tx.order_id})
    return f"{url}{'&' if '?' in url else '?'}{params}"


def page(tx: Transaction | None, message: str | None = None, status: int = 200) -> HTMLResponse:
    lang = "en" if tx is not None and tx.locale == "en" else "ja"
    if tx is None:
        content = "<h1>お支払いが見つかりません / Payment not found</h1>"
    else:
        rows = "".join(
            f"<tr><td>{html.escape(str(p['name']))} × {p['quantity']}</td>"
            f'<td class="n">{html.escape(price(p["quantity"] * p["price"], tx.currency))}</td></tr>'
            for p in tx.items()
        )
        total = html.escape(price(tx.amount, tx.currency))
        content = (
            f"<h1>お支払い / Payment</h1><p>注文番号 / Order: {html.escape(tx.order_id)}</p>"
            f'<table>{rows}</table><p class="total" data-amount="{tx.amount}">{total}</p>'
        )
        if message is not None:
            content += f'<p class="state">{html.escape(message)}</p>'
        elif tx.state is TxState.WAITING:
            action = f"/linepay/pay/{tx.transaction_id}"
            content += (
                f'<form method="post" action="{action}/approve">'
                f'<button class="pay" type="submit">{total} を支払う / Pay {total}</button></form>'
                f'<form method="post" action="{action}/cancel">'
                '<button class="cancel" type="submit">キャンセル / Cancel</button></form>'
            )
        else:
            content += f'<p class="state">この支払いは受け付けられません / This payment is {tx.state.value}.</p>'
    return page_shell(BRAND, BRAND_COLOR, lang, content, status)


def _waiting(sandbox: LinePaySandbox, transaction_id: str) -> Transaction | HTMLResponse:
    tx = sandbox.get(transaction_id)
    if tx is None:
        return page(None, status=404)
    if tx.state is not TxState.WAITING:
        return page(tx, f"この支払いは受け付けられません / This payment is {tx.state.value}.", status=409)
    return tx


@router.get("/linepay/pay/{transaction_id}", include_in_schema=False)
async def pay_page(request: Request, transaction_id: str) -> HTMLResponse:
    tx = get_sandbox(request).get(transaction_id)
    return page(tx, status=200 if tx is not None else 404)


@router.post("/linepay/pay/{transaction_id}/approve", include_in_schema=False, response_model=None)
async def pay_approve(request: Request, transaction_id: str) -> Response:
    tx = _waiting(get_sandbox(request), transaction_id)
    if isinstance(tx, Response):
        return tx
    tx.state = TxState.AUTHORIZED
    return RedirectResponse(with_params(tx.confirm_url, tx), status_code=303)


@router.post("/linepay/pay/{transaction_id}/cancel", include_in_schema=False, response_model=None)
async def pay_cancel(request: Request, transaction_id: str) -> Response:
    tx = _waiting(get_sandbox(request), transaction_id)
    if isinstance(tx, Response):
        return tx
    tx.state = TxState.CANCELLED
    return RedirectResponse(with_params(tx.cancel_url, tx), status_code=303)
