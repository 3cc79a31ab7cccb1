"""A resident chatting through the LINE emulator, turn by turn."""

from __future__ import annotations

from typing import Any

from tests.support.emulator import EmulatorDriver, texts_of


class Resident:
    def __init__(self, driver: EmulatorDriver, user_id: str) -> None:
        self.driver = driver
        self.user_id = user_id
        self.statuses: list[int] = []

    async def _turn(self, send: Any) -> list[dict[str, Any]]:
        before = len(await self.driver.inbox(self.user_id))
        result = await send
        self.statuses.append(result["status"])
        assert result["status"] == 200, result
        items = await self.driver.wait_inbox(self.user_id, before + 1, timeout=30)
        return items[before:]

    async def follow(self) -> list[dict[str, Any]]:
        return await self._turn(self.driver.follow(self.user_id))

    async def say(self, text: str) -> list[dict[str, Any]]:
        return await self._turn(self.driver.text(self.user_id, text))

    async def tap(self, data: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return await self._turn(self.driver.postback(self.user_id, data, params))


def words(items: list[dict[str, Any]]) -> str:
    return "\n".join(texts_of(item["message"]) for item in items)


def postback_data(items: list[dict[str, Any]], prefix: str) -> str:
    """The data of the first postback action (button or quick reply) whose data starts with prefix."""
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

    walk([item["message"] for item in items])
    assert found, f"no postback starting with {prefix!r} in {words(items)[:500]}"
    return found[0]
