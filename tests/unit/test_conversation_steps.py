"""Back, edit, cancel, switching procedure, language, and buttons from old messages."""

from __future__ import annotations

from tests.unit.test_conversation_support import JUMINHYO_ANSWERS, Chat, juminhyo_at_card, labels, text_of


def test_back_discards_the_previous_answer() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.text("2")
    outcome = chat.tap("戻る")
    assert chat.state.question_id == "copies" and "copies" not in chat.state.answers
    assert "必要な通数" in text_of(outcome)
    assert "これが最初の質問です" in text_of(chat.text("戻る"))
    assert chat.state.question_id == "copies"


def test_back_over_a_conditional_question_and_answers_made_irrelevant_are_dropped() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.answer_all(["1", "その他", "引っ越しの手続き"])
    assert chat.state.question_id == "scope"
    chat.text("back")
    assert chat.state.question_id == "purpose_detail"
    chat.text("戻る")
    assert chat.state.question_id == "purpose"
    chat.text("自動車")
    assert chat.state.question_id == "scope"
    assert "purpose_detail" not in chat.state.answers
    assert chat.state.asked == ["copies", "purpose"]


def test_back_from_the_card_reopens_the_last_question() -> None:
    chat = juminhyo_at_card()
    chat.tap("戻る")
    assert chat.state.phase == "asking" and chat.state.question_id == "phone"
    assert "phone" not in chat.state.answers
    chat.text("090-1111-2222")
    assert chat.state.phase == "confirming"


def test_edit_an_answer_and_return_to_the_card() -> None:
    chat = juminhyo_at_card()
    outcome = chat.tap("修正する")
    assert chat.state.phase == "editing"
    assert "氏名" in labels(outcome) and "確認画面に戻る" in labels(outcome)
    outcome = chat.tap("住所")
    assert "現在の回答：千葉県市川市八幡1-1-1" in text_of(outcome)
    outcome = chat.text("千葉県市川市南八幡2-2-2")
    assert chat.state.phase == "confirming"
    assert "南八幡2-2-2" in text_of(outcome)
    assert chat.state.answers["phone"] == "090-1234-5678"


def test_edit_that_needs_a_new_answer_asks_it_then_returns_to_the_card() -> None:
    chat = juminhyo_at_card()
    chat.text("修正")
    chat.text("3")  # 記載する方, typed as its number in the list
    assert chat.state.question_id == "scope"
    chat.tap("世帯の一部の方")
    assert chat.state.question_id == "members"
    outcome = chat.text("市川 太郎、市川 花子")
    assert chat.state.phase == "confirming"
    assert "市川 花子" in text_of(outcome)
    chat.tap("修正する")
    chat.tap("記載する方")
    chat.tap("世帯全員")
    assert chat.state.phase == "confirming"
    assert "members" not in chat.state.answers


def test_back_during_an_edit_returns_to_the_card_unchanged() -> None:
    chat = juminhyo_at_card()
    answers = dict(chat.state.answers)
    chat.tap("修正する")
    chat.tap("通数")
    chat.tap("戻る")
    assert chat.state.phase == "confirming" and chat.state.answers == answers
    chat.tap("修正する")
    chat.tap("確認画面に戻る")
    assert chat.state.phase == "confirming"


def test_edit_is_only_offered_on_the_card() -> None:
    chat = Chat()
    chat.start("juminhyo")
    outcome = chat.text("修正")
    assert "最後の確認画面" in text_of(outcome)
    assert chat.state.question_id == "copies"


def test_cancel_asks_first_then_discards() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.text("3")
    outcome = chat.text("キャンセル")
    assert chat.state.phase == "confirm_cancel"
    assert "入力した内容は破棄されます" in text_of(outcome)
    outcome = chat.tap("いいえ")
    assert chat.state.phase == "asking" and chat.state.question_id == "purpose"
    assert chat.state.answers["copies"] == "3"
    chat.text("やめる")
    outcome = chat.text("はい")
    assert "申請をやめました" in text_of(outcome)
    assert not chat.state.in_intake() and chat.state.answers == {}


def test_cancel_button_on_the_card() -> None:
    chat = juminhyo_at_card("ja")
    chat.tap("キャンセル")
    assert chat.state.phase == "confirm_cancel"
    chat.tap("はい")
    assert chat.state.phase == "idle" and chat.state.application_id is None


