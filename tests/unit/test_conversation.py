"""Whole intakes from follow to submission, in Japanese and English, and the re-asks on the way."""

from __future__ import annotations

import pytest

from domain.conversation import ConversationState, language_from_profile
from domain.models import Inbound, SubmittedApplication
from tests.unit.test_conversation_support import JUMINHYO_ANSWERS, Chat, labels, text_of


def test_follow_greets_by_name_and_shows_the_menu() -> None:
    chat = Chat(display_name="市川 花子")
    outcome = chat.follow()
    assert "市川 花子さん" in text_of(outcome)
    assert outcome.messages[-1]["type"] == "flex"
    assert labels(outcome)[:3] == ["住民票の写し", "印鑑登録証明書", "所得証明書"]
    assert {"申請状況", "ヘルプ", "English"} <= set(labels(outcome))
    assert chat.state.phase == "idle"


def test_follow_with_a_hostile_display_name_is_cleaned() -> None:
    outcome = Chat(display_name="\u202e<b>" + "名" * 5000 + "\x00").follow()
    greeting = outcome.messages[0]["text"]
    assert "\u202e" not in greeting and "\x00" not in greeting
    assert greeting.startswith("<b>" + "名" * 17 + "さん")


def test_follow_without_a_name_and_unfollow_says_nothing() -> None:
    chat = Chat()
    assert "友だち追加ありがとうございます" in text_of(chat.follow())
    assert chat.send(Inbound(kind="unfollow")).messages == []


def test_whole_juminhyo_intake_in_japanese() -> None:
    chat = Chat(display_name="市川 太郎")
    chat.follow()
    outcome = chat.tap("住民票の写し")
    assert outcome.used_new_application_id
    assert chat.state.application_id == "APP0001"
    assert "【1/10】" in text_of(outcome)
    outcome = chat.answer_all(JUMINHYO_ANSWERS)
    card = text_of(outcome)
    assert outcome.messages[-1]["type"] == "flex"
    for shown in ("住民票の写し", "就職・転職", "世帯全員", "イチカワ タロウ", "2001年2月3日", "郵送"):
        assert shown in card
    assert "300円 × 2通 = 600円" in card
    outcome = chat.tap("申請する")
    assert outcome.submitted == SubmittedApplication(
        application_id="APP0001",
        procedure_code="juminhyo",
        language="ja",
        answers={
            "delivery": "mail",
            "copies": "2",
            "purpose": "employment",
            "scope": "whole",
            "include_head_relationship": "yes",
            "include_domicile": "no",
            "name_kanji": "市川 太郎",
            "name_kana": "イチカワ タロウ",
            "birth_date": "2001-02-03",
            "address": "千葉県市川市八幡1-1-1",
            "phone": "090-1234-5678",
        },
        copies=2,
        fee_per_copy=300,
        fee_total=600,
    )
    assert "受付番号：APP0001" in text_of(outcome)
    assert "本人確認書類" in text_of(outcome) and "写真を送ってください" in text_of(outcome)
    # The photo request comes last, with the camera and camera-roll quick replies.
    assert [a["action"]["type"] for a in outcome.messages[-1]["quickReply"]["items"]] == ["camera", "cameraRoll"]
    assert chat.state == ConversationState(language="ja")


def test_whole_shotoku_intake_in_english_asks_for_delivery() -> None:
    chat = Chat(language="en")
    outcome = chat.follow()
    assert "Income certificate" in labels(outcome)
    chat.tap("Income certificate")
    chat.tap("3")
    chat.tap("FY2025 (2024 income)")
    outcome = chat.tap("Other")
    assert "describe the purpose" in text_of(outcome)
    chat.answer_all(["For my visa renewal", "Smith John", "スミス　ジョン"])
    outcome = chat.tap("Pick a date", {"date": "1985-07-14"})
    assert "address" in text_of(outcome)
    outcome = chat.answer_all(["1-1-1 Yawata, Ichikawa", "047-334-1111"])
    assert "How would you like to receive it?" in text_of(outcome)
    assert labels(outcome)[:2] == ["By mail", "Digital (PDF)"]
    outcome = chat.tap("Digital (PDF)")
    card = text_of(outcome)
    assert "¥300 × 3 copies = ¥900" in card
    assert "14 Jul 1985" in card and "Digital (PDF)" in card
    outcome = chat.tap("Submit")
    assert outcome.submitted is not None
    assert outcome.submitted.language == "en"
    assert outcome.submitted.answers["delivery"] == "digital"
    assert outcome.submitted.answers["fiscal_year"] == "2025"
    assert outcome.submitted.answers["name_kana"] == "スミス ジョン"
    assert (outcome.submitted.copies, outcome.submitted.fee_total) == (3, 900)
    assert "Application number: APP0001" in text_of(outcome)
    assert "photo of your ID" in text_of(outcome)


