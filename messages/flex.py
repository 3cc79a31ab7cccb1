"""Flex Message bubbles: the confirmation card and the procedure menu (each kept under 30 KB)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from messages.line import Action, fit

Component = dict[str, Any]

# A bubble's JSON may not exceed 30 KB. Values are capped and rows stop at a budget measured on
# \u-escaped JSON (6 bytes per kanji, the larger way to count), so the card always fits.
MAX_VALUE = 300
ROWS_BUDGET = 22_000
MAX_TITLE = 60
MAX_DETAIL = 160
ACCENT = "#06C755"
MUTED = "#888888"


@dataclass(frozen=True)
class MenuItem:
    title: str
    detail: str
    action: Action


def _text(value: str, **style: Any) -> Component:
    return {"type": "text", "text": fit(value, MAX_VALUE), "wrap": True, **style}


def _row(label: str, value: str) -> Component:
    return {
        "type": "box",
        "layout": "horizontal",
        "spacing": "md",
        "contents": [
            _text(label, size="sm", color=MUTED, flex=2),
            _text(value, size="sm", flex=3),
        ],
    }


def _rows_within_budget(rows: list[tuple[str, str]]) -> list[Component]:
    kept: list[Component] = []
    used = 0
    for label, value in rows:
        row = _row(label, value)
        used += len(json.dumps(row))
        if used > ROWS_BUDGET:
            kept.append(_text("…", size="sm", color=MUTED))
            break
        kept.append(row)
    return kept


def _button(action: Action, style: str) -> Component:
    return {"type": "button", "style": style, "height": "sm", "action": action}


def confirmation_card(
    title: str,
    subtitle: str,
    rows: list[tuple[str, str]],
    fee_label: str,
    fee: str,
    note: str,
    buttons: list[Action],
) -> Component:
    """Bubble with one row per answer, the itemised fee and the Submit / Edit / Cancel buttons."""
    styles = ["primary", "secondary", "link"]
    return {
        "type": "bubble",
        "header": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                _text(subtitle, size="xs", color=MUTED),
                _text(title, size="lg", weight="bold"),
            ],
        },
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                *_rows_within_budget(rows),
                {"type": "separator", "margin": "md"},
                {
                    "type": "box",
                    "layout": "horizontal",
                    "margin": "md",
                    "contents": [
                        _text(fee_label, size="sm", weight="bold", flex=2),
                        _text(fee, size="sm", weight="bold", color=ACCENT, flex=3),
                    ],
                },
                _text(note, size="xs", color=MUTED, margin="md"),
            ],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [_button(b, styles[min(i, 2)]) for i, b in enumerate(buttons)],
        },
    }


def menu(title: str, intro: str, items: list[MenuItem], footer: list[Action]) -> Component:
    """Bubble listing the procedures, one button each, with status and help in the footer."""
    body: list[Component] = [_text(title, size="lg", weight="bold"), _text(intro, size="sm", color=MUTED)]
    used = 0
    for item in items:
        entry = [
            {"type": "separator", "margin": "md"},
            _text(fit(item.title, MAX_TITLE), size="sm", weight="bold", margin="md"),
            _text(fit(item.detail, MAX_DETAIL), size="xs", color=MUTED),
            _button(item.action, "primary"),
        ]
        used += len(json.dumps(entry))
        if used > ROWS_BUDGET:
            break
        body.extend(entry)
    return {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {
            "type": "box",
            "layout": "horizontal",
            "spacing": "sm",
            "contents": [_button(a, "secondary") for a in footer],
        },
    }