def test_choosing_another_procedure_mid_intake_asks_to_discard() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.text("2")
    outcome = chat.start("inkan")
    assert chat.state.phase == "confirm_switch"
    assert "住民票の写しの申請を入力中です" in text_of(outcome)
    chat.tap("いいえ")
    assert chat.state.procedure_code == "juminhyo" and chat.state.question_id == "purpose"
    chat.start("inkan")
    outcome = chat.tap("はい")
    assert outcome.used_new_application_id
    assert chat.state.procedure_code == "inkan" and chat.state.application_id == "APP0002"
    assert chat.state.answers == {"delivery": "mail"}


def test_choosing_the_same_procedure_mid_intake_continues_it() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.text("2")
    outcome = chat.start("juminhyo")
    assert not outcome.used_new_application_id
    assert "すでに入力中" in text_of(outcome)
    assert chat.state.question_id == "purpose"


def test_menu_mid_intake_offers_to_continue() -> None:
    chat = Chat()
    chat.start("juminhyo")
    outcome = chat.text("メニュー")
    assert "入力中です" in text_of(outcome)
    assert labels(outcome)[0] == "続ける"
    chat.tap("続ける")
    assert chat.state.question_id == "copies"


def test_language_switch_mid_intake_repeats_the_question_in_english() -> None:
    chat = Chat()
    chat.start("juminhyo")
    outcome = chat.text("English")
    assert chat.state.language == "en"
    assert "How many copies" in text_of(outcome)
    outcome = chat.text(" ＪＡＰＡＮＥＳＥ ")
    assert chat.state.language == "ja"
    assert "必要な通数" in text_of(outcome)
    chat.text("英語")
    assert chat.state.language == "en"
    chat.text("日本語")
    assert chat.state.language == "ja"


def test_commands_are_matched_after_normalisation() -> None:
    chat = Chat()
    chat.start("juminhyo")
    for typed in ("ＭＥＮＵ", "  Menu  ", "めにゅー", "HELP", "ヘルプ"):
        chat.text(typed)
        assert chat.state.question_id == "copies"
    assert "使い方" in text_of(chat.text("？"))


def test_double_tap_on_an_answer_is_stale_and_changes_nothing() -> None:
    chat = Chat()
    question = chat.start("juminhyo")
    chat.tap("2")
    assert chat.state.question_id == "purpose"
    chat.last = question
    outcome = chat.tap("5")
    assert "このボタンは現在ご利用いただけません" in text_of(outcome)
    assert chat.state.answers["copies"] == "2" and chat.state.question_id == "purpose"
    assert "使用目的" in text_of(outcome)


def test_buttons_from_a_previous_intake_are_stale() -> None:
    chat = juminhyo_at_card()
    card = chat.last
    chat.tap("申請する")
    chat.start("juminhyo")
    assert chat.state.application_id == "APP0002"
    chat.last = card
    outcome = chat.tap("申請する")
    assert outcome.submitted is None
    assert "このボタンは現在ご利用いただけません" in text_of(outcome)
    assert chat.state.question_id == "copies"


def test_old_back_button_does_not_go_back_twice() -> None:
    chat = Chat()
    chat.start("juminhyo")
    chat.answer_all(JUMINHYO_ANSWERS[:3])
    old = chat.last
    chat.tap("戻る")
    assert chat.state.question_id == "scope"
    chat.last = old
    chat.tap("戻る")
    assert chat.state.question_id == "scope"
    assert chat.state.answers["purpose"] == "employment"


def test_unknown_procedure_and_tampered_postbacks() -> None:
    chat = Chat()
    assert "現在受け付けていません" in text_of(chat.start("koseki"))
    chat.start("juminhyo")
    for data in (
        "a=ans&i=APP0001&q=copies&v=99",
        "a=submit&i=APP0001",
        "a=hack",
        "a=ans&i=APP0001&q=phone&v=1",
    ):
        outcome = chat.postback(data)
        assert "このボタンは現在ご利用いただけません" in text_of(outcome)
        assert chat.state.question_id == "copies" and chat.state.answers == {"delivery": "mail"}
