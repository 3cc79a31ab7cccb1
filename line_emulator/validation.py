"""Validation of message objects, with LINE's limits and LINE's error details."""

from __future__ import annotations

import json
from typing import Any

MESSAGE_TYPES = (
    "text",
    "textV2",
    "image",
    "video",
    "audio",
    "location",
    "sticker",
    "template",
    "imagemap",
    "flex",
)
ACTION_TYPES = (
    "postback",
    "message",
    "uri",
    "datetimepicker",
    "camera",
    "cameraRoll",
    "location",
    "clipboard",
)
TEMPLATE_TYPES = ("buttons", "confirm", "carousel", "image_carousel")
REQUIRED_FIELDS = {
    "image": ("originalContentUrl", "previewImageUrl"),
    "video": ("originalContentUrl", "previewImageUrl"),
    "audio": ("originalContentUrl", "duration"),
    "location": ("title", "address", "latitude", "longitude"),
    "sticker": ("packageId", "stickerId"),
    "imagemap": ("baseUrl", "altText", "baseSize", "actions"),
}
MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_LABEL = 20
MAX_ACTION_DATA = 300
MAX_ALT_TEXT = 400
MAX_FLEX_BYTES = 30 * 1024

Details = list[dict[str, str]]


def _err(details: Details, message: str, prop: str) -> None:
    details.append({"message": message, "property": prop})


def _one_of(values: tuple[str, ...]) -> str:
    return f"Must be one of the following values: [{', '.join(values)}]"


def _length(details: Details, value: Any, prop: str, maximum: int, minimum: int = 0) -> None:
    if value is None:
        _err(details, "Must be specified", prop)
    elif not isinstance(value, str):
        _err(details, "Must be a string", prop)
    elif not minimum <= len(value) <= maximum:
        if minimum and not value:
            _err(details, "May not be empty", prop)
        else:
            _err(details, f"Length must be between {minimum} and {maximum}", prop)


def validate_action(details: Details, action: Any, prop: str, *, label_max: int | None) -> None:
    if not isinstance(action, dict):
        _err(details, "Must be specified", prop)
        return
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        _err(details, _one_of(ACTION_TYPES), f"{prop}.type")
        return
    if label_max is not None:
        _length(details, action.get("label"), f"{prop}.label", label_max, minimum=1)
    if kind in ("postback", "datetimepicker"):
        _length(details, action.get("data"), f"{prop}.data", MAX_ACTION_DATA)
    if kind == "postback" and "displayText" in action:
        _length(details, action["displayText"], f"{prop}.displayText", MAX_ACTION_DATA)
    if kind == "message":
        _length(details, action.get("text"), f"{prop}.text", MAX_ACTION_DATA, minimum=1)
    if kind == "uri":
        _length(details, action.get("uri"), f"{prop}.uri", 1000, minimum=1)
    if kind == "datetimepicker" and action.get("mode") not in ("date", "time", "datetime"):
        _err(details, _one_of(("date", "time", "datetime")), f"{prop}.mode")


def _validate_quick_reply(details: Details, quick_reply: Any, prop: str) -> None:
    items = quick_reply.get("items") if isinstance(quick_reply, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUICK_REPLY_ITEMS:
        _err(details, f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}", f"{prop}.items")
        return
    for i, item in enumerate(items):
        action = item.get("action") if isinstance(item, dict) else None
        item_prop = f"{prop}.items[{i}].action"
        validate_action(details, action, item_prop, label_max=MAX_LABEL)
        if isinstance(action, dict) and action.get("type") == "postback" and "displayText" not in action:
            # LINE requires displayText on postback actions of quick reply buttons.
            _err(details, "Must be specified", f"{item_prop}.displayText")


def _flex_actions(node: Any, prop: str) -> list[tuple[Any, str]]:
    """Every action object inside flex contents, with its property path."""
    found: list[tuple[Any, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "action":
                found.append((value, f"{prop}.action"))
            else:
                found.extend(_flex_actions(value, f"{prop}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_flex_actions(value, f"{prop}[{i}]"))
    return found


def _validate_flex(details: Details, message: dict[str, Any], prop: str) -> None:
    _length(details, message.get("altText"), f"{prop}.altText", MAX_ALT_TEXT, minimum=1)
    contents = message.get("contents")
    if not isinstance(contents, dict) or contents.get("type") not in ("bubble", "carousel"):
        _err(details, _one_of(("bubble", "carousel")), f"{prop}.contents.type")
        return
    bubbles = contents.get("contents") if contents["type"] == "carousel" else [contents]
    for bubble in bubbles if isinstance(bubbles, list) else []:
        size = len(json.dumps(bubble, ensure_ascii=False, separators=(",", ":")).encode())
        if size > MAX_FLEX_BYTES:
            _err(
                details,
                f"The size of a bubble must be {MAX_FLEX_BYTES // 1024} KB or less",
                f"{prop}.contents",
            )
    for action, action_prop in _flex_actions(contents, f"{prop}.contents"):
        validate_action(details, action, action_prop, label_max=None)


def _validate_template(details: Details, message: dict[str, Any], prop: str) -> None:
    _length(details, message.get("altText"), f"{prop}.altText", MAX_ALT_TEXT, minimum=1)
    template = message.get("template")
    kind = template.get("type") if isinstance(template, dict) else None
    if not isinstance(template, dict) or kind not in TEMPLATE_TYPES:
        _err(details, _one_of(TEMPLATE_TYPES), f"{prop}.template.type")
        return
    if kind in ("buttons", "confirm"):
        illustrated = template.get("title") or template.get("thumbnailImageUrl")
        limit = 240 if kind == "confirm" else (60 if illustrated else 160)
        _length(details, template.get("text"), f"{prop}.template.text", limit, minimum=1)
        actions = template.get("actions")
        count = (2, 2) if kind == "confirm" else (1, 4)
        if not isinstance(actions, list) or not count[0] <= len(actions) <= count[1]:
            _err(details, f"Size must be between {count[0]} and {count[1]}", f"{prop}.template.actions")
            return
        for i, action in enumerate(actions):
            validate_action(details, action, f"{prop}.template.actions[{i}]", label_max=MAX_LABEL)


def validate_message(details: Details, message: Any, prop: str) -> None:
    if not isinstance(message, dict):
        _err(details, "Must be specified", prop)
        return
    kind = message.get("type")
    if kind not in MESSAGE_TYPES:
        _err(details, _one_of(MESSAGE_TYPES), f"{prop}.type")
        return
    if kind in ("text", "textV2"):
        _length(details, message.get("text"), f"{prop}.text", MAX_TEXT, minimum=1)
    elif kind == "flex":
        _validate_flex(details, message, prop)
    elif kind == "template":
        _validate_template(details, message, prop)
    for name in REQUIRED_FIELDS.get(kind, ()):
        if message.get(name) in (None, ""):
            _err(details, "Must be specified", f"{prop}.{name}")
    if "quickReply" in message:
        _validate_quick_reply(details, message["quickReply"], f"{prop}.quickReply")


def validate_messages(messages: Any) -> Details:
    """LINE's `details` for a `messages` array; empty when it is valid."""
    details: Details = []
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        _err(details, f"Size must be between 1 and {MAX_MESSAGES}", "messages")
        return details
    for i, message in enumerate(messages):
        validate_message(details, message, f"messages[{i}]")
    return details
