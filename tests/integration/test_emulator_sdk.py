"""The real line-bot-sdk against the LINE emulator over real HTTP, with a small SDK-built bot behind it."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import ImageMessageContent, MessageEvent, TextMessageContent

from config import Settings
from line_emulator.app import create_app

SECRET = "sdk-test-channel-secret"
TOKEN = "sdk-test-access-token"
HANAKO = "U00000000000000000000000000000001"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def serve(app: FastAPI, sock: socket.socket) -> AsyncIterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@dataclass
class Bot:
    """A minimal bot built the way ours is: WebhookParser, then the async SDK client against the emulator."""

    configuration: Configuration
    downloads: list[bytes] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()
        parser = WebhookParser(SECRET)

        @app.post("/line/webhook")
        async def webhook(request: Request) -> Response:
            body = (await request.body()).decode()
            try:
                events = parser.parse(body, request.headers.get("x-line-signature", ""))
            except InvalidSignatureError:
                return Response("bad signature", status_code=400)
            async with AsyncApiClient(self.configuration) as client:
                for event in events:
                    if not isinstance(event, MessageEvent):
                        continue
                    if isinstance(event.message, ImageMessageContent):
                        data = await AsyncMessagingApiBlob(client).get_message_content(event.message.id)
                        self.downloads.append(bytes(data))
                        answer = f"got {len(data)} bytes"
                    elif isinstance(event.message, TextMessageContent):
                        answer = f"echo: {event.message.text}"
                    request_body = ReplyMessageRequest(
                        reply_token=event.reply_token, messages=[TextMessage(text=answer)]
                    )
                    await AsyncMessagingApi(client).reply_message(request_body)
            return Response("OK")

        return app


@dataclass
class Live:
    emulator_url: str
    bot: Bot
    driver: httpx.AsyncClient
    configuration: Configuration


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    emulator_sock, bot_sock = bound_socket(), bound_socket()
    emulator_port, bot_port = emulator_sock.getsockname()[1], bot_sock.getsockname()[1]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        line_channel_secret=SECRET,
        line_channel_access_token=TOKEN,
        emulator_port=emulator_port,
        emulator_webhook_url=f"http://127.0.0.1:{bot_port}/line/webhook",
    )
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    configuration = Configuration(host=emulator_url, access_token=TOKEN)
    bot = Bot(configuration)
    async with (
        serve(create_app(settings), emulator_sock),
        serve(bot.app(), bot_sock),
        httpx.AsyncClient(base_url=emulator_url, trust_env=False, timeout=10) as driver,
    ):
        yield Live(emulator_url, bot, driver, configuration)


async def test_webhook_to_sdk_bot_and_reply_back(live: Live) -> None:
    assert (await live.driver.post(f"/_emulator/residents/{HANAKO}/follow")).json()["status"] == 200
    result = await live.driver.post(
        f"/_emulator/residents/{HANAKO}/messages", json={"type": "text", "text": "こんにちは"}
    )
    assert result.status_code == 200 and result.json()["status"] == 200, result.text
    inbox = (await live.driver.get(f"/_emulator/residents/{HANAKO}/inbox")).json()
    assert [(i["via"], i["message"]["text"]) for i in inbox] == [("reply", "echo: こんにちは")]


async def test_image_content_is_downloaded_through_the_blob_api(live: Live) -> None:
    files = {"file": ("id.jpg", JPEG, "image/jpeg")}
    result = await live.driver.post(f"/_emulator/residents/{HANAKO}/messages", files=files)
    assert result.json()["status"] == 200, result.text
    assert live.bot.downloads == [JPEG]
    inbox = (await live.driver.get(f"/_emulator/residents/{HANAKO}/inbox")).json()
    assert [(i["via"], i["message"]["text"]) for i in inbox] == [("reply", f"got {len(JPEG)} bytes")]


async def test_push_with_retry_key_through_the_sdk(live: Live) -> None:
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=HANAKO, messages=[TextMessage(text="証明書を発送しました")])
    async with AsyncApiClient(live.configuration) as client:
        api = AsyncMessagingApi(client)
        first = await api.push_message_with_http_info(request, x_line_retry_key=key)
        assert first.status_code == 200
        assert first.data.sent_messages[0].id.isdigit()
        request_id = first.headers["x-line-request-id"]
        with pytest.raises(ApiException) as conflict:
            await api.push_message_with_http_info(request, x_line_retry_key=key)
        assert conflict.value.status == 409
        assert conflict.value.headers["x-line-accepted-request-id"] == request_id
        body: dict[str, Any] = json.loads(conflict.value.body)
        assert body["message"] == "The retry key is already accepted"
        assert body["sentMessages"][0]["id"] == first.data.sent_messages[0].id
        profile = await api.get_profile(HANAKO)
        assert (profile.display_name, profile.language) == ("山田 花子", "ja")
        usage = await api.get_message_quota_consumption()
        assert usage.total_usage == 1
    inbox = (await live.driver.get(f"/_emulator/residents/{HANAKO}/inbox")).json()
    assert [i["message"]["text"] for i in inbox] == ["証明書を発送しました"]


async def test_wrong_token_and_faults_surface_as_sdk_errors(live: Live) -> None:
    async with AsyncApiClient(Configuration(host=live.emulator_url, access_token="wrong")) as client:
        with pytest.raises(ApiException) as denied:
            await AsyncMessagingApi(client).get_profile(HANAKO)
        assert denied.value.status == 401
    await live.driver.post("/_emulator/faults", json={"rate": 1.0, "statuses": [429]})
    async with AsyncApiClient(live.configuration) as client:
        with pytest.raises(ApiException) as throttled:
            await AsyncMessagingApiBlob(client).get_message_content("1")
        assert throttled.value.status == 429
