"""LINE Pay online API v3 adapter of the payment port.

Endpoints used (all signed, see payments.signature):

- POST /v3/payments/request                      -> request()
- POST /v3/payments/{transactionId}/confirm      -> confirm()
- POST /v3/payments/{transactionId}/refund       -> refund()
- GET  /v3/payments/requests/{transactionId}/check -> status()
- GET  /v3/payments?transactionId=...            (payment details: captured amount, refunds)

What LINE Pay answers (return codes, transaction ids, amounts) is read by payments.linepay_answers.

Transport: timeouts and network errors -> PaymentUnavailable("timeout" | "network"); HTTP 5xx and 429 ->
PaymentUnavailable("http_<status>"); any other non-200 status, a body that is not a JSON object, a missing
returnCode or missing success fields -> PaymentProtocolError.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx

from payments.linepay_answers import (
    ALREADY_CONFIRMED_CODES,
    ALREADY_REFUNDED,
    CHECK_STATES,
    DUPLICATE_ORDER,
    NOT_FOUND_CODES,
    SUCCESS,
    TRANSACTION_ID_RE,
    Answer,
    error_for,
    excerpt,
    parse_amount,
    parse_transaction_id,
    refund_list,
)
from payments.port import (
    ConfirmedPayment,
    PaymentDeclined,
    PaymentDuplicateOrder,
    PaymentNotApproved,
    PaymentProtocolError,
    PaymentRequest,
    PaymentState,
    PaymentUnavailable,
    RefundedPayment,
    RequestedPayment,
)
from payments.signature import sign

# LINE Pay asks for read timeouts of at least 20 s (request, check) and 40 s (confirm, refund).
REQUEST_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=5.0)
CHECK_TIMEOUT = REQUEST_TIMEOUT
CAPTURE_TIMEOUT = httpx.Timeout(connect=5.0, read=45.0, write=20.0, pool=5.0)

# LINE Pay payment page languages (options.display.locale).
LOCALES = frozenset({"en", "ja", "ko", "th", "zh_TW", "zh_CN"})


def _validate(req: PaymentRequest) -> None:
    problems: list[str] = []
    if not req.order_id or len(req.order_id) > 100:
        problems.append("order_id must have 1 to 100 characters")
    if not req.items:
        problems.append("at least one item is needed")
    if any(item.quantity < 1 or item.unit_price < 0 or not item.name for item in req.items):
        problems.append("items need a name, a quantity >= 1 and a unit price >= 0")
    if req.amount <= 0 or req.amount != sum(item.quantity * item.unit_price for item in req.items):
        problems.append(f"amount {req.amount} must be positive and the sum of the items")
    if not req.confirm_url or not req.cancel_url:
        problems.append("confirm_url and cancel_url are needed")
    if problems:
        raise PaymentDeclined("invalid_request", "; ".join(problems))


class LinePayProvider:
    """LINE Pay online API v3. `base_url`: https://api-pay.line.me, or the emulator's sandbox in development.

    The http client is the caller's (one per process); pass owns_client=True to have `aclose()` close it.
    """

    name = "linepay"

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        channel_id: str,
        channel_secret: str,
        *,
        owns_client: bool = False,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._channel_id = channel_id
        self._channel_secret = channel_secret
        self._owns_client = owns_client

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()

    # the port
    async def request(self, req: PaymentRequest) -> RequestedPayment:
        _validate(req)
        package_name = ", ".join(item.name for item in req.items)[:100]
        body: dict[str, Any] = {
            "amount": req.amount,
            "currency": req.currency,
            "orderId": req.order_id,
            "packages": [
                {
                    "id": "fees",
                    "amount": req.amount,
                    "name": package_name,
                    "products": [
                        {"name": item.name, "quantity": item.quantity, "price": item.unit_price} for item in req.items
                    ],
                }
            ],
            "redirectUrls": {"confirmUrl": req.confirm_url, "cancelUrl": req.cancel_url},
        }
        if req.language in LOCALES:
            body["options"] = {"display": {"locale": req.language}}
        answer = await self._call("POST", "/v3/payments/request", body=body, timeout=REQUEST_TIMEOUT)
        if answer.code == DUPLICATE_ORDER:
            raise PaymentDuplicateOrder(answer.code, f"LINE Pay {answer.code}: {answer.message} ({req.order_id})")
        if answer.code != SUCCESS:
            raise error_for(answer.code, answer.message)
        info = answer.info()
        transaction_id = parse_transaction_id(info.get("transactionId"), "info.transactionId")
        payment_url = info.get("paymentUrl")
        web = payment_url.get("web") if isinstance(payment_url, dict) else None
        if not isinstance(web, str) or not web:
            raise PaymentProtocolError("bad_response", "request answer without info.paymentUrl.web")
        return RequestedPayment(transaction_id=transaction_id, payment_url=web)

    async def confirm(self, transaction_id: str, amount: int, currency: str) -> ConfirmedPayment:
        tid = self._checked(transaction_id)
        answer = await self._call(
            "POST",
            f"/v3/payments/{tid}/confirm",
            body={"amount": amount, "currency": currency},
            timeout=CAPTURE_TIMEOUT,
        )
        if answer.code == SUCCESS:
            returned = answer.info().get("transactionId")
            if returned is not None and parse_transaction_id(returned, "info.transactionId") != tid:
                raise PaymentProtocolError("bad_response", f"confirm of {tid} answered for transaction {returned}")
            return ConfirmedPayment(transaction_id=tid, amount=amount, already=False)
        if answer.code not in ALREADY_CONFIRMED_CODES:
            raise error_for(answer.code, answer.message)
        # Maybe confirmed before (a retry after a timeout): believe it only if LINE Pay's status says so.
        state, paid = await self._state(tid)
        if state is PaymentState.CAPTURED:
            if paid is not None and paid != amount:
                raise PaymentDeclined("1153", f"transaction {tid} was captured with {paid}, not {amount}")
            return ConfirmedPayment(transaction_id=tid, amount=amount, already=True)
        if state is PaymentState.AUTHORIZED:
            raise PaymentUnavailable(answer.code, f"LINE Pay {answer.code}: {answer.message} (still authorized)")
        if state is PaymentState.REFUNDED:
            raise PaymentDeclined(answer.code, f"LINE Pay {answer.code}: transaction {tid} was captured and refunded")
        if state is PaymentState.WAITING:
            raise PaymentNotApproved(answer.code, f"LINE Pay {answer.code}: {answer.message} (not approved yet)")
        raise error_for(answer.code, f"{answer.message} (status {state.value})")

    async def refund(self, transaction_id: str, amount: int | None = None) -> RefundedPayment:
        tid = self._checked(transaction_id)
        if amount is not None and amount <= 0:
            raise PaymentDeclined("invalid_request", f"refund amount {amount} must be positive")
        body: dict[str, Any] = {} if amount is None else {"refundAmount": amount}
        answer = await self._call("POST", f"/v3/payments/{tid}/refund", body=body, timeout=CAPTURE_TIMEOUT)
        if answer.code == SUCCESS:
            refund_id = parse_transaction_id(answer.info().get("refundTransactionId"), "info.refundTransactionId")
            if amount is None:
                # The answer has no amount: read it from the details. (If that fails, the refund is done anyway;
                # the retry answers 1165 and comes back as already=True.)
                refunds = await self._refunds(tid)
                amount = refunds.get(refund_id, sum(refunds.values()))
            return RefundedPayment(transaction_id=tid, refund_transaction_id=refund_id, amount=amount, already=False)
        if answer.code == ALREADY_REFUNDED:
            refunds = await self._refunds(tid)
            if not refunds:
                raise PaymentProtocolError("bad_response", f"LINE Pay 1165 for {tid}, but its details list no refund")
            last = list(refunds)[-1]
            return RefundedPayment(
                transaction_id=tid, refund_transaction_id=last, amount=sum(refunds.values()), already=True
            )
        raise error_for(answer.code, answer.message)

    async def status(self, transaction_id: str) -> PaymentState:
        if not TRANSACTION_ID_RE.fullmatch(transaction_id):
            return PaymentState.UNKNOWN
        state, _ = await self._state(transaction_id)
        return state

    # helpers
    def _checked(self, transaction_id: str) -> str:
        if not isinstance(transaction_id, str) or not TRANSACTION_ID_RE.fullmatch(transaction_id):
            raise PaymentDeclined("invalid_transaction_id", f"not a LINE Pay transaction id: {transaction_id!r}")
        return transaction_id

    async def _state(self, tid: str) -> tuple[PaymentState, int | None]:
        """The check API's state, refined with the payment details for completed payments (captured amount,
        REFUNDED when the whole amount went back)."""
        answer = await self._call("GET", f"/v3/payments/requests/{tid}/check", timeout=CHECK_TIMEOUT)
        if answer.code in NOT_FOUND_CODES:
            return PaymentState.UNKNOWN, None
        state = CHECK_STATES.get(answer.code)
        if state is None:
            raise error_for(answer.code, answer.message)
        if state is not PaymentState.CAPTURED:
            return state, None
        details = await self._details(tid)
        if details is None:
            return PaymentState.CAPTURED, None
        pay_info = details.get("payInfo")
        paid = (
            sum(parse_amount(p.get("amount") if isinstance(p, dict) else None, "payInfo.amount") for p in pay_info)
            if isinstance(pay_info, list) and pay_info
            else None
        )
        refunded = sum(refund_list(details).values())
        if paid is not None and refunded >= paid > 0:
            return PaymentState.REFUNDED, paid
        return PaymentState.CAPTURED, paid

    async def _details(self, tid: str) -> dict[str, Any] | None:
        """The payment-details entry of the payment `tid`, or None if LINE Pay has none."""
        query = urlencode({"transactionId": tid})
        answer = await self._call("GET", "/v3/payments", query=query, timeout=CHECK_TIMEOUT)
        if answer.code in NOT_FOUND_CODES:
            return None
        if answer.code != SUCCESS:
            raise error_for(answer.code, answer.message)
        entries = answer.body.get("info")
        if not isinstance(entries, list):
            raise PaymentProtocolError("bad_response", "payment details answer without an info list")
        for entry in entries:
            if (
                isinstance(entry, dict)
                and parse_transaction_id(entry.get("transactionId"), "info[].transactionId") == tid
            ):
                return entry
        return None

    async def _refunds(self, tid: str) -> dict[str, int]:
        details = await self._details(tid)
        return {} if details is None else refund_list(details)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: str = "",
        timeout: httpx.Timeout,
    ) -> Answer:
        """One signed call; returns the parsed answer, or raises PaymentUnavailable / PaymentProtocolError."""
        nonce = str(uuid.uuid4())
        content: bytes | None = None
        if method == "POST":
            payload = json.dumps(body or {}, ensure_ascii=False, separators=(",", ":"))
            content = payload.encode("utf-8")
            signature = sign(self._channel_secret, path, payload, nonce)
        else:
            signature = sign(self._channel_secret, path, query, nonce)
        headers = {
            "Content-Type": "application/json",
            "X-LINE-ChannelId": self._channel_id,
            "X-LINE-Authorization-Nonce": nonce,
            "X-LINE-Authorization": signature,
        }
        url = f"{self._base_url}{path}" + (f"?{query}" if query else "")
        try:
            response = await self._http.request(method, url, content=content, headers=headers, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise PaymentUnavailable("timeout", f"LINE Pay {method} {path}: {type(exc).__name__}") from exc
        except httpx.RequestError as exc:
            raise PaymentUnavailable("network", f"LINE Pay {method} {path}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status >= 500 or status == 429:
            raise PaymentUnavailable(f"http_{status}", f"LINE Pay {method} {path}: HTTP {status}")
        if status != 200:
            raise PaymentProtocolError(
                f"http_{status}", f"LINE Pay {method} {path}: HTTP {status}: {excerpt(response.content)}"
            )
        try:
            parsed = json.loads(response.content)
        except ValueError:
            raise PaymentProtocolError(
                "bad_response", f"LINE Pay {method} {path}: not JSON: {excerpt(response.content)}"
            ) from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("returnCode"), str):
            raise PaymentProtocolError(
                "bad_response", f"LINE Pay {method} {path}: no returnCode: {excerpt(response.content)}"
            )
        message = parsed.get("returnMessage")
        return Answer(code=parsed["returnCode"], message=message if isinstance(message, str) else "", body=parsed)
