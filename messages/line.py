"""Builders for LINE message objects as plain JSON-able dicts (Messaging API wire format).

Every builder enforces LINE's limits itself, so a long procedure name or a resident's long answer
can never make the API reject a reply: quick replies max 13 items with labels of 20 characters,
postback data 300 characters, text messages 5000 characters, altText 400 characters.
"""

from __future__ import annotations

import unicodedata
from typing import Any

Message = dict[str, Any]
Action = dict[str, Any]

MAX_MESSAGES = 5
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_DATA = 300
MAX_DISPLAY_TEXT = 300
MAX_TEXT = 5000
MAX_ALT_TEXT = 400


def fit(text: str, limit: int) -> str:
    """Shorten to at most `limit` UTF-16 units (LINE counts those) without splitting a character.

    A trailing joiner, variation selector or combining mark left by the cut is dropped too, so a
    truncated label never ends in half an emoji or half a kana with dakuten.
    """
    text = text if text.strip() else "-"
    if _utf16_len(text) <= limit:
        return text
    cut = ""
    for ch in text:
        if _utf16_len(cut + ch) > limit - 1:
            break
        cut += ch
    while cut and (unicodedata.combining(cut[-1]) or unicodedata.category(cut[-1]) in ("Cf", "Mn", "Me")):
        cut = cut[:-1]
    return cut + "…"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def postback(label: str, data: str, display_text: str | None = None) -> Action:
    action: Action = {"type": "postback", "label": fit(label, MAX_LABEL), "data": data[:MAX_DATA]}
    if display_text is not None:
        action["displayText"] = fit(display_text, MAX_DISPLAY_TEXT)
    return action


def message_action(label: str, text: str) -> Action:
    return {"type": "message", "label": fit(label, MAX_LABEL), "text": fit(text, MAX_DISPLAY_TEXT)}


def date_picker(label: str, data: str, initial: str, minimum: str, maximum: str) -> Action:
    """A datetimepicker in date mode; its postback carries params {"date": "YYYY-MM-DD"}."""
    return {
        "type": "datetimepicker",
        "label": fit(label, MAX_LABEL),
        "data": data[:MAX_DATA],
        "mode": "date",
        "initial": initial,
        "min": minimum,
        "max": maximum,
    }


def quick_reply(actions: list[Action]) -> dict[str, Any]:
    return {"items": [{"type": "action", "action": a} for a in actions[:MAX_QUICK_REPLIES]]}


def text(body: str, actions: list[Action] | None = None) -> Message:
    message: Message = {"type": "text", "text": fit(body, MAX_TEXT)}
    if actions:
        message["quickReply"] = quick_reply(actions)
    return message


def flex(alt_text: str, contents: dict[str, Any], actions: list[Action] | None = None) -> Message:
    message: Message = {"type": "flex", "altText": fit(alt_text, MAX_ALT_TEXT), "contents": contents}
    if actions:
        message["quickReply"] = quick_reply(actions)
    return message


def with_actions(message: Message, actions: list[Action]) -> Message:
    """The same message with its quick replies replaced (LINE shows only the last message's)."""
    result = {k: v for k, v in message.items() if k != "quickReply"}
    if actions:
        result["quickReply"] = quick_reply(actions)
    return result
