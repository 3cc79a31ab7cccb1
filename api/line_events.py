"""Turn parsed LINE webhook events into conversation signals (pure, no I/O)."""

from __future__ import annotations

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


def to_signals(events: list[Event], received_at_ms: int) -> dict[str, list[LineEventInput]]:
    """Signals grouped by LINE user id, each group ordered by LINE's timestamp.

    Only active-mode events from a user in a 1:1 chat are answered; group and room events and
    standby-mode events (another channel is answering) are skipped.
    """
    by_user: dict[str, list[LineEventInput]] = {}
    for event in events:
        mode = getattr(event, "mode", None)
        if mode is None or str(getattr(mode, "value", mode)) != "active":
            continue
        source = getattr(event, "source", None)
        if not isinstance(source, UserSource) or not source.user_id:
            continue
        inbound = to_inbound(event)
        if inbound is None:
            continue
        delivery = getattr(event, "delivery_context", None)
        by_user.setdefault(source.user_id, []).append(
            LineEventInput(
                webhook_event_id=event.webhook_event_id,
                timestamp_ms=int(event.timestamp),
                line_user_id=source.user_id,
                inbound=inbound,
                reply_token=getattr(event, "reply_token", None) or "",
                is_redelivery=bool(delivery and delivery.is_redelivery),
                received_at_ms=received_at_ms,
            )
        )
    for signals in by_user.values():
        signals.sort(key=lambda s: s.timestamp_ms)
    return by_user
