"""LINE Pay v3 request signatures: the formula, the adapter's headers, and the sandbox's refusals.

Expectations are computed here from the documented formula
Base64(HMAC-SHA256(secret, secret + path + (body | query) + nonce)), never with the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from config import Settings
from line_emulator.app import create_app
from payments.linepay import LinePayProvider
from payments.port import LineItem, PaymentRequest
from payments.signature import sign, verify

CHANNEL_ID = "2000000001"
SECRET = "unit-test-linepay-secret-0123456789"


def expected_signature(secret: str, path: str, payload: str, nonce: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), (secret + path + payload + nonce).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def test_post_body_vector() -> None:
    body = '{"amount":300,"currency":"JPY","orderId":"A-1","packages":[{"name":"住民票の写し"}]}'
    nonce = "0d5e4b52-7f0a-4cbb-a4a6-4d0a5a1b9e1c"
    path = "/v3/payments/request"
    expected = expected_signature(SECRET, path, body, nonce)
    assert sign(SECRET, path, body, nonce) == expected
    assert verify(SECRET, path, body, nonce, expected)
    assert not verify(SECRET, path, body + " ", nonce, expected)
    assert not verify("another-secret", path, body, nonce, expected)
    assert not verify(SECRET, path, body, nonce, "not base64 ✗")


def test_get_query_vector() -> None:
    path, query, nonce = "/v3/payments", "transactionId=2026112712345678901&orderId=A-1", "1764230400000"
    expected = expected_signature(SECRET, path, query, nonce)
    assert sign(SECRET, path, query, nonce) == expected
    # No query: the message is secret + path + nonce.
    check = "/v3/payments/requests/2026112712345678901/check"
    assert sign(SECRET, check, "", nonce) == expected_signature(SECRET, check, "", nonce)


async def test_adapter_signs_the_exact_bytes_it_sends() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v3/payments/request":
            return httpx.Response(
                200,
                content=b'{"returnCode":"0000","returnMessage":"Success.","info":{"paymentUrl":{"web":"https://p"},'
                b'"transactionId":2026112712345678901,"paymentAccessToken":"1"}}',
            )
        if request.url.path.endswith("/check"):
            return httpx.Response(200, json={"returnCode": "0123", "returnMessage": "done"})
        return httpx.Response(200, json={"returnCode": "0000", "returnMessage": "ok", "info": []})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        provider = LinePayProvider(http, "https://pay.test/", CHANNEL_ID, SECRET)
        items = (LineItem("住民票の写し", 1, 300),)
        await provider.request(PaymentRequest("A-1", 300, "JPY", items, "https://api/c", "https://api/x"))
        await provider.status("2026112712345678901")  # check (no query), then details (a query)
    post, check, details = seen
    nonces = {r.headers["x-line-authorization-nonce"] for r in seen}
    assert len(nonces) == 3 and all(uuid.UUID(n).version == 4 for n in nonces)
    for request in seen:
        assert request.headers["content-type"] == "application/json"
        assert request.headers["x-line-channelid"] == CHANNEL_ID
    assert post.headers["x-line-authorization"] == expected_signature(
        SECRET, "/v3/payments/request", post.content.decode("utf-8"), post.headers["x-line-authorization-nonce"]
    )
    assert json.loads(post.content)["packages"][0]["products"] == [
        {"name": "住民票の写し", "quantity": 1, "price": 300}
    ]
    assert check.url.query == b""
    assert check.headers["x-line-authorization"] == expected_signature(
        SECRET, check.url.path, "", check.headers["x-line-authorization-nonce"]
    )
    assert details.url.query == b"transactionId=2026112712345678901"
    assert details.headers["x-line-authorization"] == expected_signature(
        SECRET, "/v3/payments", "transactionId=2026112712345678901", details.headers["x-line-authorization-nonce"]
    )


@asynccontextmanager
async def sandbox() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        linepay_channel_id=CHANNEL_ID,
        linepay_channel_secret=SECRET,
        emulator_webhook_url="http://bot.test/line/webhook",
    )
    app = create_app(
        settings, webhook_transport=httpx.MockTransport(lambda r: httpx.Response(200)), rng=random.Random(3)
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator.test") as http:
            yield http


REQUEST_BODY = json.dumps(
    {
        "amount": 300,
        "currency": "JPY",
        "orderId": "sig-1",
        "packages": [{"id": "p", "amount": 300, "products": [{"name": "x", "quantity": 1, "price": 300}]}],
        "redirectUrls": {"confirmUrl": "https://api.test/c", "cancelUrl": "https://api.test/x"},
    },
    separators=(",", ":"),
)


def headers(
    payload: str, path: str = "/v3/payments/request", override: dict[str, str | None] | None = None
) -> dict[str, str]:
    nonce = str(uuid.uuid4())
    values: dict[str, str | None] = {
        "Content-Type": "application/json",
        "X-LINE-ChannelId": CHANNEL_ID,
        "X-LINE-Authorization-Nonce": nonce,
        "X-LINE-Authorization": expected_signature(SECRET, path, payload, nonce),
    }
    values.update(override or {})
    return {k: v for k, v in values.items() if v is not None}


async def post(http: httpx.AsyncClient, body: str, hdrs: dict[str, str]) -> dict[str, Any]:
    r = await http.post("/v3/payments/request", content=body.encode(), headers=hdrs)
    assert r.status_code == 200  # LINE Pay answers header errors with HTTP 200 and a returnCode
    result: dict[str, Any] = r.json()
    return result


async def test_sandbox_accepts_a_correctly_signed_request() -> None:
    async with sandbox() as http:
        assert (await post(http, REQUEST_BODY, headers(REQUEST_BODY)))["returnCode"] == "0000"


@pytest.mark.parametrize(
    "override",
    [
        {"X-LINE-Authorization": base64.b64encode(b"0" * 32).decode()},  # wrong signature
        {"X-LINE-ChannelId": "2000000002"},  # unknown channel
        {"X-LINE-Authorization-Nonce": None},  # missing nonce
        {"X-LINE-Authorization": None},  # missing signature
        {"X-LINE-ChannelId": None},  # missing channel id
    ],
)
async def test_sandbox_refuses_bad_headers_with_1106(override: dict[str, str | None]) -> None:
    async with sandbox() as http:
        answer = await post(http, REQUEST_BODY, headers(REQUEST_BODY, override=override))
        assert answer["returnCode"] == "1106" and answer["returnMessage"].startswith("Header information error")
        assert (await http.get("/_emulator/linepay/transactions")).json() == []
        assert (await http.get("/_emulator/linepay/stats")).json()["header_errors"] == 1


async def test_sandbox_refuses_a_tampered_body_a_wrong_secret_and_a_reused_nonce() -> None:
    async with sandbox() as http:
        signed = headers(REQUEST_BODY)
        tampered = REQUEST_BODY.replace('"amount":300,"currency"', '"amount":301,"currency"')
        assert (await post(http, tampered, signed))["returnCode"] == "1106"
        nonce = "n-1"
        wrong = expected_signature("other-secret", "/v3/payments/request", REQUEST_BODY, nonce)
        hdrs = headers(REQUEST_BODY, override={"X-LINE-Authorization-Nonce": nonce, "X-LINE-Authorization": wrong})
        assert (await post(http, REQUEST_BODY, hdrs))["returnCode"] == "1106"
        assert (await post(http, REQUEST_BODY, signed))["returnCode"] == "0000"
        assert (await post(http, REQUEST_BODY, signed))["returnCode"] == "1106"  # same nonce again


async def test_sandbox_verifies_get_signatures_over_the_raw_query() -> None:
    async with sandbox() as http:
        query = "transactionId=2026112712345678901"
        good = headers(query, "/v3/payments")
        r = await http.get(f"/v3/payments?{query}", headers=good)
        assert r.json()["returnCode"] == "1150"  # authenticated, nothing found
        signed_without_query = headers("", "/v3/payments")
        r = await http.get(f"/v3/payments?{query}", headers=signed_without_query)
        assert r.json()["returnCode"] == "1106"
