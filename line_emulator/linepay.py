"""A LINE Pay online API v3 sandbox inside the emulator: the payment API, the resident's payment page, a driver.

Payment API (signed like LINE Pay: X-LINE-ChannelId, X-LINE-Authorization-Nonce, X-LINE-Authorization =
Base64(HMAC-SHA256(secret, secret + path + body-or-query + nonce))); every answer is HTTP 200 with a returnCode:

- POST /v3/payments/request                         0000 | 2101 2102 1124 1172 1178 1183
- POST /v3/payments/{transactionId}/confirm         0000 | 1150 1153 1169 (waiting) 1172 (captured/refunded
                                                    before) 1179 (cancelled/failed) 1180 (expired)
- POST /v3/payments/{transactionId}/refund          0000 | 1150 1155 (not captured) 1164 1165 (refunded before)
- GET  /v3/payments/requests/{transactionId}/check  0000 waiting, 0110 authorized, 0121 cancelled/expired,
                                                    0122 failed, 0123 captured (and refunded: like LINE Pay,
                                                    the check API does not tell refunds) | 1150
- GET  /v3/payments?transactionId=...&orderId=...   payment details of captured/refunded payments (refundList)
A bad or missing header, a wrong signature or a reused nonce -> 1106 "Header information error. ...".

Transaction ids are 19-digit numbers written as JSON numbers (like LINE Pay: too large for a JavaScript double);
they are always odd, so a float round trip always changes them and precision loss cannot go unnoticed.

Resident's page: GET /linepay/pay/{transactionId} (amount, items, "Pay" and "Cancel" forms); POST .../approve ->
authorized, 303 to confirmUrl?transactionId=&orderId=; POST .../cancel -> cancelled, 303 to cancelUrl (same).
Requests not approved within `expire_after` (20 minutes by default) expire.

Driver (tests): see the /_emulator/linepay routes below.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field, field_validator

from config import Settings
from line_emulator.deps import LineApiError
from line_emulator.state import JsonObject

MAX_TRANSACTIONS = 10_000
MAX_NONCES = 10_000
DEFAULT_EXPIRE_AFTER_SECONDS = 20 * 60
CURRENCIES = frozenset({"JPY", "USD", "TWD", "THB"})
ENDPOINTS = ("request", "confirm", "refund", "check", "details")
REDIRECT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
MESSAGES = {
    "0000": "Success.",
    "0110": "Authorization completed.",
    "0121": "Payment canceled by user or timeout.",
    "0122": "Payment failed.",
    "0123": "Payment completed.",
    "1106": "Header information error.",
    "1124": "Amount info error.",
    "1150": "Transaction record not found.",
    "1153": "The payment amount is different than the requested amount.",
    "1155": "Transaction number of a transaction type that cannot be refunded.",
    "1164": "Exceeded refundable amount.",
    "1165": "Transaction already refunded.",
    "1169": "Payment information is not available. Must select a payment method and authorize at LINE Pay.",
    "1172": "Existing same orderId.",
    "1178": "The currency is not supported by the merchant.",
    "1179": "Unable to proceed the transaction.",
    "1180": "The payment has expired.",
    "1183": "The payment amount should be greater than 0.",
    "1198": "Processing the request.",
    "1199": "Internal request error.",
    "2101": "Parameter error.",
    "2102": "JSON data format error.",
    "9000": "Internal error.",
}


class TxState(StrEnum):
    WAITING = "waiting"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUNDED = "refunded"


CHECK_CODES = {
    TxState.WAITING: ("0000", "reserved transaction."),
    TxState.AUTHORIZED: ("0110", MESSAGES["0110"]),
    TxState.CANCELLED: ("0121", MESSAGES["0121"]),
    TxState.EXPIRED: ("0121", MESSAGES["0121"]),
    TxState.FAILED: ("0122", MESSAGES["0122"]),
    TxState.CAPTURED: ("0123", MESSAGES["0123"]),
    TxState.REFUNDED: ("0123", MESSAGES["0123"]),
}


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Answer(Exception):
    """A LINE Pay answer other than success, raised from deep inside a handler."""

    def __init__(self, code: str, detail: str = "") -> None:
        message = MESSAGES.get(code, "-")
        super().__init__(f"{message} {detail}".strip())
        self.code, self.message = code, f"{message} {detail}".strip()

    def body(self) -> JsonObject:
        return {"returnCode": self.code, "returnMessage": self.message}


@dataclass
class Refund:
    refund_transaction_id: str
    amount: int
    date: str


@dataclass
class Transaction:
    transaction_id: str
    order_id: str
    amount: int
    currency: str
    packages: list[JsonObject]
    confirm_url: str
    cancel_url: str
    locale: str
    payment_access_token: str
    created_at: float  # sandbox clock, for expiry
    created: str = field(default_factory=iso_now)
    state: TxState = TxState.WAITING
    confirm_calls: int = 0
    captures: int = 0
    captured: str | None = None
    refunds: list[Refund] = field(default_factory=list)

    @property
    def refunded_amount(self) -> int:
        return sum(r.amount for r in self.refunds)

    def items(self) -> list[JsonObject]:
        return [p for package in self.packages for p in package.get("products", [])]

    def as_dict(self) -> JsonObject:
        return {
            "transactionId": self.transaction_id,
            "orderId": self.order_id,
            "state": self.state.value,
            "amount": self.amount,
            "currency": self.currency,
            "confirmCalls": self.confirm_calls,
            "captures": self.captures,
            "refundedAmount": self.refunded_amount,
            "refunds": [
                {"refundTransactionId": r.refund_transaction_id, "amount": r.amount, "date": r.date}
                for r in self.refunds
            ],
            "confirmUrl": self.confirm_url,
            "cancelUrl": self.cancel_url,
            "items": self.items(),
            "created": self.created,
        }

    def details(self) -> JsonObject:
        """The payment-details entry, LINE Pay style (ids as JSON numbers, refund amounts negative)."""
        entry: JsonObject = {
            "transactionId": int(self.transaction_id),
            "transactionDate": self.captured or self.created,
            "transactionType": "PAYMENT",
            "payInfo": [{"method": "BALANCE", "amount": self.amount}],
            "productName": ", ".join(str(p.get("name", "")) for p in self.packages),
            "currency": self.currency,
            "orderId": self.order_id,
        }
        if self.refunds:
            entry["refundList"] = [
                {
                    "refundTransactionId": int(r.refund_transaction_id),
                    "transactionType": "PAYMENT_REFUND" if r.amount == self.amount else "PARTIAL_REFUND",
                    "refundAmount": -r.amount,
                    "refundTransactionDate": r.date,
                }
                for r in self.refunds
            ]
        return entry


@dataclass
class PayFaults:
    """Injected failures. `statuses` answer that HTTP status; `return_codes` (if any) answer HTTP 200 with one of
    those codes instead. `after_commit`: the operation is applied first, then the fault is answered (e.g. captured,
    then 500: the "timeout after confirm" case). `count`: how many faults are left (None: no limit). Latency applies
    to every call of the chosen endpoints."""

    rate: float = 0.0
    statuses: list[int] = field(default_factory=lambda: [500, 503])
    return_codes: list[str] = field(default_factory=list)
    latency_ms: int = 0
    endpoints: list[str] = field(default_factory=lambda: list(ENDPOINTS))
    after_commit: bool = False
    count: int | None = None

    def as_dict(self) -> JsonObject:
        return {
            "rate": self.rate,
            "statuses": list(self.statuses),
            "return_codes": list(self.return_codes),
            "latency_ms": self.latency_ms,
            "endpoints": list(self.endpoints),
            "after_commit": self.after_commit,
            "count": self.count,
        }


@dataclass
class PayStats:
    requests: int = 0
    confirms: int = 0
    captures: int = 0
    refunds: int = 0
    checks: int = 0
    details: int = 0
    header_errors: int = 0
    faults: int = 0

    def as_dict(self) -> JsonObject:
        return dict(self.__dict__)


@dataclass
class Fault:
    status: int | None
    code: str | None
    after_commit: bool

    def response(self) -> Response:
        if self.code is not None:
            return _json({"returnCode": self.code, "returnMessage": MESSAGES.get(self.code, "-")})
        status = self.status or 500
        page = f"<html><body><h1>{status} Error</h1><p>LINE Pay sandbox: injected fault</p></body></html>"
        return HTMLResponse(page, status_code=status)


class LinePaySandbox:
    """All the sandbox remembers (in memory, bounded). Only touched from the event loop."""

    def __init__(
        self,
        channel_id: str,
        channel_secret: str,
        *,
        expire_after: float = DEFAULT_EXPIRE_AFTER_SECONDS,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel_id = channel_id
        self.channel_secret = channel_secret
        self.expire_after = expire_after
        self.rng = rng or random.Random()
        self.clock = clock
        # The resident's browser for driver-made redirects (tests may put an httpx.MockTransport here).
        self.redirect_transport: httpx.AsyncBaseTransport | None = None
        self.transactions: dict[str, Transaction] = {}
        self.order_ids: dict[str, str] = {}
        self.nonces: dict[str, None] = {}
        self.faults = PayFaults()
        self.stats = PayStats()
        self._sequence = itertools.count(self.rng.randrange(10**9))

    @classmethod
    def from_settings(cls, settings: Settings, *, rng: random.Random | None = None) -> LinePaySandbox:
        return cls(settings.linepay_channel_id, settings.linepay_channel_secret, rng=rng)

    def reset(self) -> None:
        self.transactions.clear()
        self.order_ids.clear()
        self.nonces.clear()
        self.faults = PayFaults()
        self.stats = PayStats()

    def new_id(self) -> str:
        """19 digits: date, a 10-digit sequence, an odd last digit."""
        return f"{datetime.now(UTC):%Y%m%d}{next(self._sequence) % 10**10:010d}{self.rng.choice('13579')}"

    def add(self, tx: Transaction) -> None:
        self.transactions[tx.transaction_id] = tx
        self.order_ids[tx.order_id] = tx.transaction_id
        while len(self.transactions) > MAX_TRANSACTIONS:
            oldest = self.transactions.pop(next(iter(self.transactions)))
            self.order_ids.pop(oldest.order_id, None)

    def get(self, transaction_id: str) -> Transaction | None:
        """The transaction, expired first if its time is up."""
        tx = self.transactions.get(transaction_id)
        if (
            tx is not None
            and tx.state in (TxState.WAITING, TxState.AUTHORIZED)
            and self.clock() - tx.created_at > self.expire_after
        ):
            tx.state = TxState.EXPIRED
        return tx

    def authenticate(self, request: Request, payload: bytes) -> Answer | None:
        """None if the headers are right; else the 1106 answer LINE Pay gives."""
        headers = request.headers
        channel_id = headers.get("x-line-channelid")
        nonce = headers.get("x-line-authorization-nonce")
        signature = headers.get("x-line-authorization")
        if not channel_id or not nonce or not signature:
            missing = [
                name
                for name, value in (
                    ("X-LINE-ChannelId", channel_id),
                    ("X-LINE-Authorization-Nonce", nonce),
                    ("X-LINE-Authorization", signature),
                )
                if not value
            ]
            return Answer("1106", f"Missing {', '.join(missing)}.")
        if channel_id != self.channel_id:
            return Answer("1106", "Unknown X-LINE-ChannelId.")
        secret = self.channel_secret.encode("utf-8")
        message = secret + request.url.path.encode("utf-8") + payload + nonce.encode("utf-8")
        expected = base64.b64encode(hmac.new(secret, message, hashlib.sha256).digest()).decode("ascii")
        if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
            return Answer("1106", "Invalid X-LINE-Authorization.")
        if nonce in self.nonces:
            return Answer("1106", "The X-LINE-Authorization-Nonce was used before.")
        self.nonces[nonce] = None
        while len(self.nonces) > MAX_NONCES:
            del self.nonces[next(iter(self.nonces))]
        return None

    async def draw_fault(self, endpoint: str) -> Fault | None:
        faults = self.faults
        if endpoint not in faults.endpoints:
            return None
        if faults.latency_ms > 0:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.rate <= 0 or faults.count == 0 or self.rng.random() >= faults.rate:
            return None
        if faults.count is not None:
            faults.count -= 1
        self.stats.faults += 1
        if faults.return_codes:
            return Fault(None, self.rng.choice(faults.return_codes), faults.after_commit)
        return Fault(self.rng.choice(faults.statuses or [500]), None, faults.after_commit)


def get_sandbox(request: Request) -> LinePaySandbox:
    sandbox: LinePaySandbox = request.app.state.linepay
    return sandbox


def _json(body: JsonObject) -> Response:
    # json.dumps writes Python ints exactly: 19-digit ids stay numbers, like LINE Pay's.
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


def _success(info: Any = None) -> JsonObject:
    body: JsonObject = {"returnCode": "0000", "returnMessage": MESSAGES["0000"]}
    if info is not None:
        body["info"] = info
    return body


Operation = Callable[[LinePaySandbox, Request, bytes], JsonObject]


async def serve(request: Request, endpoint: str, operation: Operation) -> Response:
    """Faults, authentication, then the operation; every answer HTTP 200 + returnCode (but injected statuses)."""
    sandbox = get_sandbox(request)
    fault = await sandbox.draw_fault(endpoint)
    if fault is not None and not fault.after_commit:
        return fault.response()
    raw = await request.body()
    payload = raw if request.method == "POST" else request.scope.get("query_string", b"")
    refused = sandbox.authenticate(request, payload)
    if refused is not None:
        sandbox.stats.header_errors += 1
        return _json(refused.body())
    try:
        body = operation(sandbox, request, raw)
    except Answer as answer:
        body = answer.body()
    if fault is not None:
        return fault.response()
    return _json(body)


# validation
def _json_object(raw: bytes, *, allow_empty: bool = False) -> JsonObject:
    if allow_empty and not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise Answer("2102") from None
    if not isinstance(body, dict):
        raise Answer("2102", "The body must be a JSON object.")
    return body


def _number(value: Any, name: str) -> int:
    """An amount: LINE Pay takes numbers; the sandbox knows only integral ones (JPY has no decimals)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Answer("2101", f"[{name}] must be a number.")
    if isinstance(value, float):
        if not value.is_integer():
            raise Answer("1124", f"[{name}] {value} has decimals.")
        return int(value)
    return int(value)


