"""A small client for the LINE emulator's driver API, used by integration tests and benchmarks."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx


class EmulatorDriver:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=30)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        r = await self.http.post(path, **kwargs)
        r.raise_for_status()
        result: dict[str, Any] = r.json()
        return result

    async def create_resident(self, user_id: str, name: str, language: str) -> None:
        await self._post("/_emulator/residents", json={"userId": user_id, "displayName": name, "language": language})

    async def follow(self, user_id: str) -> dict[str, Any]:
        return await self._post(f"/_emulator/residents/{user_id}/follow")

    async def text(self, user_id: str, text: str) -> dict[str, Any]:
        return await self._post(f"/_emulator/residents/{user_id}/messages", json={"type": "text", "text": text})

    async def postback(self, user_id: str, data: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "postback", "data": data}
        if params:
            body["params"] = params
        return await self._post(f"/_emulator/residents/{user_id}/messages", json=body)

    async def image(self, user_id: str, data: bytes, filename: str = "id.jpg") -> dict[str, Any]:
        files = {"file": (filename, data, "image/jpeg")}
        return await self._post(f"/_emulator/residents/{user_id}/messages", files=files)

    async def redeliver(self, webhook_event_id: str) -> dict[str, Any]:
        return await self._post(f"/_emulator/events/{webhook_event_id}/redeliver")

    async def webhook(self, events: list[dict[str, Any]], signature: str = "valid") -> dict[str, Any]:
        return await self._post("/_emulator/webhook", json={"events": events, "signature": signature})

    async def raw_webhook(self, body: str, signature: str = "valid") -> dict[str, Any]:
        return await self._post("/_emulator/webhook/raw", json={"body": body, "signature": signature})

    async def inbox(self, user_id: str) -> list[dict[str, Any]]:
        r = await self.http.get(f"/_emulator/residents/{user_id}/inbox")
        r.raise_for_status()
        items: list[dict[str, Any]] = r.json()
        return items

    async def stats(self) -> dict[str, int]:
        r = await self.http.get("/_emulator/stats")
        r.raise_for_status()
        stats: dict[str, int] = r.json()
        return stats

    async def set_faults(self, rate: float, statuses: list[int] | None = None, latency_ms: int = 0) -> None:
        await self._post(
            "/_emulator/faults",
            json={"rate": rate, "statuses": statuses or [500, 429], "latency_ms": latency_ms},
        )

    async def wait_inbox(self, user_id: str, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        """Wait until the resident's inbox holds at least `count` messages (long-polls the emulator)."""
        deadline = time.monotonic() + timeout
        while True:
            items = await self.inbox(user_id)
            if len(items) >= count:
                return items
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"inbox has {len(items)} messages, expected {count}: {items[-3:]}")
            await self.inbox_after(user_id, len(items), wait=min(remaining, 5.0))

    async def inbox_after(self, user_id: str, after: int, wait: float) -> list[dict[str, Any]]:
        """The bot's messages from index `after` on, waiting up to `wait` seconds for one to arrive."""
        r = await self.http.get(f"/_emulator/residents/{user_id}/inbox", params={"after": after, "wait": wait})
        r.raise_for_status()
        items: list[dict[str, Any]] = r.json()
        return items


def texts_of(message: dict[str, Any]) -> str:
    """All human-readable text in a LINE message object (text, flex components, altText)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "altText", "label"):
                if isinstance(node.get(key), str):
                    parts.append(node[key])
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message)
    return "\n".join(parts)


def quick_replies(message: dict[str, Any]) -> list[dict[str, Any]]:
    items = (message.get("quickReply") or {}).get("items") or []
    return [item["action"] for item in items]


async def wait_for_text(driver: EmulatorDriver, user_id: str, needle: str, timeout: float = 15) -> str:
    """Waits until some message in the resident's inbox contains `needle`; returns all the inbox's words."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        words = "\n".join(texts_of(item["message"]) for item in await driver.inbox(user_id))
        if needle in words:
            return words
        if loop.time() > deadline:
            raise AssertionError(f"{needle!r} not in the inbox of {user_id}:\n{words[-2000:]}")
        await asyncio.sleep(0.1)
