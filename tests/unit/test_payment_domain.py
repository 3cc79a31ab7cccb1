"""The fee payment's pure pieces: order ids, the pay card (valid for LINE), the status answer."""

from __future__ import annotations

from catalog import get_catalog
from config.settings import get_settings
from domain import payment
from domain.models import ApplicationSummary
from domain.policy import ApplicationPolicyInput, application_policy
from line_emulator.validation import validate_messages
from tests.unit.test_conversation_support import Chat, text_of


def test_order_ids_round_trip_and_refuse_forgeries() -> None:
    order = payment.order_id("ABCDE-FGHJK", 2)
    assert order == "MDG-ABCDE-FGHJK-2" and payment.application_of_order(order) == "ABCDE-FGHJK"
    for bad in ("", "MDG-ABCDE", "XYZ-ABCDE-FGHJK-1", "MDG-ABCDE-FGHJK-x", "MDG-A-B-C-1"):
        assert payment.application_of_order(bad) is None


def test_the_pay_card_is_itemised_and_a_valid_line_message() -> None:
    for lang, total in (("ja", "600円"), ("en", "¥600")):
        policy = application_policy(
            ApplicationPolicyInput("juminhyo", lang, 2, 300), get_catalog().get("juminhyo"), get_settings()
        )
        items = policy.fee_items
        assert [(i.quantity, i.unit_price) for i in items] == [(2, 300)]
        messages = payment.approved_with_card(lang, "ABCDE-FGHJK", items, "https://pay.example/" + "x" * 50, 72)
        assert validate_messages(messages) == [], "the emulator checks LINE's message rules"
        assert total in str(messages[1]) and messages[1]["contents"]["footer"]["contents"][0]["action"]["type"] == "uri"


def test_the_status_answer_shows_the_payment() -> None:
    paid = ApplicationSummary("ABCDE-FGHJK", "juminhyo", "Paid", "2026-11-27T01:00:00+00:00", "captured", 600)
    words = text_of(Chat(applications=[paid]).text("状況"))
    assert "お支払い：600円（お支払い済み）" in words
