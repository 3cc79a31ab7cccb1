"""The LINE Pay sandbox's payment API: the signed-header check, faults, then the operation.

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
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from fastapi import APIRouter, Request, Response

from line_emulator.linepay.codes import MESSAGES, Answer
from line_emulator.linepay.operations import (
    Operation,
    check_op,
    confirm_op,
    details_op,
    refund_op,
    request_op,
)
from line_emulator.linepay.sandbox import LinePaySandbox, get_sandbox
from line_emulator.payments_common import Fault, json_response


def authenticate(sandbox: LinePaySandbox, request: Request, payload: bytes) -> Answer | None:
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
    if channel_id != sandbox.channel_id:
        return Answer("1106", "Unknown X-LINE-ChannelId.")
    secret = sandbox.channel_secret.encode("utf-8")
    message = secret + request.url.path.encode("utf-8") + payload + nonce.encode("utf-8")
    expected = base64.b64encode(hmac.new(secret, message, hashlib.sha256).digest()).decode("ascii")
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        return Answer("1106", "Invalid X-LINE-Authorization.")
    if not sandbox.nonces.use(nonce):
        return Answer("1106", "The X-LINE-Authorization-Nonce was used before.")
    return None


def fault_response(fault: Fault) -> Response:
    if fault.code is not None:
        return json_response({"returnCode": fault.code, "returnMessage": MESSAGES.get(fault.code, "-")})
    return fault.error_page("LINE Pay sandbox")


async def serve(request: Request, endpoint: str, operation: Operation) -> Response:
    """Faults, authentication, then the operation; every answer HTTP 200 + returnCode (but injected statuses)."""
    sandbox = get_sandbox(request)
    fault = await sandbox.draw_fault(endpoint)
    if fault is not None and not fault.after_commit:
        return fault_response(fault)
    raw = await request.body()
    payload = raw if request.method == "POST" else request.scope.get("query_string", b"")
    refused = authenticate(sandbox, request, payload)
    if refused is not None:
        sandbox.stats.header_errors += 1
        return json_response(refused.body())
    try:
        body = operation(sandbox, request, raw)
    except Answer as answer:
        body = answer.body()
    if fault is not None:
        return fault_response(fault)
    return json_response(body)


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
