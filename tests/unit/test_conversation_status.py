"""Status, withdrawing a submitted application, reminders, expiry and non-text messages."""

from __future__ import annotations

import pytest

from domain.catalog import parse_catalog
from domain.conversation import ConversationState, handle, idle_expiry, idle_reminder
from domain.models import Inbound
from tests.unit.test_conversation_support import (
    CATALOG,
    Chat,
    check_limits,
    juminhyo_at_card,
    labels,
    summary,
    text_of,
)


def test_status_without_applications() -> None:
    chat = Chat()
    outcome = chat.text("状況")
    assert "現在、申請はありません" in text_of(outcome)
    assert labels(outcome) == ["メニュー", "ヘルプ"]


def test_status_lists_applications_newest_first_in_words() -> None:
    apps = [summary("APP0001", "Withdrawn"), summary("APP0002", code="shotoku"), summary("APP0003", "SomeFutureStatus")]
    outcome = Chat(applications=apps).text("status")
    words = text_of(outcome)
    assert words.index("APP0003") < words.index("APP0002") < words.index("APP0001")
    assert "本人確認書類の写真をお待ちしています" in words
    assert "取り下げ済み" in words and "手続き中です" in words
    assert "所得証明書" in words and "2026年11月20日" in words
    english = text_of(Chat(language="en", applications=apps).text("STATUS"))
    assert "Waiting for a photo of your ID" in english and "Submitted: 20 Nov 2026" in english


def test_status_mid_intake_repeats_the_question() -> None:
    chat = Chat()
    chat.start("juminhyo")
    outcome = chat.text("申請状況")
    assert "現在、申請はありません" in text_of(outcome)
    assert "必要な通数" in text_of(outcome)
    assert chat.state.question_id == "copies"


def test_withdraw_a_submitted_application() -> None:
    chat = Chat(applications=[summary("APP0009"), summary("APP0008", "Withdrawn")])
    outcome = chat.text("キャンセル")
    assert chat.state.phase == "confirm_withdraw"
    assert "APP0009" in text_of(outcome) and "取り下げますか" in text_of(outcome)
    outcome = chat.tap("はい")
    assert outcome.withdraw_application_id == "APP0009"
    assert "取り下げを受け付けました" in text_of(outcome)
    assert chat.state.phase == "idle"


def test_withdraw_declined() -> None:
    chat = Chat(applications=[summary("APP0009")])
    chat.text("cancel")
    outcome = chat.text("no")
    assert outcome.withdraw_application_id is None
    assert "取り下げを中止しました" in text_of(outcome)


def test_withdraw_choice_among_several() -> None:
    chat = Chat(language="en", applications=[summary("APP0001"), summary("APP0002", code="inkan")])
    outcome = chat.text("cancel")
    assert "Which application" in text_of(outcome)
    assert len(labels(outcome)) == 3
    chat.postback("a=wd&i=APP0001")
    assert chat.state.withdraw_target == "APP0001"
    outcome = chat.tap("Yes")
    assert outcome.withdraw_application_id == "APP0001"


def test_withdraw_refused_when_status_moved_on_meanwhile() -> None:
    chat = Chat(applications=[summary("APP0001")])
    chat.text("キャンセル")
    chat.applications = [summary("APP0001", "InReview")]
    outcome = chat.text("はい")
    assert outcome.withdraw_application_id is None
    assert "取り下げできません" in text_of(outcome)


def test_nothing_to_cancel_when_idle() -> None:
    outcome = Chat(applications=[summary("APP0001", "Withdrawn")]).text("やめる")
    assert "取り消しできる申請はありません" in text_of(outcome)


def test_reminder_repeats_the_current_question() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.text("2")
    outcome = idle_reminder(chat.state, chat.ctx())
    check_limits(outcome)
    assert "住民票の写しの申請が入力の途中です" in text_of(outcome)
    assert "48時間" in text_of(outcome) and "使用目的" in text_of(outcome)
    assert outcome.state.reminded and outcome.state.answers == chat.state.answers
    again = handle(outcome.state, Inbound(kind="text", text="1"), chat.ctx())
    assert not again.state.reminded


def test_reminder_and_expiry_do_nothing_when_idle() -> None:
    chat = Chat()
    assert idle_reminder(chat.state, chat.ctx()).messages == []
    assert idle_expiry(chat.state, chat.ctx()).messages == []


def test_expiry_discards_the_intake() -> None:
    chat = juminhyo_at_card("en")
    outcome = idle_expiry(chat.state, chat.ctx())
    check_limits(outcome)
    assert "was discarded" in text_of(outcome)
    assert outcome.state == ConversationState(language="en")
    assert outcome.submitted is None


@pytest.mark.parametrize("kind", ["image", "unsupported", "sticker", "location", "video", "audio", "file", "??"])
def test_non_text_messages_get_a_polite_answer(kind: str) -> None:
    chat = Chat()
    chat.start("juminhyo")
    outcome = chat.send(Inbound(kind=kind, message_type=kind, content_id="123"))
    assert "申し訳ありません" in text_of(outcome)
    assert "必要な通数" in text_of(outcome)
    assert chat.state.question_id == "copies"
    idle = Chat().send(Inbound(kind=kind, message_type=kind))
    assert "申し訳ありません" in text_of(idle) and idle.messages[-1]["type"] == "flex"


def test_unknown_text_when_idle_shows_the_menu() -> None:
    outcome = Chat().text("こんにちは")
    assert "読み取れませんでした" in text_of(outcome)
    assert outcome.messages[-1]["type"] == "flex"


def test_typing_a_procedure_name_starts_it() -> None:
    chat = Chat()
    outcome = chat.text("住民票")
    assert outcome.used_new_application_id and chat.state.procedure_code == "juminhyo"
    chat = Chat(language="en")
    chat.text("income certificate")
    assert chat.state.procedure_code == "shotoku"


def test_intake_of_a_procedure_removed_from_the_catalog_is_dropped() -> None:
    chat = Chat()
    chat.start("inkan")
    chat.text("2")
    data = CATALOG.model_dump()
    data["procedures"] = [p for p in data["procedures"] if p["code"] != "inkan"]
    chat.catalog = parse_catalog(data)
    outcome = chat.text("1")
    assert not chat.state.in_intake()
    assert outcome.messages[-1]["type"] == "flex"
