"""The LINE platform emulator, in process (ASGI), with a fake bot behind an httpx MockTransport."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from linebot.v3 import WebhookParser
from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import FollowEvent, MessageEvent, TextMessageContent
from ulid import ULID

from config import Settings
from line_emulator.app import create_app

SECRET = "unit-test-channel-secret"
TOKEN = "unit-test-access-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HANAKO = "U00000000000000000000000000000001"
ALEX = "U00000000000000000000000000000002"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@dataclass
class FakeBot:
    """Records every webhook; answers 400 on a bad signature like a real bot, else `status`."""

    status: int = 200
    requests: list[httpx.Request] = field(default_factory=list)
    on_event: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    unreachable: bool = False

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.unreachable:
            raise httpx.ConnectError("connection refused", request=request)
        self.requests.append(request)
        if not SignatureValidator(SECRET).validate(
            request.content.decode(), request.headers.get("x-line-signature", "")
        ):
            return httpx.Response(400, text="bad signature")
        if self.on_event is not None:
            for event in json.loads(request.content)["events"]:
                await self.on_event(event)
        return httpx.Response(self.status, text="OK" if self.status == 200 else "nope")

    def payload(self, i: int = -1) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.requests[i].content)
        return result


@dataclass
class Emu:
    http: httpx.AsyncClient
    bot: FakeBot

    async def reply(self, token: str, *texts: str) -> httpx.Response:
        messages = [{"type": "text", "text": t} for t in texts]
        return await self.http.post(
            "/v2/bot/message/reply", json={"replyToken": token, "messages": messages}, headers=AUTH
        )

    async def push(self, to: str, text: str, retry_key: str | None = None) -> httpx.Response:
        headers = {**AUTH, **({"X-Line-Retry-Key": retry_key} if retry_key else {})}
        body = {"to": to, "messages": [{"type": "text", "text": text}]}
        return await self.http.post("/v2/bot/message/push", json=body, headers=headers)

    async def text(self, user_id: str, text: str) -> dict[str, Any]:
        r = await self.http.post(f"/_emulator/residents/{user_id}/messages", json={"type": "text", "text": text})
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    async def inbox(self, user_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = (await self.http.get(f"/_emulator/residents/{user_id}/inbox")).json()
        return result

    async def stats(self) -> dict[str, int]:
        result: dict[str, int] = (await self.http.get("/_emulator/stats")).json()
        return result


@asynccontextmanager
async def running(**overrides: Any) -> AsyncIterator[Emu]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        line_channel_secret=SECRET,
        line_channel_access_token=TOKEN,
        emulator_webhook_url="http://bot.test/line/webhook",
        **overrides,
    )
    bot = FakeBot()
    app = create_app(settings, webhook_transport=httpx.MockTransport(bot.handle), rng=random.Random(1))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as http:
            yield Emu(http, bot)


@pytest.fixture
async def emu() -> AsyncIterator[Emu]:
    async with running() as emulator:
        yield emulator


async def test_webhook_is_signed_like_line_and_parses_with_the_sdk(emu: Emu) -> None:
    r = await emu.http.post(f"/_emulator/residents/{HANAKO}/follow")
    assert r.status_code == 200 and r.json()["status"] == 200
    request = emu.bot.requests[0]
    assert str(request.url) == "http://bot.test/line/webhook"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["user-agent"] == "LineBotWebhook/2.0"
    expected = base64.b64encode(hmac.new(SECRET.encode(), request.content, hashlib.sha256).digest()).decode()
    assert request.headers["x-line-signature"] == expected
    assert b": " not in request.content  # compact JSON
    payload = WebhookParser(SECRET).parse(request.content.decode(), expected, as_payload=True)
    assert re.fullmatch(r"U[0-9a-f]{32}", payload.destination)
    [event] = payload.events
    assert isinstance(event, FollowEvent) and event.source.user_id == HANAKO
    raw = emu.bot.payload()["events"][0]
    assert raw["mode"] == "active" and raw["deliveryContext"] == {"isRedelivery": False}
    assert raw["follow"] == {"isUnblocked": False}
    assert re.fullmatch(r"[0-9a-f]{32}", raw["replyToken"]) and raw["replyToken"] == r.json()["replyToken"]
    assert str(ULID.from_str(raw["webhookEventId"])) == raw["webhookEventId"] == r.json()["webhookEventId"]
    assert abs(raw["timestamp"] - time.time() * 1000) < 5000


async def test_text_message_event_and_single_use_reply_token(emu: Emu) -> None:
    result = await emu.text(HANAKO, "住民票をください")
    event = emu.bot.payload()["events"][0]
    parsed = WebhookParser(SECRET).parse(
        emu.bot.requests[0].content.decode(), emu.bot.requests[0].headers["x-line-signature"]
    )
    assert isinstance(parsed[0], MessageEvent) and isinstance(parsed[0].message, TextMessageContent)
    assert event["message"]["text"] == "住民票をください" and event["message"]["id"].isdigit()
    assert event["message"]["quoteToken"]
    first = await emu.reply(result["replyToken"], "はい", "What else?")
    assert first.status_code == 200, first.text
    sent = first.json()["sentMessages"]
    assert len(sent) == 2 and all(m["id"].isdigit() and m["quoteToken"] for m in sent)
    assert re.fullmatch(r"[0-9a-f-]{36}", first.headers["x-line-request-id"])
    again = await emu.reply(result["replyToken"], "twice?")
    assert again.status_code == 400 and again.json() == {"message": "Invalid reply token"}
    assert (await emu.reply("0" * 32, "unknown")).json() == {"message": "Invalid reply token"}
    inbox = await emu.inbox(HANAKO)
    assert [(i["via"], i["message"]["text"]) for i in inbox] == [("reply", "はい"), ("reply", "What else?")]
    stats = await emu.stats()
    assert stats["replies"] == 1 and stats["invalid_reply_tokens"] == 2 and stats["webhooks_delivered"] == 1


async def test_reply_token_expires() -> None:
    async with running(emulator_reply_token_ttl_seconds=0.05) as emu:
        result = await emu.text(ALEX, "hello")
        await asyncio.sleep(0.1)
        r = await emu.reply(result["replyToken"], "too late")
        assert r.status_code == 400 and r.json() == {"message": "Invalid reply token"}
        assert await emu.inbox(ALEX) == []


async def test_push_retry_key_is_accepted_once(emu: Emu) -> None:
    key = str(uuid.uuid4())
    first = await emu.push(ALEX, "Your certificate is ready", key)
    assert first.status_code == 200
    retry = await emu.push(ALEX, "Your certificate is ready", key)
    assert retry.status_code == 409
    assert retry.json() == {
        "message": "The retry key is already accepted",
        "sentMessages": first.json()["sentMessages"],
    }
    assert retry.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert retry.headers["x-line-request-id"] != first.headers["x-line-request-id"]
    assert [i["via"] for i in await emu.inbox(ALEX)] == ["push"]
    assert (await emu.push(ALEX, "no key")).status_code == 200
    stats = await emu.stats()
    assert stats["pushes"] == 2 and stats["retry_conflicts"] == 1
    usage = await emu.http.get("/v2/bot/message/quota/consumption", headers=AUTH)
    assert usage.json() == {"totalUsage": 2}


async def test_inbox_can_be_long_polled_from_an_index(emu: Emu) -> None:
    await emu.push(ALEX, "first")
    url = f"/_emulator/residents/{ALEX}/inbox"
    waiting = asyncio.create_task(emu.http.get(url, params={"after": 1, "wait": 5}))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # nothing new yet: the request waits
    await emu.push(ALEX, "second")
    answer = await asyncio.wait_for(waiting, 2)
    assert [i["message"]["text"] for i in answer.json()] == ["second"]
    # Nothing arrives: the wait ends with an empty list.
    assert (await emu.http.get(url, params={"after": 2, "wait": 0.05})).json() == []
    assert (await emu.http.get(url, params={"after": -1})).status_code == 422


async def test_a_long_poll_waits_for_its_own_chat_only(emu: Emu) -> None:
    url = f"/_emulator/residents/{ALEX}/inbox"
    waiting = asyncio.create_task(emu.http.get(url, params={"after": 0, "wait": 5}))
    await asyncio.sleep(0.05)
    await emu.push(HANAKO, "for Hanako")  # another chat: Alex's poll goes on waiting
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await emu.push(ALEX, "for Alex")
    answer = await asyncio.wait_for(waiting, 2)
    assert [i["message"]["text"] for i in answer.json()] == ["for Alex"]
    assert [i["message"]["text"] for i in await emu.inbox(HANAKO)] == ["for Hanako"]
    # After a reset the inbox starts again from index 0.
    assert (await emu.http.post("/_emulator/reset")).status_code == 200
    assert await emu.inbox(ALEX) == []
    await emu.push(ALEX, "again")
    assert [i["message"]["text"] for i in await emu.inbox(ALEX)] == ["again"]


async def test_push_rejects_bad_retry_key_and_unknown_recipient(emu: Emu) -> None:
    assert (await emu.push(ALEX, "x", "not-a-uuid")).status_code == 400
    r = await emu.push("U" + "f" * 32, "x")
    assert r.status_code == 400
    assert r.json() == {"message": "The property, 'to', in the request body is invalid (line: -, column: -)"}
    assert "x-line-request-id" in r.headers


async def test_bearer_token_is_required(emu: Emu) -> None:
    body = {"to": ALEX, "messages": [{"type": "text", "text": "x"}]}
    message = "Authentication failed. Confirm that the access token in the authorization header is valid."
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        r = await emu.http.post("/v2/bot/message/push", json=body, headers=headers)
        assert r.status_code == 401 and r.json() == {"message": message}
    assert (await emu.http.get(f"/v2/bot/profile/{ALEX}")).status_code == 401
    assert await emu.inbox(ALEX) == []


async def test_profile(emu: Emu) -> None:
    r = await emu.http.get(f"/v2/bot/profile/{HANAKO}", headers=AUTH)
    assert r.json() == {"userId": HANAKO, "displayName": "山田 花子", "language": "ja"}
    missing = await emu.http.get("/v2/bot/profile/U" + "a" * 32, headers=AUTH)
    assert missing.status_code == 404 and missing.json() == {"message": "Not found"}


async def test_image_content_round_trip(emu: Emu) -> None:
    files = {"file": ("id.png", PNG, "image/png")}
    r = await emu.http.post(f"/_emulator/residents/{ALEX}/messages", files=files)
    assert r.status_code == 200, r.text
    message = emu.bot.payload()["events"][0]["message"]
    assert message["type"] == "image" and message["contentProvider"] == {"type": "line"} and message["quoteToken"]
    content = await emu.http.get(f"/v2/bot/message/{message['id']}/content", headers=AUTH)
    assert content.status_code == 200 and content.content == PNG
    assert content.headers["content-type"] == "image/png"
    transcoding = await emu.http.get(f"/v2/bot/message/{message['id']}/content/transcoding", headers=AUTH)
    assert transcoding.json() == {"status": "succeeded"}
    missing = await emu.http.get("/v2/bot/message/123/content", headers=AUTH)
    assert missing.status_code == 404 and missing.json() == {"message": "Not found"}


async def test_redelivery_is_the_same_event_marked_as_redelivered(emu: Emu) -> None:
    result = await emu.text(HANAKO, "hello")
    r = await emu.http.post(f"/_emulator/events/{result['webhookEventId']}/redeliver")
    assert r.status_code == 200 and r.json()["status"] == 200
    first, second = emu.bot.payload(0)["events"][0], emu.bot.payload(1)["events"][0]
    assert second["deliveryContext"] == {"isRedelivery": True}
    assert {**second, "deliveryContext": first["deliveryContext"]} == first
    assert (await emu.http.post("/_emulator/events/01ARZ3NDEKTSV4RRFFQ69G5FAV/redeliver")).status_code == 404


async def test_faults_answer_500_or_429_and_have_no_effect(emu: Emu) -> None:
    result = await emu.text(HANAKO, "hi")
    key = str(uuid.uuid4())
    r = await emu.http.post("/_emulator/faults", json={"rate": 1.0, "statuses": [500]})
    assert r.json() == {"rate": 1.0, "statuses": [500], "latency_ms": 0}
    failed = await emu.push(HANAKO, "pushed", key)
    assert failed.status_code == 500 and failed.json() == {"message": "Internal server error"}
    assert "x-line-request-id" in failed.headers
    await emu.http.post("/_emulator/faults", json={"statuses": [429]})
    throttled = await emu.reply(result["replyToken"], "replied")
    assert throttled.status_code == 429 and throttled.json() == {"message": "Too Many Requests"}
    assert await emu.inbox(HANAKO) == []
    await emu.http.post("/_emulator/faults", json={"rate": 0})
    assert (await emu.reply(result["replyToken"], "replied")).status_code == 200  # token not consumed
    assert (await emu.push(HANAKO, "pushed", key)).status_code == 200  # retry key not recorded
    assert [i["message"]["text"] for i in await emu.inbox(HANAKO)] == ["replied", "pushed"]
    stats = await emu.stats()
    assert stats["faults"] == 2 and stats["retry_conflicts"] == 0 and stats["pushes"] == 1


async def test_fault_rate_mixes_statuses_and_latency_is_added(emu: Emu) -> None:
    await emu.http.post("/_emulator/faults", json={"rate": 0.5, "statuses": [500, 429], "latency_ms": 0})
    statuses = [(await emu.http.get("/v2/bot/message/quota/consumption", headers=AUTH)).status_code for _ in range(60)]
    assert {200, 500, 429} == set(statuses)
    await emu.http.post("/_emulator/faults", json={"rate": 0, "latency_ms": 80})
    started = time.monotonic()
    assert (await emu.http.get("/v2/bot/message/quota/consumption", headers=AUTH)).status_code == 200
    assert time.monotonic() - started >= 0.08
    assert (await emu.http.post("/_emulator/faults", json={"rate": 2})).status_code == 422


@pytest.mark.parametrize(
    ("messages", "prop"),
    [
        ([{"type": "text", "text": "x"}] * 6, "messages"),
        ([], "messages"),
        ([{"type": "text", "text": ""}], "messages[0].text"),
        ([{"type": "text", "text": "あ" * 5001}], "messages[0].text"),
        ([{"type": "bogus"}], "messages[0].type"),
        (
            [
                {
                    "type": "text",
                    "text": "x",
                    "quickReply": {
                        "items": [{"type": "action", "action": {"type": "message", "label": "a", "text": "a"}}] * 14
                    },
                }
            ],
            "messages[0].quickReply.items",
        ),
        (
            [
                {
                    "type": "text",
                    "text": "x",
                    "quickReply": {
                        "items": [{"type": "action", "action": {"type": "message", "label": "L" * 21, "text": "a"}}]
                    },
                }
            ],
            "messages[0].quickReply.items[0].action.label",
        ),
        (
            [
                {
                    "type": "text",
                    "text": "x",
                    "quickReply": {
                        "items": [
                            {
                                "type": "action",
                                "action": {
                                    "type": "postback",
                                    "label": "a",
                                    "data": "d" * 301,
                                    "displayText": "a",
                                },
                            }
                        ]
                    },
                }
            ],
            "messages[0].quickReply.items[0].action.data",
        ),
        ([{"type": "flex", "altText": "a" * 401, "contents": {"type": "bubble"}}], "messages[0].altText"),
        (
            [
                {
                    "type": "flex",
                    "altText": "a",
                    "contents": {
                        "type": "bubble",
                        "body": {
                            "type": "box",
                            "layout": "vertical",
                            "contents": [{"type": "text", "text": "x" * 31_000}],
                        },
                    },
                }
            ],
            "messages[0].contents",
        ),
    ],
)
async def test_messages_are_validated_like_line(emu: Emu, messages: list[Any], prop: str) -> None:
    r = await emu.http.post("/v2/bot/message/push", json={"to": ALEX, "messages": messages}, headers=AUTH)
    assert r.status_code == 400
    body = r.json()
    assert body["message"] == f"The request body has {len(body['details'])} error(s)"
    assert prop in [d["property"] for d in body["details"]]
    assert await emu.inbox(ALEX) == []


async def test_driver_webhook_completes_several_events_in_one_delivery(emu: Emu) -> None:
    events = [
        {
            "type": "message",
            "source": {"type": "user", "userId": HANAKO},
            "message": {"type": "text", "text": "a"},
        },
        {
            "type": "message",
            "source": {"type": "user", "userId": ALEX},
            "message": {"type": "sticker", "packageId": "1", "stickerId": "2"},
        },
        {
            "type": "message",
            "mode": "standby",
            "source": {"type": "user", "userId": ALEX},
            "message": {"type": "text", "text": "b"},
        },
        {"type": "join", "source": {"type": "group", "groupId": "C" + "1" * 32}},
        {"type": "unsend", "source": {"type": "user", "userId": HANAKO}, "unsend": {"messageId": "1"}},
    ]
    r = await emu.http.post("/_emulator/webhook", json={"events": events})
    assert r.status_code == 200 and r.json()["status"] == 200
    assert len(emu.bot.requests) == 1
    delivered = emu.bot.payload()["events"]
    assert [e["mode"] for e in delivered] == ["active", "active", "standby", "active", "active"]
    assert [("replyToken" in e) for e in delivered] == [True, True, False, True, False]
    assert len({e["webhookEventId"] for e in delivered}) == 5
    assert r.json()["webhookEventIds"] == [e["webhookEventId"] for e in delivered]
    group_reply = await emu.reply(delivered[3]["replyToken"], "hello group")
    assert group_reply.status_code == 200
    assert (await emu.push("C" + "1" * 32, "group push")).status_code == 200
    assert (
        len(
            WebhookParser(SECRET).parse(
                emu.bot.requests[0].content.decode(), emu.bot.requests[0].headers["x-line-signature"]
            )
        )
        == 5
    )
    empty = await emu.http.post("/_emulator/webhook", json={"events": []})
    assert empty.json()["status"] == 200 and emu.bot.payload()["events"] == []
    bad = await emu.http.post("/_emulator/webhook", json={"events": [{"type": "message"}]})
    assert bad.status_code == 400


async def test_users_seen_in_driver_events_become_residents(emu: Emu) -> None:
    stranger = "U" + "9" * 32
    event = {
        "type": "message",
        "source": {"type": "user", "userId": stranger},
        "message": {"type": "text", "text": "x"},
    }
    assert (await emu.http.post("/_emulator/webhook", json={"events": [event]})).json()["status"] == 200
    assert (await emu.push(stranger, "welcome")).status_code == 200
    assert [i["message"]["text"] for i in await emu.inbox(stranger)] == ["welcome"]
    assert (await emu.http.get(f"/v2/bot/profile/{stranger}", headers=AUTH)).status_code == 200


async def test_signature_modes_and_raw_bodies(emu: Emu) -> None:
    event = {
        "type": "message",
        "source": {"type": "user", "userId": HANAKO},
        "message": {"type": "text", "text": "a"},
    }
    wrong = await emu.http.post("/_emulator/webhook", json={"events": [event], "signature": "wrong"})
    assert wrong.json()["status"] == 400 and "x-line-signature" in emu.bot.requests[-1].headers
    missing = await emu.http.post("/_emulator/webhook", json={"events": [event], "signature": "missing"})
    assert missing.json()["status"] == 400 and "x-line-signature" not in emu.bot.requests[-1].headers
    raw = await emu.http.post("/_emulator/webhook/raw", json={"body": '{"events": [', "signature": "valid"})
    assert raw.json()["status"] == 200 and emu.bot.requests[-1].content == b'{"events": ['


async def test_bot_status_is_reported_and_unreachable_bot_gives_502(emu: Emu) -> None:
    emu.bot.status = 503
    r = await emu.http.post(f"/_emulator/residents/{HANAKO}/messages", json={"type": "text", "text": "x"})
    assert r.status_code == 200 and r.json()["status"] == 503 and r.json()["body"] == "nope"
    emu.bot.unreachable = True
    r = await emu.http.post(f"/_emulator/residents/{HANAKO}/messages", json={"type": "postback", "data": "a=1"})
    assert r.status_code == 502 and "could not reach the bot" in r.json()["error"]
    assert r.json()["webhookEventId"]


async def test_bot_replying_during_the_webhook_and_postback_params(emu: Emu) -> None:
    async def answer(event: dict[str, Any]) -> None:
        assert event["postback"] == {"data": "action=date", "params": {"date": "2025-04-01"}}
        assert (await emu.reply(event["replyToken"], "OK")).status_code == 200

    emu.bot.on_event = answer
    body = {"type": "postback", "data": "action=date", "params": {"date": "2025-04-01"}, "displayText": "4/1"}
    r = await emu.http.post(f"/_emulator/residents/{HANAKO}/messages", json=body)
    assert r.json()["status"] == 200
    timeline = (await emu.http.get(f"/_emulator/residents/{HANAKO}/timeline")).json()
    assert [(e["from"], e.get("displayText")) for e in timeline] == [("resident", "4/1"), ("bot", None)]


async def test_residents_and_reset(emu: Emu) -> None:
    residents = (await emu.http.get("/_emulator/residents")).json()
    assert {(r["userId"], r["displayName"], r["language"]) for r in residents} == {
        (HANAKO, "山田 花子", "ja"),
        (ALEX, "Alex Smith", "en"),
    }
    created = await emu.http.post("/_emulator/residents", json={"displayName": "Nguyen Van A", "language": "en"})
    assert created.status_code == 201 and re.fullmatch(r"U[0-9a-f]{32}", created.json()["userId"])
    assert (await emu.http.post("/_emulator/residents/not-a-line-id/follow")).status_code == 400
    new_id = "U" + "ab" * 16
    r = await emu.http.post(
        f"/_emulator/residents/{new_id}/follow", json={"displayName": "鈴木 一郎", "language": "ja"}
    )
    assert r.status_code == 200
    profile = (await emu.http.get(f"/v2/bot/profile/{new_id}", headers=AUTH)).json()
    assert profile["displayName"] == "鈴木 一郎"
    unknown = await emu.http.post(
        "/_emulator/residents/U" + "cd" * 16 + "/messages", json={"type": "text", "text": "x"}
    )
    assert unknown.status_code == 404
    await emu.push(new_id, "hi")
    assert (await emu.http.post("/_emulator/reset")).status_code == 200
    assert await emu.inbox(new_id) == [] and (await emu.stats())["pushes"] == 0
    assert len((await emu.http.get("/_emulator/residents")).json()) == 4


async def test_health_and_chat_page(emu: Emu) -> None:
    assert (await emu.http.get("/_emulator/healthz")).status_code == 200
    page = await emu.http.get("/")
    assert page.status_code == 200 and "/static/chat.js" in page.text
    assets = [page.text]
    for name in ("chat.js", "render.js", "chat.css"):
        asset = await emu.http.get(f"/static/{name}")
        assert asset.status_code == 200
        assets.append(asset.text)
    assert "_emulator/residents" in assets[1] and "renderFlexNode" in assets[2]
    assert not any("http://" in text or "https://" in text for text in assets)  # nothing external
    assert (await emu.http.get("/static/app.py")).status_code == 404
