"""The fee payment, as pure pieces: the itemised fee, order ids, and what the resident is told."""

from __future__ import annotations

from typing import Any

from domain.models import PaymentItem
from messages import line
from messages.line import Message
from messages.texts import t, yen

ACCENT = "#06C755"
MUTED = "#888888"


def order_id(application_id: str, round_number: int) -> str:
    """One per payment request (a provider refuses an order id twice); derived from the application id."""
    return f"MDG-{application_id}-{round_number}"


def application_of_order(order: str) -> str | None:
    parts = order.split("-")
    if len(parts) != 4 or parts[0] != "MDG" or not parts[3].isdigit():
        return None
    return f"{parts[1]}-{parts[2]}"


def _text(value: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": line.fit(value, 300), "wrap": True, **style}


def pay_card(lang: str, application_id: str, items: list[PaymentItem], url: str, hours: int) -> Message:
    total = sum(i.quantity * i.unit_price for i in items)
    rows = [
        {
            "type": "box",
            "layout": "horizontal",
            "contents": [
                _text(t("pay_item", lang, name=i.name, quantity=i.quantity), size="sm", flex=3),
                _text(yen(i.quantity * i.unit_price, lang), size="sm", flex=1, align="end"),
            ],
        }
        for i in items
    ]
    bubble = {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "md",
            "contents": [
                _text(t("pay_card_title", lang), weight="bold", size="lg"),
                _text(f"No. {application_id}", size="xs", color=MUTED),
                *rows,
                {"type": "separator"},
                {
                    "type": "box",
                    "layout": "horizontal",
                    "contents": [
                        _text(t("pay_total", lang), weight="bold", flex=3),
                        _text(yen(total, lang), weight="bold", flex=1, align="end"),
                    ],
                },
                _text(t("pay_note", lang, hours=hours), size="xs", color=MUTED),
            ],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "color": ACCENT,
                    "action": {"type": "uri", "label": line.fit(t("pay_button", lang), 20), "uri": url[:1000]},
                }
            ],
        },
    }
    return line.flex(t("pay_card_alt", lang, id=application_id, amount=yen(total, lang)), bubble)


def approved_with_card(lang: str, application_id: str, items: list[PaymentItem], url: str, hours: int) -> list[Message]:
    """One push: the decision and the card to pay (two messages in one request)."""
    return [line.text(t("review_approved", lang, id=application_id)), pay_card(lang, application_id, items, url, hours)]


def cancelled_with_card(
    lang: str, application_id: str, items: list[PaymentItem], url: str, hours: int
) -> list[Message]:
    return [line.text(t("pay_cancelled", lang)), pay_card(lang, application_id, items, url, hours)]


def declined_with_card(lang: str, application_id: str, items: list[PaymentItem], url: str, hours: int) -> list[Message]:
    return [line.text(t("pay_declined", lang)), pay_card(lang, application_id, items, url, hours)]


def received(lang: str, application_id: str, amount: int) -> list[Message]:
    return [line.text(t("pay_received", lang, id=application_id, amount=yen(amount, lang)))]


def reminder(lang: str, application_id: str, hours: int) -> list[Message]:
    return [line.text(t("pay_reminder", lang, id=application_id, hours=hours))]


def expired(lang: str, application_id: str) -> list[Message]:
    return [line.text(t("pay_expired", lang, id=application_id))]


def refunded(lang: str, application_id: str, amount: int) -> list[Message]:
    return [line.text(t("pay_refunded", lang, id=application_id, amount=yen(amount, lang)))]


def refund_by_hand(lang: str, application_id: str, amount: int) -> list[Message]:
    return [line.text(t("pay_refund_by_hand", lang, id=application_id, amount=yen(amount, lang)))]


def unavailable(lang: str) -> list[Message]:
    return [line.text(t("pay_unavailable", lang))]
