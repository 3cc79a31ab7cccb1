"""Webhook event objects, built or completed the way the LINE platform fills them in."""

from __future__ import annotations

import copy
from typing import Any

from ulid import ULID

from line_emulator.state import USER_ID_RE, EmulatorState, JsonObject, new_quote_token, now_ms

# Event types that carry a reply token (in active mode).
REPLYABLE = frozenset(
    (
        "message",
        "follow",
        "join",
        "postback",
        "beacon",
        "accountLink",
        "memberJoined",
        "things",
        "videoPlayComplete",
    )
)
QUOTABLE_MESSAGES = {"text", "sticker", "image", "video"}
CONTENT_MESSAGES = {"image", "video", "audio"}


class EventError(ValueError):
    """A partial event the driver cannot complete."""


def chat_id_of(source: JsonObject) -> str:
    """The chat a reply to this source goes to: the group or room, else the user."""
    chat_id = source.get("groupId") or source.get("roomId") or source.get("userId")
    if not isinstance(chat_id, str):
        raise EventError("source needs a userId, groupId or roomId")
    return chat_id


def complete_event(state: EmulatorState, partial: Any, index: int = 0) -> JsonObject:
    """Fill in what LINE would set: webhookEventId, timestamp, mode, deliveryContext, replyToken, ids."""
    if not isinstance(partial, dict) or not isinstance(partial.get("type"), str):
        raise EventError(f"events[{index}] needs a string 'type'")
    event: JsonObject = copy.deepcopy(partial)
    source = event.get("source")
    if not isinstance(source, dict):
        raise EventError(f"events[{index}] needs a 'source' object")
    try:
        chat_id = chat_id_of(source)
    except EventError as exc:
        raise EventError(f"events[{index}]: {exc}") from None
    if source.get("type") in ("group", "room"):
        state.groups.add(chat_id)
    user_id = source.get("userId")
    if isinstance(user_id, str) and USER_ID_RE.match(user_id) and user_id not in state.residents:
        # Whoever writes to the bot is a LINE user it can push to and look up.
        state.add_resident(user_id, f"Resident {user_id[-4:]}", "ja")
    event.setdefault("mode", "active")
    event.setdefault("timestamp", now_ms())
    event.setdefault("webhookEventId", str(ULID()))
    event.setdefault("deliveryContext", {"isRedelivery": False})
    if event["type"] in REPLYABLE and event["mode"] == "active" and "replyToken" not in event:
        event["replyToken"] = state.issue_reply_token(chat_id)
    message = event.get("message")
    if event["type"] == "message" and isinstance(message, dict):
        message.setdefault("id", state.new_message_id())
        if message.get("type") in QUOTABLE_MESSAGES:
            message.setdefault("quoteToken", new_quote_token())
        if message.get("type") in CONTENT_MESSAGES:
            message.setdefault("contentProvider", {"type": "line"})
    state.remember_event(event)
    return event


def resident_event(state: EmulatorState, user_id: str, event_type: str, **fields: Any) -> JsonObject:
    """A complete active-mode event from a resident in a one-to-one chat."""
    partial = {"type": event_type, "source": {"type": "user", "userId": user_id}, **fields}
    return complete_event(state, partial)


def as_redelivery(event: JsonObject) -> JsonObject:
    """The same event as LINE redelivers it: identical but for `deliveryContext.isRedelivery`."""
    redelivered = copy.deepcopy(event)
    redelivered["deliveryContext"] = {"isRedelivery": True}
    return redelivered
