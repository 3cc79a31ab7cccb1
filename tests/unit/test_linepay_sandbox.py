"""The LINE Pay sandbox on its own wire protocol: payment page, redirects, validation, states, faults, driver."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import line_emulator.linepay.sandbox as sandbox_module
from config import Settings
from line_emulator.app import create_app

CHANNEL_ID = "2000000001"
SECRET = "unit-test-linepay-secret-0123456789"


def signed(path: str, payload: str) -> dict[str, str]:
    nonce = str(uuid.uuid4())
    message = (SECRET + path + payload + nonce).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), message, hashlib.sha256).digest()).decode()
    return {
        "Content-Type": "application/json",
        "X-LINE-ChannelId": CHANNEL_ID,
        "X-LINE-Authorization-Nonce": nonce,
        "X-LINE-Authorization": signature,
    }


def order(order_id: str = "APP-1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": 300,
        "currency": "JPY",
        "orderId": order_id,
        "packages": [
            {
                "id": "fees",
                "amount": 300,
                "name": "住民票の写し",
                "products": [{"name": "住民票の写し <原本>", "quantity": 1, "price": 300}],
            }
        ],
        "redirectUrls": {"confirmUrl": "http://api.test/pay/confirm", "cancelUrl": "http://api.test/pay/cancel?x=1"},
    }
    body.update(changes)
    return body


@dataclass
class Sandbox:
    http: httpx.AsyncClient
    visited: list[str] = field(default_factory=list)

    async def post(self, path: str, body: dict[str, Any] | str) -> dict[str, Any]:
        payload = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        r = await self.http.post(path, content=payload.encode(), headers=signed(path, payload))
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    async def get(self, path: str, query: str = "") -> dict[str, Any]:
        r = await self.http.get(f"{path}?{query}" if query else path, headers=signed(path, query))
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    async def request(self, body: dict[str, Any] | str) -> dict[str, Any]:
        return await self.post("/v3/payments/request", body)

    async def new(self, order_id: str = "APP-1") -> str:
        answer = await self.request(order(order_id))
        assert answer["returnCode"] == "0000", answer
        return str(answer["info"]["transactionId"])

    async def check(self, tid: str) -> str:
        return str((await self.get(f"/v3/payments/requests/{tid}/check"))["returnCode"])

    async def confirm(self, tid: str, amount: int = 300, currency: str = "JPY") -> dict[str, Any]:
        return await self.post(f"/v3/payments/{tid}/confirm", {"amount": amount, "currency": currency})

    async def driver(self, path: str, body: Any = None, status: int = 200) -> Any:
        r = await self.http.post(f"/_emulator/linepay{path}", json=body)
        assert r.status_code == status, r.text
        return r.json()


@pytest.fixture
async def box() -> AsyncIterator[Sandbox]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        linepay_channel_id=CHANNEL_ID,
        linepay_channel_secret=SECRET,
        emulator_webhook_url="http://bot.test/line/webhook",
    )
    app = create_app(
        settings, webhook_transport=httpx.MockTransport(lambda r: httpx.Response(200)), rng=random.Random(9)
    )
    sandbox = Sandbox(httpx.AsyncClient())  # replaced below

    def browser(request: httpx.Request) -> httpx.Response:
        sandbox.visited.append(str(request.url))
        if request.url.host == "down.test":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(303, headers={"location": "line://app/done"})

    app.state.linepay.redirect_transport = httpx.MockTransport(browser)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as http:
            sandbox.http = http
            yield sandbox


async def test_request_answers_like_line_pay(box: Sandbox) -> None:
    payload = json.dumps(order(), ensure_ascii=False)
    r = await box.http.post(
        "/v3/payments/request", content=payload.encode(), headers=signed("/v3/payments/request", payload)
    )
    assert r.headers["content-type"].startswith("application/json")
    # The id is a bare 19-digit JSON number, as LINE Pay writes it.
    match = re.search(rb'"transactionId": ?(\d{19})[,}]', r.content)
    assert match is not None
    tid = match.group(1).decode()
    info = r.json()["info"]
    assert r.json()["returnCode"] == "0000" and info["transactionId"] == int(tid)
    assert info["paymentUrl"]["web"] == f"http://emulator.test/linepay/pay/{tid}"
    assert info["paymentUrl"]["app"].startswith("line://pay/payment/")
    assert re.fullmatch(r"\d{12}", info["paymentAccessToken"])
    assert int(tid) % 2 == 1 and int(float(tid)) != int(tid)


async def test_payment_page_and_its_forms(box: Sandbox) -> None:
    tid = await box.new()
    r = await box.http.get(f"/linepay/pay/{tid}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "¥300" in page and "Pay ¥300" in page and "Cancel" in page and "キャンセル" in page
    assert "住民票の写し &lt;原本&gt;" in page and "<原本>" not in page  # escaped
    assert f'action="/linepay/pay/{tid}/approve"' in page and f'action="/linepay/pay/{tid}/cancel"' in page
    assert "http://" not in page.replace("http://emulator.test", "")  # no external resources
    approved = await box.http.post(f"/linepay/pay/{tid}/approve")
    assert approved.status_code == 303
    target = urlsplit(approved.headers["location"])
    assert (target.netloc, target.path) == ("api.test", "/pay/confirm")
    assert parse_qs(target.query) == {"transactionId": [tid], "orderId": ["APP-1"]}
    assert await box.check(tid) == "0110"
    again = await box.http.post(f"/linepay/pay/{tid}/approve")
    assert again.status_code == 409 and "authorized" in again.text
    assert "<form" not in (await box.http.get(f"/linepay/pay/{tid}")).text


async def test_cancel_form_keeps_the_cancel_urls_own_query(box: Sandbox) -> None:
    tid = await box.new()
    r = await box.http.post(f"/linepay/pay/{tid}/cancel")
    assert r.status_code == 303
    assert r.headers["location"] == f"http://api.test/pay/cancel?x=1&transactionId={tid}&orderId=APP-1"
    assert await box.check(tid) == "0121"
    assert (await box.confirm(tid))["returnCode"] == "1179"
    assert (await box.http.get("/linepay/pay/2026010100000000001")).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "2102"),
        ("[]", "2102"),
        (order(amount=301), "1124"),
        (order(amount=0, packages=[]), "1183"),
        (order(currency="EUR"), "1178"),
        (order(currency=None), "2101"),
        (order(amount="300"), "2101"),
        (order(amount=300.5), "1124"),
        (order(orderId=""), "2101"),
        (order(packages=[]), "2101"),
        (
            order(packages=[{"id": "p", "amount": 300, "products": [{"name": "x", "quantity": 2, "price": 300}]}]),
            "1124",
        ),
        (order(packages=[{"id": "p", "amount": 300, "products": [{"name": "x", "quantity": 0, "price": 0}]}]), "2101"),
        (order(redirectUrls=None), "2101"),
        (order(redirectUrls={"confirmUrl": "http://a/c"}), "2101"),
        (order(redirectUrls={"confirmUrl": "javascript:alert(1)", "cancelUrl": "http://a/x"}), "2101"),
    ],
)
async def test_request_validation(box: Sandbox, body: dict[str, Any] | str, code: str) -> None:
    answer = await box.request(body)
    assert answer["returnCode"] == code and answer["returnMessage"], answer
    assert "info" not in answer
    assert (await box.http.get("/_emulator/linepay/transactions")).json() == []


async def test_reused_order_id_is_1172(box: Sandbox) -> None:
    await box.new("APP-dup")
    assert (await box.request(order("APP-dup")))["returnCode"] == "1172"


async def test_states_through_the_check_and_confirm_apis(box: Sandbox) -> None:
    tid = await box.new()
    assert await box.check(tid) == "0000"
    assert (await box.confirm(tid))["returnCode"] == "1169"
    await box.driver(f"/{tid}/approve", {"redirect": False})
    assert await box.check(tid) == "0110"
    assert (await box.confirm(tid, 299))["returnCode"] == "1153"
    assert (await box.confirm(tid, 300, "USD"))["returnCode"] == "1153"
    done = await box.confirm(tid)
    assert done["returnCode"] == "0000"
    assert done["info"]["transactionId"] == int(tid) and done["info"]["orderId"] == "APP-1"
    assert done["info"]["payInfo"] == [{"method": "BALANCE", "amount": 300}]
    assert await box.check(tid) == "0123"
    assert (await box.confirm(tid))["returnCode"] == "1172"
    refund = await box.post(f"/v3/payments/{tid}/refund", "")
    assert refund["returnCode"] == "0000" and len(str(refund["info"]["refundTransactionId"])) == 19
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", refund["info"]["refundTransactionDate"])
    assert await box.check(tid) == "0123"  # the check API does not tell refunds
    details = await box.get("/v3/payments", f"transactionId={tid}")
    [entry] = details["info"]
    assert entry["transactionId"] == int(tid) and entry["refundList"][0]["refundAmount"] == -300
    assert (await box.post(f"/v3/payments/{tid}/refund", {}))["returnCode"] == "1165"
    unknown = "2026010100000000001"
    assert await box.check(unknown) == "1150"
    assert (await box.confirm(unknown))["returnCode"] == "1150"
    assert (await box.get("/v3/payments", "orderId=nothing"))["returnCode"] == "1150"
    assert (await box.get("/v3/payments"))["returnCode"] == "2101"
    listed = await tx(box, tid)
    assert (listed["state"], listed["captures"], listed["confirmCalls"], listed["refundedAmount"]) == (
        "refunded",
        1,
        5,
        300,
    )


async def tx(box: Sandbox, tid: str) -> dict[str, Any]:
    result: dict[str, Any] = (await box.http.get(f"/_emulator/linepay/transactions/{tid}")).json()
    return result


async def test_failed_payment_and_refund_of_an_uncaptured_one(box: Sandbox) -> None:
    tid = await box.new()
    assert (await box.post(f"/v3/payments/{tid}/refund", {}))["returnCode"] == "1155"
    await box.driver(f"/{tid}/fail")
    assert await box.check(tid) == "0122"
    assert (await box.confirm(tid))["returnCode"] == "1179"


async def test_requests_expire(box: Sandbox) -> None:
    assert await box.driver("/config", {"expire_after_seconds": 0.05}) == {"expire_after_seconds": 0.05}
    tid = await box.new()
    await asyncio.sleep(0.1)
    assert await box.check(tid) == "0121"
    assert (await box.confirm(tid))["returnCode"] == "1180"
    assert (await tx(box, tid))["state"] == "expired"
    assert (await box.http.post(f"/linepay/pay/{tid}/approve")).status_code == 409


async def test_driver_follows_the_redirect_like_a_browser(box: Sandbox) -> None:
    tid = await box.new()
    answer = await box.driver(f"/{tid}/approve")
    location = f"http://api.test/pay/confirm?transactionId={tid}&orderId=APP-1"
    assert answer == {
        "transactionId": tid,
        "orderId": "APP-1",
        "state": "authorized",
        "location": location,
        "status": 303,
        "redirect": "line://app/done",
    }
    assert box.visited == [location]
    assert (await box.driver(f"/{tid}/approve", status=409))["message"].endswith("not waiting")
    assert (await box.driver("/2026010100000000001/approve", status=404))["message"].startswith("Unknown")


async def test_driver_tolerates_an_unreachable_merchant(box: Sandbox) -> None:
    body = order(redirectUrls={"confirmUrl": "http://down.test/confirm", "cancelUrl": "http://down.test/cancel"})
    tid = str((await box.request(body))["info"]["transactionId"])
    answer = await box.driver(f"/{tid}/cancel")
    assert answer["state"] == "cancelled" and answer["status"] == 0 and "ConnectError" in answer["error"]
    assert await box.check(tid) == "0121"


async def test_faults_count_endpoints_after_commit_and_stats(box: Sandbox) -> None:
    faults = await box.driver("/faults", {"rate": 1.0, "statuses": [503], "endpoints": ["check"], "count": 1})
    assert faults["count"] == 1 and faults["endpoints"] == ["check"] and faults["after_commit"] is False
    tid = await box.new()  # request is not a chosen endpoint
    r = await box.http.get(
        f"/v3/payments/requests/{tid}/check", headers=signed(f"/v3/payments/requests/{tid}/check", "")
    )
    assert r.status_code == 503
    assert await box.check(tid) == "0000"  # count used up
    await box.driver(f"/{tid}/approve", {"redirect": False})
    await box.driver("/faults", {"count": 1, "endpoints": ["confirm"], "return_codes": ["1198"], "after_commit": True})
    assert (await box.confirm(tid))["returnCode"] == "1198"
    assert await box.check(tid) == "0123"  # applied before the fault was answered
    stats = await box.http.get("/_emulator/linepay/stats")
    assert stats.json()["faults"] == 2 and stats.json()["captures"] == 1 and stats.json()["requests"] == 1
    await box.driver("/faults", {"statuses": [200]}, status=422)
    await box.driver("/faults", {"endpoints": ["nope"]}, status=422)
    assert await box.driver("/reset") == {"status": "ok"}
    assert (await box.http.get("/_emulator/linepay/transactions")).json() == []
    assert (await box.http.get("/_emulator/linepay/faults")).json()["rate"] == 0.0


async def test_memory_is_bounded(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox_module, "MAX_TRANSACTIONS", 3)
    ids = [await box.new(f"APP-{i}") for i in range(5)]
    listed = [t["transactionId"] for t in (await box.http.get("/_emulator/linepay/transactions")).json()]
    assert listed == ids[2:]
