"""A resident chatting through the LINE emulator, turn by turn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from tests.support.emulator import (
    EmulatorDriver,
    Match,
    any_of,
    has_postback,
    inbox_cursor,
    postback_actions,
    texts_of,
    wait_for_messages,
)

GREETING = any_of("友だち追加ありがとうございます", "thank you for adding us")
WITHDRAW_ASKED = any_of(has_postback("a=wd"), has_postback("a=ok&k=withdraw"))
WITHDRAWN = any_of("の取り下げを受け付けました", "is being withdrawn")


def a_reply(entry: dict[str, Any]) -> bool:
    """a reply with words in it"""
    # Only the resident's own events carry reply tokens, and each turn waits for its answer before the
    # next, so a reply after the cursor answers this turn; a workflow's push never passes for one.
    return entry["via"] == "reply" and bool(texts_of(entry["message"]).strip())


class Resident:
    def __init__(self, driver: EmulatorDriver, user_id: str) -> None:
        self.driver = driver
        self.user_id = user_id
        self.statuses: list[int] = []

    async def _turn(
        self, action: str, send: Callable[[], Awaitable[dict[str, Any]]], expect: tuple[Match, ...]
    ) -> list[dict[str, Any]]:
        """Acts, then waits for the bot's messages that match `expect` (in order) among those that came
        after; returns them. Not whatever arrives first: a workflow's push may come between the action
        and its answer."""
        cursor = await inbox_cursor(self.driver, self.user_id)
        result = await send()
        self.statuses.append(result["status"])
        assert result["status"] == 200, (action, result)
        try:
            return await wait_for_messages(self.driver, self.user_id, *expect, after=cursor, timeout=30)
        except AssertionError as err:
            raise AssertionError(f"{action}: {err}") from None

    async def follow(self, *expect: Match) -> list[dict[str, Any]]:
        return await self._turn("followed", partial(self.driver.follow, self.user_id), expect or (GREETING,))

    async def say(self, text: str, *expect: Match) -> list[dict[str, Any]]:
        return await self._turn(f"said {text[:40]!r}", partial(self.driver.text, self.user_id, text), expect)

    async def tap(self, data: str, *expect: Match, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        send = partial(self.driver.postback, self.user_id, data, params)
        return await self._turn(f"tapped {data[:40]!r}", send, expect)

    async def send_image(self, data: bytes, *expect: Match) -> list[dict[str, Any]]:
        return await self._turn("sent a photo", partial(self.driver.image, self.user_id, data), expect)

    async def withdraw(self) -> list[dict[str, Any]]:
        """Withdraws the newest application ("キャンセル", pick it if asked, confirm); returns the bot's
        acknowledgement."""
        asked = await self.say("キャンセル", WITHDRAW_ASKED)
        if "a=wd" in str(asked):
            asked = await self.tap(postback_data(asked, "a=wd"), has_postback("a=ok&k=withdraw"))
        [yes] = [d for d in postback_actions(asked[0]["message"], "a=ok&k=withdraw") if "v=yes" in d.split("&")]
        return await self.tap(yes, WITHDRAWN)


def words(items: list[dict[str, Any]]) -> str:
    return "\n".join(texts_of(item["message"]) for item in items)


def postback_data(items: list[dict[str, Any]], prefix: str) -> str:
    """The data of the first postback action (button or quick reply) whose data starts with prefix."""
    found = postback_actions([item["message"] for item in items], prefix)
    assert found, f"no postback starting with {prefix!r} in {words(items)[:500]}"
    return found[0]
