"""A small client for the LINE emulator's driver API, used by integration tests and benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
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


Match = str | Callable[[dict[str, Any]], bool]
"""What a test waits for: a substring of a message's words (see texts_of), or a test of the whole inbox entry."""


def matches(entry: dict[str, Any], match: Match) -> bool:
    return match(entry) if callable(match) else match in texts_of(entry["message"])


def describe(match: Match) -> str:
    return repr(match) if isinstance(match, str) else getattr(match, "__doc__", None) or repr(match)


async def inbox_cursor(driver: EmulatorDriver, user_id: str) -> int:
    """Where the resident's inbox ends now. Take it before an action; its answer is looked for after it."""
    return len(await driver.inbox(user_id))


async def wait_for_messages(
    driver: EmulatorDriver, user_id: str, *expect: Match, after: int, timeout: float = 30
) -> list[dict[str, Any]]:
    """Waits until messages matching each of `expect`, in that order, have arrived at inbox index `after`
    or later; returns them (one per expectation). Messages in between that match nothing are passed over.

    The answer to an action is found by what it says, never as "the newest message" or "the n-th": the
    workflows push on their own (payment received, certificate issued, refund), and such a push may land
    between an action and its answer. Starting at a cursor taken before the action keeps an older message
    with the same words from passing for the answer."""
    assert expect, "say what the message is expected to say"
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    while True:
        remaining = deadline - time.monotonic()
        # Long-polls: returns at once if messages past the ones seen are there, else when one arrives.
        fresh = await driver.inbox_after(user_id, after + len(seen), wait=max(0.0, min(remaining, 5.0)))
        for entry in fresh:
            if matches(entry, expect[len(found)]):
                found.append(entry)
                if len(found) == len(expect):
                    return found
        seen.extend(fresh)
        if remaining <= 0:
            got = [f"{e['via']}: {texts_of(e['message'])[:120]}" for e in seen]
            raise AssertionError(
                f"no message matching {describe(expect[len(found)])} for {user_id} within {timeout:.0f} s "
                f"(expected in order: {', '.join(describe(m) for m in expect)}); after the cursor: {got}"
            )


async def wait_for_message(
    driver: EmulatorDriver, user_id: str, expect: Match, *, after: int, timeout: float = 30
) -> dict[str, Any]:
    """The first message at inbox index `after` or later that matches `expect`, waiting for it to arrive
    (see wait_for_messages)."""
    [found] = await wait_for_messages(driver, user_id, expect, after=after, timeout=timeout)
    return found


def any_of(*options: Match) -> Callable[[dict[str, Any]], bool]:
    """Matches a message that matches any of the options (e.g. the Japanese or the English words)."""

    def test(entry: dict[str, Any]) -> bool:
        return any(matches(entry, option) for option in options)

    test.__doc__ = " or ".join(describe(option) for option in options)
    return test


def has_postback(prefix: str) -> Callable[[dict[str, Any]], bool]:
    """Matches a message with a postback action (button or quick reply) whose data starts with `prefix`."""

    def test(entry: dict[str, Any]) -> bool:
        return bool(postback_actions(entry["message"], prefix))

    test.__doc__ = f"a postback starting with {prefix!r}"
    return test


def postback_actions(node: Any, prefix: str) -> list[str]:
    """The data of every postback action under `node` whose data starts with `prefix`, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "postback" and str(node.get("data", "")).startswith(prefix):
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(node)
    return found
