"""The real LINE Pay adapter against the real sandbox (the emulator app in process), plus hostile answers."""

from __future__ import annotations

import json
import pickle
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from config import Settings
from line_emulator.app import create_app
from payments import (
    PaymentDeclined,
    PaymentDuplicateOrder,
    PaymentError,
    PaymentMisconfigured,
    PaymentNotApproved,
    PaymentProtocolError,
    PaymentState,
    PaymentUnavailable,
)
from payments.factory import provider_from_settings
from payments.linepay import LinePayProvider
from payments.port import LineItem, PaymentProvider, PaymentRequest

CHANNEL_ID = "2000000001"
SECRET = "unit-test-linepay-secret-0123456789"
BASE = "http://emulator.test"


@dataclass
class Browser:
    """The resident's browser, as the sandbox's driver uses it for the confirm/cancel redirects."""

    visited: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.visited.append(str(request.url))
        return httpx.Response(200, text="<p>thank you</p>")


@dataclass
class Pay:
    http: httpx.AsyncClient
    provider: LinePayProvider
    browser: Browser
    orders: int = 0

    def order(self, amount: int = 300, order_id: str | None = None) -> PaymentRequest:
        self.orders += 1
        return PaymentRequest(
            order_id=order_id or f"APP-{self.orders}",
            amount=amount,
            currency="JPY",
            items=(LineItem("住民票の写し", amount // 300, 300),),
            confirm_url="http://api.test/payments/confirm",
            cancel_url="http://api.test/payments/cancel",
        )

    async def drive(self, transaction_id: str, action: str, **body: Any) -> dict[str, Any]:
        r = await self.http.post(f"/_emulator/linepay/{transaction_id}/{action}", json=body or None)
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    async def faults(self, **body: Any) -> None:
        r = await self.http.post("/_emulator/linepay/faults", json=body)
        assert r.status_code == 200, r.text

    async def transaction(self, transaction_id: str) -> dict[str, Any]:
        result: dict[str, Any] = (await self.http.get(f"/_emulator/linepay/transactions/{transaction_id}")).json()
        return result

    async def approved(self, amount: int = 300) -> str:
        requested = await self.provider.request(self.order(amount))
        await self.drive(requested.transaction_id, "approve")
        return requested.transaction_id


@asynccontextmanager
async def running() -> AsyncIterator[Pay]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        linepay_channel_id=CHANNEL_ID,
        linepay_channel_secret=SECRET,
        emulator_webhook_url="http://bot.test/line/webhook",
    )
    app = create_app(
        settings, webhook_transport=httpx.MockTransport(lambda r: httpx.Response(200)), rng=random.Random(5)
    )
    browser = Browser()
    app.state.linepay.redirect_transport = httpx.MockTransport(browser.handle)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
            yield Pay(http, LinePayProvider(http, BASE, CHANNEL_ID, SECRET), browser)


@pytest.fixture
async def pay() -> AsyncIterator[Pay]:
    async with running() as p:
        yield p


async def test_request_approve_confirm_capture(pay: Pay) -> None:
    requested = await pay.provider.request(pay.order())
    tid = requested.transaction_id
    assert len(tid) == 19 and tid.isdigit()
    assert requested.payment_url == f"{BASE}/linepay/pay/{tid}"
    assert await pay.provider.status(tid) is PaymentState.WAITING
    approved = await pay.drive(tid, "approve")
    location = f"http://api.test/payments/confirm?transactionId={tid}&orderId=APP-1"
    assert approved == {
        "transactionId": tid,
        "orderId": "APP-1",
        "state": "authorized",
        "location": location,
        "status": 200,
        "redirect": None,
    }
    assert pay.browser.visited == [location]
    assert await pay.provider.status(tid) is PaymentState.AUTHORIZED
    confirmed = await pay.provider.confirm(tid, 300, "JPY")
    assert (confirmed.transaction_id, confirmed.amount, confirmed.already) == (tid, 300, False)
    assert await pay.provider.status(tid) is PaymentState.CAPTURED
    tx = await pay.transaction(tid)
    assert (tx["state"], tx["captures"], tx["confirmCalls"]) == ("captured", 1, 1)


async def test_confirm_twice_is_an_idempotent_success(pay: Pay) -> None:
    tid = await pay.approved()
    assert not (await pay.provider.confirm(tid, 300, "JPY")).already
    again = await pay.provider.confirm(tid, 300, "JPY")
    assert again.already and again.amount == 300
    tx = await pay.transaction(tid)
    assert (tx["captures"], tx["confirmCalls"]) == (1, 2)


async def test_confirm_before_approval_is_not_approved(pay: Pay) -> None:
    requested = await pay.provider.request(pay.order())
    with pytest.raises(PaymentNotApproved) as caught:
        await pay.provider.confirm(requested.transaction_id, 300, "JPY")
    assert caught.value.code == "1169" and not caught.value.retryable
    assert isinstance(caught.value, PaymentDeclined)
    assert await pay.provider.status(requested.transaction_id) is PaymentState.WAITING


async def test_cancelled_payment_is_declined(pay: Pay) -> None:
    requested = await pay.provider.request(pay.order())
    cancelled = await pay.drive(requested.transaction_id, "cancel")
    assert cancelled["location"].startswith("http://api.test/payments/cancel?transactionId=")
    assert await pay.provider.status(requested.transaction_id) is PaymentState.CANCELLED
    with pytest.raises(PaymentDeclined) as caught:
        await pay.provider.confirm(requested.transaction_id, 300, "JPY")
    assert caught.value.code == "1179" and not caught.value.retryable


async def test_expired_payment_is_declined(pay: Pay) -> None:
    tid = await pay.approved()
    await pay.drive(tid, "expire")
    assert await pay.provider.status(tid) is PaymentState.CANCELLED
    with pytest.raises(PaymentDeclined) as caught:
        await pay.provider.confirm(tid, 300, "JPY")
    assert caught.value.code == "1180"


async def test_failed_payment_and_amount_mismatch(pay: Pay) -> None:
    tid = await pay.approved()
    with pytest.raises(PaymentDeclined) as caught:
        await pay.provider.confirm(tid, 301, "JPY")
    assert caught.value.code == "1153"
    await pay.drive(tid, "fail")
    assert await pay.provider.status(tid) is PaymentState.FAILED


async def test_refund_once_then_again(pay: Pay) -> None:
    tid = await pay.approved()
    await pay.provider.confirm(tid, 300, "JPY")
    refunded = await pay.provider.refund(tid)
    assert (refunded.transaction_id, refunded.amount, refunded.already) == (tid, 300, False)
    assert len(refunded.refund_transaction_id) == 19 and refunded.refund_transaction_id != tid
    assert await pay.provider.status(tid) is PaymentState.REFUNDED
    again = await pay.provider.refund(tid)
    assert again.already and again.refund_transaction_id == refunded.refund_transaction_id and again.amount == 300
    with pytest.raises(PaymentDeclined):  # captured once, refunded since: not a success any more
        await pay.provider.confirm(tid, 300, "JPY")
    assert (await pay.transaction(tid))["captures"] == 1


async def test_partial_refunds(pay: Pay) -> None:
    tid = await pay.approved(600)
    await pay.provider.confirm(tid, 600, "JPY")
    first = await pay.provider.refund(tid, 100)
    assert first.amount == 100 and not first.already
    assert await pay.provider.status(tid) is PaymentState.CAPTURED
    with pytest.raises(PaymentDeclined) as caught:
        await pay.provider.refund(tid, 1000)
    assert caught.value.code == "1164"
    rest = await pay.provider.refund(tid)
    assert rest.amount == 500
    assert await pay.provider.status(tid) is PaymentState.REFUNDED


async def test_refund_of_an_uncaptured_payment_is_declined(pay: Pay) -> None:
    tid = await pay.approved()
    with pytest.raises(PaymentDeclined) as caught:
        await pay.provider.refund(tid)
    assert caught.value.code == "1155"


async def test_reused_order_id(pay: Pay) -> None:
    await pay.provider.request(pay.order(order_id="APP-same"))
    with pytest.raises(PaymentDuplicateOrder) as caught:
        await pay.provider.request(pay.order(order_id="APP-same"))
    assert caught.value.code == "1172" and not caught.value.retryable and "APP-same" in caught.value.message


async def test_unknown_and_malformed_transactions(pay: Pay) -> None:
    assert await pay.provider.status("2026010100000000001") is PaymentState.UNKNOWN
    assert await pay.provider.status("../v3/payments") is PaymentState.UNKNOWN
    with pytest.raises(PaymentDeclined) as caught:
        await pay.provider.confirm("2026010100000000001", 300, "JPY")
    assert caught.value.code == "1150"
    with pytest.raises(PaymentDeclined) as caught:
        await pay.provider.confirm("12/../34", 300, "JPY")
    assert caught.value.code == "invalid_transaction_id"


async def test_inconsistent_request_is_refused_before_any_call(pay: Pay) -> None:
    bad = PaymentRequest("APP-x", 500, "JPY", (LineItem("x", 1, 300),), "http://a/c", "http://a/x")
    with pytest.raises(PaymentDeclined) as caught:
        await pay.provider.request(bad)
    assert caught.value.code == "invalid_request"
    assert (await pay.http.get("/_emulator/linepay/stats")).json()["requests"] == 0


async def test_http_faults_are_unavailable(pay: Pay) -> None:
    await pay.faults(rate=1.0, statuses=[503], endpoints=["request"], count=1)
    with pytest.raises(PaymentUnavailable) as caught:
        await pay.provider.request(pay.order(order_id="APP-f"))
    assert caught.value.code == "http_503" and caught.value.retryable
    # The fault came before the sandbox did anything: the same order id is free.
    assert (await pay.provider.request(pay.order(order_id="APP-f"))).transaction_id


@pytest.mark.parametrize("code", ["1198", "1199", "9000", "1280"])
async def test_busy_return_codes_are_unavailable(pay: Pay, code: str) -> None:
    tid = await pay.approved()
    await pay.faults(rate=1.0, return_codes=[code], endpoints=["confirm"], count=1)
    with pytest.raises(PaymentUnavailable) as caught:
        await pay.provider.confirm(tid, 300, "JPY")
    assert caught.value.code == code
    assert not (await pay.provider.confirm(tid, 300, "JPY")).already


async def test_capture_then_500_then_confirm_again(pay: Pay) -> None:
    """The "timeout after confirm" case: the money is taken but the answer is lost."""
    tid = await pay.approved()
    await pay.faults(rate=1.0, statuses=[500], endpoints=["confirm"], after_commit=True, count=1)
    with pytest.raises(PaymentUnavailable):
        await pay.provider.confirm(tid, 300, "JPY")
    assert await pay.provider.status(tid) is PaymentState.CAPTURED
    again = await pay.provider.confirm(tid, 300, "JPY")
    assert again.already
    transactions = (await pay.http.get("/_emulator/linepay/transactions")).json()
    assert [(t["transactionId"], t["captures"]) for t in transactions] == [(tid, 1)]


async def test_wrong_credentials_are_misconfigured() -> None:
    async with running() as pay:
        for provider in (
            LinePayProvider(pay.http, BASE, CHANNEL_ID, "not-the-secret"),
            LinePayProvider(pay.http, BASE, "2999999999", SECRET),
        ):
            with pytest.raises(PaymentMisconfigured) as caught:
                await provider.request(pay.order())
            assert caught.value.code == "1106" and caught.value.retryable
            assert isinstance(caught.value, PaymentUnavailable)


async def test_transaction_id_keeps_all_19_digits(pay: Pay) -> None:
    requested = await pay.provider.request(pay.order())
    tid = requested.transaction_id
    assert str(int(float(tid))) != tid  # a double would have changed it
    [listed] = (await pay.http.get("/_emulator/linepay/transactions")).json()
    assert listed["transactionId"] == tid
    await pay.drive(tid, "approve")
    assert (await pay.provider.confirm(tid, 300, "JPY")).transaction_id == tid


# Hostile or broken answers, from a stand-in server.
def canned(status: int, content: bytes | str, content_type: str = "application/json") -> httpx.MockTransport:
    data = content.encode() if isinstance(content, str) else content
    return httpx.MockTransport(lambda r: httpx.Response(status, content=data, headers={"content-type": content_type}))


def raising(exc: Callable[[httpx.Request], Exception]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc(request)

    return httpx.MockTransport(handler)


REQUEST = PaymentRequest("APP-1", 300, "JPY", (LineItem("x", 1, 300),), "http://a/c", "http://a/x")


@pytest.mark.parametrize(
    ("transport", "error", "code"),
    [
        (canned(200, "<html><body>Maintenance</body></html>", "text/html"), PaymentProtocolError, "bad_response"),
        (canned(200, '{"returnMessage":"no code"}'), PaymentProtocolError, "bad_response"),
        (canned(200, "[1,2,3]"), PaymentProtocolError, "bad_response"),
        (canned(200, '{"returnCode":"4242","returnMessage":"new"}'), PaymentProtocolError, "4242"),
        (canned(200, '{"returnCode":"0000","returnMessage":"ok"}'), PaymentProtocolError, "bad_response"),
        (
            canned(
                200, '{"returnCode":"0000","info":{"transactionId":2.0261127123456788e18,"paymentUrl":{"web":"u"}}}'
            ),
            PaymentProtocolError,
            "bad_response",
        ),
        (
            canned(200, '{"returnCode":"0000","info":{"transactionId":2026112712345678901,"paymentUrl":{}}}'),
            PaymentProtocolError,
            "bad_response",
        ),
        (canned(404, "not found", "text/plain"), PaymentProtocolError, "http_404"),
        (canned(502, "<html>bad gateway</html>", "text/html"), PaymentUnavailable, "http_502"),
        (canned(429, "slow down", "text/plain"), PaymentUnavailable, "http_429"),
        (raising(lambda r: httpx.ReadTimeout("slow", request=r)), PaymentUnavailable, "timeout"),
        (raising(lambda r: httpx.ConnectError("refused", request=r)), PaymentUnavailable, "network"),
        (canned(200, '{"returnCode":"1104","returnMessage":"Merchant not found"}'), PaymentMisconfigured, "1104"),
        (canned(200, '{"returnCode":"2101","returnMessage":"Parameter error"}'), PaymentDeclined, "2101"),
    ],
)
async def test_hostile_answers(transport: httpx.MockTransport, error: type[PaymentError], code: str) -> None:
    async with httpx.AsyncClient(transport=transport) as http:
        provider = LinePayProvider(http, "https://pay.test", CHANNEL_ID, SECRET)
        with pytest.raises(error) as caught:
            await provider.request(REQUEST)
    assert type(caught.value) is error and caught.value.code == code and caught.value.message
    assert caught.value.retryable is (error is not PaymentDeclined)


async def test_transaction_id_from_a_raw_number_and_in_later_paths() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/v3/payments/request":
            body = (
                '{"returnCode":"0000","returnMessage":"Success.","info":{"paymentUrl":{"web":"https://p/1",'
                '"app":"line://pay/1"},"transactionId":2026112712345678901,"paymentAccessToken":"187568751124"}}'
            )
            return httpx.Response(200, content=body.encode())
        body = '{"returnCode":"0000","returnMessage":"Success.","info":{"transactionId":2026112712345678901}}'
        return httpx.Response(200, content=body.encode())

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        provider = LinePayProvider(http, "https://pay.test", CHANNEL_ID, SECRET)
        requested = await provider.request(REQUEST)
        assert requested.transaction_id == "2026112712345678901"
        assert json.loads("2026112712345678901") == 2026112712345678901  # exact in Python, unlike float
        assert float(requested.transaction_id) == 2026112712345678848.0
        confirmed = await provider.confirm(requested.transaction_id, 300, "JPY")
    assert confirmed.transaction_id == "2026112712345678901"
    assert seen[-1] == "/v3/payments/2026112712345678901/confirm"


async def test_confirm_answer_for_another_transaction_is_not_a_success() -> None:
    body = b'{"returnCode":"0000","returnMessage":"Success.","info":{"transactionId":2026112712345678903}}'
    async with httpx.AsyncClient(transport=canned(200, body)) as http:
        provider = LinePayProvider(http, "https://pay.test", CHANNEL_ID, SECRET)
        with pytest.raises(PaymentProtocolError):
            await provider.confirm("2026112712345678901", 300, "JPY")


def test_errors_pickle_and_print() -> None:
    error = PaymentNotApproved("1169", "not yet")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is PaymentNotApproved and (copy.code, copy.message, copy.retryable) == ("1169", "not yet", False)
    assert str(error) == "1169: not yet"


async def test_factory_builds_the_configured_provider() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        linepay_channel_id=CHANNEL_ID,
        linepay_channel_secret=SECRET,
        emulator_host="127.0.0.1",
        emulator_port=9999,
    )
    provider: PaymentProvider = provider_from_settings(settings)
    assert isinstance(provider, LinePayProvider) and provider.name == "linepay"
    assert provider._base_url == "http://127.0.0.1:9999"
    await provider.aclose()
    async with httpx.AsyncClient() as http:
        shared = provider_from_settings(
            settings.model_copy(update={"linepay_api_base": "https://api-pay.line.me/"}), http
        )
        assert isinstance(shared, LinePayProvider) and shared._base_url == "https://api-pay.line.me"
        await shared.aclose()
        assert not http.is_closed  # the caller's client stays open
