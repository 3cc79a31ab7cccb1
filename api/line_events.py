"""Turn parsed LINE webhook events into conversation signals (pure, no I/O)."""

from __future__ import annotations

from typing import Any

from linebot.v3.models import UnknownEvent
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    ImageMessageContent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from domain.models import Inbound, LineEventInput


def to_inbound(event: Event) -> Inbound | None:
    """What the resident did, or None for events the bot stays silent on."""
    if isinstance(event, FollowEvent):
        return Inbound(kind="follow")
    if isinstance(event, UnfollowEvent):
        return Inbound(kind="unfollow")
    if isinstance(event, PostbackEvent):
        params = {k: str(v) for k, v in (event.postback.params or {}).items() if v is not None}
        return Inbound(kind="postback", data=event.postback.data or "", params=params)
    if isinstance(event, MessageEvent):
        message = event.message
        if isinstance(message, TextMessageContent):
            return Inbound(kind="text", text=message.text or "")
        if isinstance(message, ImageMessageContent):
            provider = message.content_provider.type if message.content_provider else "line"
            if provider == "line":
                return Inbound(kind="image", content_id=message.id)
            return Inbound(kind="unsupported", message_type="image_external")
        return Inbound(kind="unsupported", message_type=str(getattr(message, "type", "unknown")))
    # unsend, beacon, video play, account link, membership, ...: LINE etiquette is silence.
    return None


def unknown_message(raw: dict[str, Any]) -> LineEventInput | None:
    """A user's message the SDK could not model (a new message type): answered politely."""
    source = raw.get("source") or {}
    message = raw.get("message") or {}
    if raw.get("type") != "message" or source.get("type") != "user" or not source.get("userId"):
        return None
    return LineEventInput(
        webhook_event_id=str(raw.get("webhookEventId", "")),
        timestamp_ms=int(raw.get("timestamp", 0)),
        line_user_id=str(source["userId"]),
        inbound=Inbound(kind="unsupported", message_type=str(message.get("type", "unknown"))[:40]),
        reply_token=str(raw.get("replyToken") or ""),
        is_redelivery=bool((raw.get("deliveryContext") or {}).get("isRedelivery")),
    )


def to_signal(event: object, raw: dict[str, Any], received_at_ms: int) -> LineEventInput | None:
    mode = getattr(event, "mode", None) or raw.get("mode")
    if str(getattr(mode, "value", mode)) != "active":
        return None  # standby: another channel is answering this chat
    if isinstance(event, UnknownEvent) or not isinstance(event, Event):  # a type the SDK cannot model
        signal = unknown_message(raw)
    else:
        source = getattr(event, "source", None)
        inbound = to_inbound(event)
        if not isinstance(source, UserSource) or not source.user_id or inbound is None:
            return None  # group and room chats, and events that get no answer
        delivery = getattr(event, "delivery_context", None)
        signal = LineEventInput(
            webhook_event_id=event.webhook_event_id,
            timestamp_ms=int(event.timestamp),
            line_user_id=source.user_id,
            inbound=inbound,
            reply_token=getattr(event, "reply_token", None) or "",
            is_redelivery=bool(delivery and delivery.is_redelivery),
        )
    if signal is None or not signal.webhook_event_id:
        return None
    signal.received_at_ms = received_at_ms
    return signal


def to_signals(
    events: list[object], raw_events: list[dict[str, Any]], received_at_ms: int
) -> dict[str, list[LineEventInput]]:
    """Signals grouped by LINE user id, each group ordered by LINE's timestamp.

    Only active-mode events from a user in a 1:1 chat are answered; group and room events and
    standby-mode events (another channel is answering) are skipped.
    """
    by_user: dict[str, list[LineEventInput]] = {}
    for event, raw in zip(events, raw_events, strict=True):
        signal = to_signal(event, raw, received_at_ms)
        if signal is not None:
            by_user.setdefault(signal.line_user_id, []).append(signal)
    for signals in by_user.values():
        signals.sort(key=lambda s: s.timestamp_ms)
    return by_user
