"""Every kind of message the bot sends is a valid LINE message by line-bot-sdk's own models.

The send activity posts our message dicts as they are (no SDK model round trip per answer), so the
check that they match the Messaging API's schema happens here: each message parses into the SDK's
`Message` and serialises back to exactly the same JSON (a field the SDK does not know, or a value of
the wrong type, would be dropped or refused).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from linebot.v3.messaging import Message

from domain import delivery, id_photo_stage, payment, review
from domain.conversation import idle_expiry, idle_reminder
from domain.models import DecisionInput, PaymentItem
from domain.state import Outcome
from tests.unit.test_conversation_support import JUMINHYO_ANSWERS, Chat, summary

ITEMS = [PaymentItem(name="住民票の写し", quantity=2, unit_price=300)]
URL = "https://example.invalid/pay/abc"


def conversation_messages(language: str) -> list[dict[str, Any]]:
    """Messages of a whole intake with its detours: menu, help, status, a bad answer, back, edit, cancel."""
    chat = Chat(language=language, applications=[summary("APP0009")], display_name="市川 太郎")
    outcomes: list[Outcome] = [chat.follow()]
    for command in ("help", "menu", "status", "ヘルプ", "状況"):
        outcomes.append(chat.text(command))
    outcomes.append(chat.start("juminhyo"))
    outcomes.append(chat.text("三"))  # a bad answer: the re-ask
    outcomes += [chat.text(answer) for answer in JUMINHYO_ANSWERS]
    outcomes.append(chat.postback("a=back"))
    outcomes += [idle_reminder(chat.state, chat.ctx()), chat.text("cancel")]
    for code in ("inkan", "shotoku"):
        outcomes.append(chat.start(code))
    outcomes.append(idle_expiry(chat.state, chat.ctx()))
    return [m for o in outcomes for m in o.messages]


def stage_messages(language: str) -> list[dict[str, Any]]:
    app = "APP0001"
    expires = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    return [
        id_photo_stage.photo_request(language),
        *id_photo_stage.check_failed(language),
        *id_photo_stage.reminder(language, app, 3),
        *id_photo_stage.expired(language, app),
        *payment.approved_with_card(language, app, ITEMS, URL, 72),
        *payment.cancelled_with_card(language, app, ITEMS, URL, 72),
        *payment.received(language, app, 600),
        *payment.reminder(language, app, 48),
        *payment.refunded(language, app, 600),
        *review.decision_messages(DecisionInput("reject", "not_resident", "note"), language, app),
        *review.decision_messages(DecisionInput("request_photo", "blurry"), language, app),
        *review.still_reviewing(language, app),
        *delivery.digital(language, "R8-000001", URL, expires),
        *delivery.mailed(language, "R8-000001", "1234-5678-9012"),
    ]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_message_round_trips_through_the_sdk_models(language: str) -> None:
    messages = conversation_messages(language) + stage_messages(language)
    kinds = {m["type"] for m in messages}
    assert {"text", "flex"} <= kinds
    assert any("quickReply" in m for m in messages)
    for message in messages:
        assert Message.from_dict(message).to_dict() == message


def test_a_field_the_sdk_does_not_know_fails_the_round_trip() -> None:
    """The check above can fail: an unknown field is dropped by the SDK's model."""
    message = {"type": "text", "text": "hello", "colour": "red"}
    assert Message.from_dict(message).to_dict() != message