def _text(value: Any, name: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise Answer("2101", f"[{name}] must be a string of 1 to {max_length} characters.")
    return value


def _url(value: Any, name: str) -> str:
    url = _text(value, name, 1000)
    if urlsplit(url).scheme not in ("http", "https"):
        raise Answer("2101", f"[{name}] must be an http(s) URL.")
    return url


def _packages(value: Any) -> list[JsonObject]:
    if not isinstance(value, list) or not value:
        raise Answer("2101", "[packages] must be a non-empty list.")
    packages: list[JsonObject] = []
    for i, package in enumerate(value):
        if not isinstance(package, dict):
            raise Answer("2101", f"[packages[{i}]] must be an object.")
        products = package.get("products")
        if not isinstance(products, list) or not products:
            raise Answer("2101", f"[packages[{i}].products] must be a non-empty list.")
        checked: list[JsonObject] = []
        total = 0
        for j, product in enumerate(products):
            where = f"packages[{i}].products[{j}]"
            if not isinstance(product, dict):
                raise Answer("2101", f"[{where}] must be an object.")
            quantity = _number(product.get("quantity"), f"{where}.quantity")
            price = _number(product.get("price"), f"{where}.price")
            if quantity < 1 or price < 0:
                raise Answer("2101", f"[{where}] needs quantity >= 1 and price >= 0.")
            total += quantity * price
            checked.append(
                {"name": _text(product.get("name"), f"{where}.name", 4000), "quantity": quantity, "price": price}
            )
        amount = _number(package.get("amount"), f"packages[{i}].amount")
        if amount != total:
            raise Answer("1124", f"[packages[{i}].amount] {amount} is not the sum of its products.")
        entry: JsonObject = {"id": _text(package.get("id"), f"packages[{i}].id", 50), "amount": amount}
        if package.get("name") is not None:
            entry["name"] = _text(package.get("name"), f"packages[{i}].name", 100)
        entry["products"] = checked
        packages.append(entry)
    return packages


def _known(sandbox: LinePaySandbox, request: Request) -> Transaction:
    transaction_id = str(request.path_params["transaction_id"])
    tx = sandbox.get(transaction_id) if transaction_id.isdigit() else None
    if tx is None:
        raise Answer("1150")
    return tx


# the payment API
def request_op(sandbox: LinePaySandbox, request: Request, raw: bytes) -> JsonObject:
    sandbox.stats.requests += 1
    body = _json_object(raw)
    amount = _number(body.get("amount"), "amount")
    currency = body.get("currency")
    if not isinstance(currency, str):
        raise Answer("2101", "[currency] must be specified.")
    if currency not in CURRENCIES:
        raise Answer("1178")
    if amount <= 0:
        raise Answer("1183")
    order_id = _text(body.get("orderId"), "orderId", 100)
    packages = _packages(body.get("packages"))
    if amount != sum(p["amount"] for p in packages):
        raise Answer("1124", f"[amount] {amount} is not the sum of the packages.")
    redirects = body.get("redirectUrls")
    if not isinstance(redirects, dict):
        raise Answer("2101", "[redirectUrls] must be specified.")
    confirm_url = _url(redirects.get("confirmUrl"), "redirectUrls.confirmUrl")
    cancel_url = _url(redirects.get("cancelUrl"), "redirectUrls.cancelUrl")
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
    return _success(
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
    body = _json_object(raw)
    amount = _number(body.get("amount"), "amount")
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
    return _success(
        {
            "orderId": tx.order_id,
            "transactionId": int(tx.transaction_id),
            "payInfo": [{"method": "BALANCE", "amount": tx.amount}],
            "packages": tx.packages,
        }
    )


def refund_op(sandbox: LinePaySandbox, request: Request, raw: bytes) -> JsonObject:
    tx = _known(sandbox, request)
    body = _json_object(raw, allow_empty=True)
    if tx.state is TxState.REFUNDED:
        raise Answer("1165")
    if tx.state is not TxState.CAPTURED:
        raise Answer("1155", f"The transaction is {tx.state.value}.")
    remaining = tx.amount - tx.refunded_amount
    amount = remaining if body.get("refundAmount") is None else _number(body["refundAmount"], "refundAmount")
    if amount <= 0:
        raise Answer("2101", "[refundAmount] must be greater than 0.")
    if amount > remaining:
        raise Answer("1164", f"{remaining} can still be refunded.")
    refund = Refund(sandbox.new_id(), amount, iso_now())
    tx.refunds.append(refund)
    if tx.refunded_amount == tx.amount:
        tx.state = TxState.REFUNDED
    sandbox.stats.refunds += 1
    return _success({"refundTransactionId": int(refund.refund_transaction_id), "refundTransactionDate": refund.date})


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
    return _success(entries)


router = APIRouter()


@router.post("/v3/payments/request")
async def payment_request(request: Request) -> Response:
    return await serve(request, "request", request_op)


@router.post("/v3/payments/{transaction_id}/confirm")
async def payment_confirm(request: Request, transaction_id: str) -> Response:
    return await serve(request, "confirm", confirm_op)


@router.post("/v3/payments/{transaction_id}/refund")
async def payment_refund(request: Request, transaction_id: str) -> Response:
    return await serve(request, "refund", refund_op)


@router.get("/v3/payments/requests/{transaction_id}/check")
async def payment_check(request: Request, transaction_id: str) -> Response:
    return await serve(request, "check", check_op)


@router.get("/v3/payments")
async def payment_details(request: Request) -> Response:
    return await serve(request, "details", details_op)


# the resident's payment page
def price(amount: int, currency: str) -> str:
    return {"JPY": f"¥{amount:,}", "USD": f"${amount:,}"}.get(currency, f"{amount:,} {currency}")


def with_params(url: str, tx: Transaction) -> str:
    """The redirect target: the merchant's URL with transactionId and orderId appended."""
    params = urlencode({"transactionId": tx.transaction_id, "orderId": tx.order_id})
    return f"{url}{'&' if '?' in url else '?'}{params}"


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>LINE Pay (sandbox)</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#111}}
.brand{{color:#06c755;font-weight:bold}} table{{width:100%;border-collapse:collapse}}
td{{padding:.4rem 0;border-bottom:1px solid #ddd}} td.n{{text-align:right}}
.total{{font-size:1.6rem;font-weight:bold}} form{{margin:.5rem 0}}
button{{width:100%;padding:.9rem;font-size:1rem;border:0;border-radius:.5rem;cursor:pointer}}
.pay{{background:#06c755;color:#fff}} .cancel{{background:#e8e8e8;color:#111}}
</style></head>
<body>
<p class="brand">LINE Pay <small>sandbox / テスト環境</small></p>
{content}
</body></html>
"""


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
    return HTMLResponse(PAGE.format(lang=lang, content=content), status_code=status)


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


# driver API
driver = APIRouter(prefix="/_emulator/linepay")


class ResidentActionIn(BaseModel):
    # False: only change the state; True: also follow the redirect like the resident's browser.
    redirect: bool = True


class PayFaultsIn(BaseModel):
    rate: float | None = Field(default=None, ge=0.0, le=1.0)
    statuses: list[int] | None = None
    return_codes: list[str] | None = None
    latency_ms: int | None = Field(default=None, ge=0, le=120_000)
    endpoints: list[str] | None = None
    after_commit: bool | None = None
    count: int | None = Field(default=None, ge=0)

    @field_validator("statuses")
    @classmethod
    def _error_statuses(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not 400 <= s <= 599 for s in value):
            raise ValueError("statuses must be HTTP error statuses (400-599)")
        return value

    @field_validator("endpoints")
    @classmethod
    def _known_endpoints(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(e not in ENDPOINTS for e in value):
            raise ValueError(f"endpoints must be among {', '.join(ENDPOINTS)}")
        return value

    @field_validator("return_codes")
    @classmethod
    def _codes(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(len(c) != 4 or not c.isdigit() for c in value):
            raise ValueError("return_codes must be 4-digit LINE Pay codes")
        return value


class ConfigIn(BaseModel):
    expire_after_seconds: float | None = Field(default=None, gt=0)


def _driver_tx(sandbox: LinePaySandbox, transaction_id: str) -> Transaction:
    tx = sandbox.get(transaction_id)
    if tx is None:
        raise LineApiError(404, {"message": f"Unknown transaction {transaction_id}"})
    return tx


async def _resident_action(
    sandbox: LinePaySandbox, transaction_id: str, body: ResidentActionIn | None, approve: bool
) -> JsonObject:
    tx = _driver_tx(sandbox, transaction_id)
    if tx.state is not TxState.WAITING:
        raise LineApiError(409, {"message": f"Transaction {transaction_id} is {tx.state.value}, not waiting"})
    tx.state = TxState.AUTHORIZED if approve else TxState.CANCELLED
    location = with_params(tx.confirm_url if approve else tx.cancel_url, tx)
    result: JsonObject = {
        "transactionId": tx.transaction_id,
        "orderId": tx.order_id,
        "state": tx.state.value,
        "location": location,
        "status": None,
    }
    if body is None or body.redirect:
        result.update(await _follow(sandbox, location))
    return result


async def _follow(sandbox: LinePaySandbox, location: str) -> JsonObject:
    """GET the merchant's page as the resident's browser would (one hop). status 0 + error if unreachable."""
    try:
        async with httpx.AsyncClient(
            transport=sandbox.redirect_transport, trust_env=False, timeout=REDIRECT_TIMEOUT, follow_redirects=False
        ) as client:
            response = await client.get(location)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return {"status": 0, "error": f"{type(exc).__name__}: {exc}"}
    return {"status": response.status_code, "redirect": response.headers.get("location")}


@driver.post("/{transaction_id}/approve")
async def drive_approve(request: Request, transaction_id: str, body: ResidentActionIn | None = None) -> JsonObject:
    """The resident presses "Pay": authorized, then their browser goes to confirmUrl (unless redirect=false)."""
    return await _resident_action(get_sandbox(request), transaction_id, body, approve=True)


@driver.post("/{transaction_id}/cancel")
async def drive_cancel(request: Request, transaction_id: str, body: ResidentActionIn | None = None) -> JsonObject:
    """The resident presses "Cancel": cancelled, then their browser goes to cancelUrl (unless redirect=false)."""
    return await _resident_action(get_sandbox(request), transaction_id, body, approve=False)


def _force(request: Request, transaction_id: str, state: TxState) -> JsonObject:
    tx = _driver_tx(get_sandbox(request), transaction_id)
    if tx.state not in (TxState.WAITING, TxState.AUTHORIZED):
        raise LineApiError(409, {"message": f"Transaction {transaction_id} is {tx.state.value}"})
    tx.state = state
    return tx.as_dict()


@driver.post("/{transaction_id}/expire")
async def drive_expire(request: Request, transaction_id: str) -> JsonObject:
    """Expire a waiting or authorized payment now (as after 20 minutes)."""
    return _force(request, transaction_id, TxState.EXPIRED)


@driver.post("/{transaction_id}/fail")
async def drive_fail(request: Request, transaction_id: str) -> JsonObject:
    """The payment fails at LINE Pay (check: 0122)."""
    return _force(request, transaction_id, TxState.FAILED)


@driver.get("/transactions")
async def list_transactions(request: Request) -> list[JsonObject]:
    sandbox = get_sandbox(request)
    return [tx.as_dict() for tx in (sandbox.get(t) for t in list(sandbox.transactions)) if tx is not None]


@driver.get("/transactions/{transaction_id}")
async def one_transaction(request: Request, transaction_id: str) -> JsonObject:
    return _driver_tx(get_sandbox(request), transaction_id).as_dict()


@driver.get("/faults")
async def get_faults(request: Request) -> JsonObject:
    return get_sandbox(request).faults.as_dict()


@driver.post("/faults")
async def set_faults(request: Request, body: PayFaultsIn) -> JsonObject:
    """Change only the fields given (count: null is "no limit" only when given explicitly)."""
    faults = get_sandbox(request).faults
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is not None or name == "count":
            setattr(faults, name, list(value) if isinstance(value, list) else value)
    return faults.as_dict()


@driver.get("/config")
async def get_config(request: Request) -> JsonObject:
    return {"expire_after_seconds": get_sandbox(request).expire_after}


@driver.post("/config")
async def set_config(request: Request, body: ConfigIn) -> JsonObject:
    sandbox = get_sandbox(request)
    if body.expire_after_seconds is not None:
        sandbox.expire_after = body.expire_after_seconds
    return {"expire_after_seconds": sandbox.expire_after}


@driver.get("/stats")
async def stats(request: Request) -> JsonObject:
    return get_sandbox(request).stats.as_dict()


@driver.post("/reset")
async def reset(request: Request) -> JsonObject:
    """Forget transactions, order ids and nonces; restore faults and stats."""
    get_sandbox(request).reset()
    return {"status": "ok"}


router.include_router(driver)

__all__ = ["LinePaySandbox", "router"]
