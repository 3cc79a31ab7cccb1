"""The payment API's operations on the ledger: request, confirm, refund, check, details."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from line_emulator.linepay.codes import MESSAGES, Answer, success
from line_emulator.linepay.sandbox import LinePaySandbox, Refund, Transaction, TxState, iso_now
from line_emulator.linepay.validation import checked_packages, http_url, json_object, number, text
from line_emulator.state import JsonObject

CURRENCIES = frozenset({"JPY", "USD", "TWD", "THB"})
CHECK_CODES = {
    TxState.WAITING: ("0000", "reserved transaction."),
    TxState.AUTHORIZED: ("0110", MESSAGES["0110"]),
    TxState.CANCELLED: ("0121", MESSAGES["0121"]),
    TxState.EXPIRED: ("0121", MESSAGES["0121"]),
    TxState.FAILED: ("0122", MESSAGES["0122"]),
    TxState.CAPTURED: ("0123", MESSAGES["0123"]),
    TxState.REFUNDED: ("0123", MESSAGES["0123"]),
}


Operation = Callable[[LinePaySandbox, Request, bytes], JsonObject]


def _known(sandbox: LinePaySandbox, request: Request) -> Transaction:
    transaction_id = str(request.path_params["transaction_id"])
    tx = sandbox.get(transaction_id) if transaction_id.isdigit() else None
    if tx is None:
        raise Answer("1150")
    return tx


def request_op(sandbox: LinePaySandbox, request: Request, raw: bytes) -> JsonObject:
    sandbox.stats.requests += 1
    body = json_object(raw)
    amount = number(body.get("amount"), "amount")
    currency = body.get("currency")
    if not isinstance(currency, str):
        raise Answer("2101", "[currency] must be specified.")
    if currency not in CURRENCIES:
        raise Answer("1178")
    if amount <= 0:
        raise Answer("1183")
    order_id = text(body.get("orderId"), "orderId", 100)
    packages = checked_packages(body.get("packages"))
    if amount != sum(p["amount"] for p in packages):
        raise Answer("1124", f"[amount] {amount} is not the sum of the packages.")
    redirects = body.get("redirectUrls")
    if not isinstance(redirects, dict):
        raise Answer("2101", "[redirectUrls] must be specified.")
    confirm_url = http_url(redirects.get("confirmUrl"), "redirectUrls.confirmUrl")
    cancel_url = http_url(redirects.get("cancelUrl"), "redirectUrls.cancelUrl")
    options = body.get("options")
    display = options.get("display") if isinstance(options, dict) else None
    locale = display.get("locale") if isinstance(display, dict) else None
    if order_id in sandbox.order_ids:
        raise Answer("1172")
    tx = Transaction(
        transaction_id=sandbox.new_id(),
        order_id=order_id,
        amount=amount,
        currency=currency,
        packages=packages,
        confirm_url=confirm_url,
        cancel_url=cancel_url,
        locale=locale if isinstance(locale, str) else "ja",
        payment_access_token=f"{sandbox.rng.randrange(10**12):012d}",
        created_at=sandbox.clock(),
    )
    sandbox.add(tx)
    web = f"{str(request.base_url).rstrip('/')}/linepay/pay/{tx.transaction_id}"
    return success(
        {
            "paymentUrl": {"web": web, "app": f"line://pay/payment/{tx.transaction_id}"},
            "transactionId": int(tx.transaction_id),
            "paymentAccessToken": tx.payment_access_token,
        }
    )


def confirm_op(sandbox: LinePaySandbox, request: Request, raw: bytes) -> JsonObject:
    sandbox.stats.confirms += 1
    tx = _known(sandbox, request)
    tx.confirm_calls += 1
    body = json_object(raw)
    amount = number(body.get("amount"), "amount")
    currency = body.get("currency")
    if not isinstance(currency, str):
        raise Answer("2101", "[currency] must be specified.")
    match tx.state:
        case TxState.WAITING:
            raise Answer("1169")
        case TxState.CAPTURED | TxState.REFUNDED:
            raise Answer("1172")
        case TxState.EXPIRED:
            raise Answer("1180")
        case TxState.CANCELLED | TxState.FAILED:
            raise Answer("1179")
    if amount != tx.amount or currency != tx.currency:
        raise Answer("1153", f"Requested {tx.amount} {tx.currency}, confirmed {amount} {currency}.")
    tx.state, tx.captured = TxState.CAPTURED, iso_now()
    tx.captures += 1
    sandbox.stats.captures += 1
    return success(
        {
            "orderId": tx.order_id,
            "transactionId": int(tx.transaction_id),
            "payInfo": [{"method": "BALANCE", "amount": tx.amount}],
            "packages": tx.packages,
        }
    )


def refund_op(sandbox: LinePaySandbox, request: Request, raw: bytes) -> JsonObject:
    tx = _known(sandbox, request)
    body = json_object(raw, allow_empty=True)
    if tx.state is TxState.REFUNDED:
        raise Answer("1165")
    if tx.state is not TxState.CAPTURED:
        raise Answer("1155", f"The transaction is {tx.state.value}.")
    remaining = tx.amount - tx.refunded_amount
    amount = remaining if body.get("refundAmount") is None else number(body["refundAmount"], "refundAmount")
    if amount <= 0:
        raise Answer("2101", "[refundAmount] must be greater than 0.")
    if amount > remaining:
        raise Answer("1164", f"{remaining} can still be refunded.")
    refund = Refund(sandbox.new_id(), amount, iso_now())
    tx.refunds.append(refund)
    if tx.refunded_amount == tx.amount:
        tx.state = TxState.REFUNDED
    sandbox.stats.refunds += 1
    return success({"refundTransactionId": int(refund.refund_transaction_id), "refundTransactionDate": refund.date})


def check_op(sandbox: LinePaySandbox, request: Request, raw: bytes) -> JsonObject:
    sandbox.stats.checks += 1
    tx = _known(sandbox, request)
    code, message = CHECK_CODES[tx.state]
    return {"returnCode": code, "returnMessage": message}


def details_op(sandbox: LinePaySandbox, request: Request, raw: bytes) -> JsonObject:
    sandbox.stats.details += 1
    ids = request.query_params.getlist("transactionId")
    orders = request.query_params.getlist("orderId")
    if not ids and not orders:
        raise Answer("2101", "[transactionId] or [orderId] must be specified.")
    found = [sandbox.get(t) for t in ids] + [sandbox.get(sandbox.order_ids.get(o, "")) for o in orders]
    entries = [
        tx.details()
        for tx in {t.transaction_id: t for t in found if t is not None}.values()
        if tx.state in (TxState.CAPTURED, TxState.REFUNDED)
    ]
    if not entries:
        raise Answer("1150")
    return success(entries)