def test_optional_question_can_be_skipped() -> None:
    chat = Chat()
    chat.start("inkan")
    chat.answer_all(["1", "不動産・登記"])
    assert chat.state.question_id == "registration_number"
    chat.tap("スキップ")
    assert chat.state.question_id == "name_kanji"
    card = chat.answer_all(["市川 太郎", "イチカワ タロウ", "1980-01-01", "市川市八幡1-1-1", "0473341111"])
    assert "（未入力）" in text_of(card)
    outcome = chat.text("申請する")
    assert outcome.submitted is not None
    assert outcome.submitted.answers["registration_number"] == ""
    assert outcome.submitted.fee_total == 300


def test_required_question_cannot_be_skipped() -> None:
    chat = Chat()
    chat.start("inkan")
    outcome = chat.text("スキップ")
    assert "省略できません" in text_of(outcome)
    assert chat.state.question_id == "copies"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("三", "1〜10の数字"),
        ("0", "1〜10の範囲"),
        ("11", "1〜10の範囲"),
        ("two", "1〜10の数字"),
        ("🙂", "1〜10の数字"),
    ],
)
def test_bad_copies_are_re_asked(answer: str, expected: str) -> None:
    chat = Chat()
    chat.start("juminhyo")
    outcome = chat.text(answer)
    assert expected in text_of(outcome)
    assert "必要な通数" in text_of(outcome)
    assert chat.state.question_id == "copies" and "copies" not in chat.state.answers


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        ("name_kanji", "🙂🙂🙂", "絵文字や記号だけ"),
        ("name_kanji", "   ", "回答が空です"),
        ("name_kana", "市川", "カタカナで"),
        ("birth_date", "2001-02-30", "2001年2月30日という日付はありません"),
        ("birth_date", "平成32年1月1日", "平成は1989年1月8日から2019年4月30日まで"),
        ("birth_date", "2030-01-01", "未来の日付"),
        ("birth_date", "1899-12-31", "1900年以降"),
        ("birth_date", "yesterday", "日付を読み取れませんでした"),
        ("address", "市" * 5000, "100文字以内"),
        ("phone", "12345", "10桁または11桁"),
    ],
)
def test_bad_answers_are_re_asked_on_the_same_question(question: str, answer: str, expected: str) -> None:
    chat = Chat()
    chat.start("juminhyo")
    while chat.state.question_id != question:
        chat.text(JUMINHYO_ANSWERS[len(chat.state.asked)])
    outcome = chat.text(answer)
    assert expected in text_of(outcome)
    assert chat.state.question_id == question and question not in chat.state.answers
    assert len(outcome.messages) == 2


def test_english_re_ask_of_kanji_numeral() -> None:
    chat = Chat(language="en")
    chat.start("juminhyo")
    assert "digit from 1 to 10" in text_of(chat.text("三"))
    assert "from 1 to 10" in text_of(chat.text("11"))


def test_date_picker_is_offered_and_accepted() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.answer_all(JUMINHYO_ANSWERS[:7])
    assert chat.last is not None
    picker = chat.last.messages[-1]["quickReply"]["items"][0]["action"]
    assert picker["type"] == "datetimepicker" and picker["mode"] == "date"
    assert (picker["min"], picker["max"]) == ("1900-01-01", "2026-11-27")
    chat.tap("カレンダーで選ぶ", {"date": "1970-05-06"})
    assert chat.state.answers["birth_date"] == "1970-05-06"
    assert chat.state.question_id == "address"


def test_dates_typed_in_many_forms() -> None:
    for typed in ("2001/2/3", "２００１年２月３日", "H13.2.3", "h13/2/3", "平成13年2月3日", "3 Feb 2001"):
        chat = Chat()
        chat.start("juminhyo")
        chat.answer_all(JUMINHYO_ANSWERS[:7])
        chat.text(typed)
        assert chat.state.answers.get("birth_date") == "2001-02-03", typed


def test_choices_by_label_number_or_english_label() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.text("1")
    chat.text("4")
    assert chat.state.answers["purpose"] == "real_estate"
    chat.text("戻る")
    chat.text("Vehicle")
    assert chat.state.answers["purpose"] == "vehicle"


def test_unknown_choice_is_re_asked() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.text("1")
    outcome = chat.text("ピザ")
    assert "下のボタンから選んでください" in text_of(outcome)
    assert chat.state.question_id == "purpose"


def test_language_from_profile() -> None:
    assert language_from_profile(None) == "ja"
    assert language_from_profile("ja") == "ja"
    assert language_from_profile("ja-JP") == "ja"
    assert language_from_profile("en") == "en"
    assert language_from_profile("zh-Hant") == "en"
    assert language_from_profile("") == "ja"


def test_state_round_trips_and_tolerates_garbage() -> None:
    state = ConversationState(language="en", phase="asking", procedure_code="juminhyo", answers={"a": "b"})
    assert ConversationState.from_dict(state.to_dict()) == state
    assert ConversationState.from_dict(None) == ConversationState()
    garbage = {"language": "fr", "phase": "nonsense", "answers": {"a": 1}, "asked": "x", "reminded": "yes"}
    assert ConversationState.from_dict(garbage) == ConversationState()
    assert not ConversationState().in_intake()
