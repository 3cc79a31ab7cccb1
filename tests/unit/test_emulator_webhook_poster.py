"""The emulator's aiohttp webhook poster against a real socket: what it sends, keep-alive, and failures."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest

from devstack.stack import free_port
from line_emulator.state import EmulatorState, Faults
from line_emulator.webhook import AiohttpPoster, WebhookSender, WebhookUnreachable, sign

SECRET = "poster-test-secret"


@dataclass
class Bot:
    """A bare HTTP/1.1 server: records each request, answers `status` with `body`, or never answers."""

    status: int = 200
    body: bytes = b"OK"
    silent: bool = False
    connections: int = 0
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)  # (head, body)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                self.requests.append((head, await reader.readexactly(length)))
                if self.silent:
                    await asyncio.sleep(30)
                writer.write(
                    b"HTTP/1.1 %d X\r\nContent-Length: %d\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s"
                    % (self.status, len(self.body), self.body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def bot() -> AsyncIterator[tuple[Bot, str]]:
    b = Bot()
    port = free_port()
    server = await asyncio.start_server(b.handle, "127.0.0.1", port)
    async with server:
        yield b, f"http://127.0.0.1:{port}/line/webhook"
        server.close()


def sender(url: str, session: aiohttp.ClientSession) -> WebhookSender:
    state = EmulatorState(reply_token_ttl=60, faults=Faults(rate=0, statuses=[500], latency_ms=0), rng=random.Random(1))
    return WebhookSender(url=url, channel_secret=SECRET, poster=AiohttpPoster(session), state=state)


async def test_a_webhook_goes_out_signed_and_the_bots_answer_comes_back(bot: tuple[Bot, str]) -> None:
    b, url = bot
    async with aiohttp.ClientSession() as session:
        s = sender(url, session)
        events = [{"type": "follow", "webhookEventId": "01J0000000000000000000000A"}]
        delivery = await s.send_events(events)
        assert (delivery.status, delivery.body, delivery.error) == (200, "OK", None)
        assert delivery.sent_at > 0
        head, body = b.requests[0]
        assert head.startswith(b"POST /line/webhook HTTP/1.1\r\n")
        headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
        assert headers[b"X-Line-Signature"].decode() == sign(SECRET, body)
        assert headers[b"User-Agent"] == b"LineBotWebhook/2.0"
        assert headers[b"Content-Type"] == b"application/json; charset=utf-8"
        assert json.loads(body) == {"destination": s.destination, "events": events}
        assert s.state.stats.webhooks_delivered == 1


async def test_webhooks_reuse_one_connection_and_report_the_bots_status(bot: tuple[Bot, str]) -> None:
    b, url = bot
    async with aiohttp.ClientSession() as session:
        s = sender(url, session)
        for _ in range(3):
            assert (await s.send_raw(b"{}")).status == 200
        b.status, b.body = 400, "署名が違います".encode()
        delivery = await s.send_raw(b"{}", "wrong")
        assert (delivery.status, delivery.body) == (400, "署名が違います")
    assert b.connections == 1
    assert len(b.requests) == 4


async def test_a_refused_connection_is_an_error_not_an_exception() -> None:
    url = f"http://127.0.0.1:{free_port()}/line/webhook"  # nothing listens there
    async with aiohttp.ClientSession() as session:
        with pytest.raises(WebhookUnreachable, match="Connect"):
            await AiohttpPoster(session).post(url, b"{}", {})
        delivery = await sender(url, session).send_raw(b"{}")
    assert delivery.status is None
    assert delivery.error is not None and delivery.error.startswith(f"could not reach the bot at {url} (")


async def test_a_bot_that_never_answers_times_out(bot: tuple[Bot, str]) -> None:
    b, url = bot
    b.silent = True
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.2)) as session:
        delivery = await sender(url, session).send_raw(b"{}")
    assert delivery.status is None and delivery.error is not None and "Timeout" in delivery.error
