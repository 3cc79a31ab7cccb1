"""Hostile and malformed input in every phase: never an exception, always a sensible reply."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.conversation import handle
from domain.models import Inbound
from tests.unit.test_conversation_support import (
    JUMINHYO_ANSWERS,
    Chat,
    check_limits,
    juminhyo_at_card,
    summary,
)

LONG = "長" * 5000


def _text(value: str) -> Inbound:
    return Inbound(kind="text", text=value)


def _postback(data: str, params: dict[str, str] | None = None) -> Inbound:
    return Inbound(kind="postback", data=data, params=params or {})


HOSTILE: dict[str, Inbound] = {
    "empty": _text(""),
    "whitespace": _text(" \t\u3000\n "),
    "5000 chars": _text(LONG),
    "5000 digits": _text("9" * 5000),
    "emoji only": _text("🙂🎉👨‍👩‍👧‍👦"),
    "rtl override": _text("\u202eevil\u202c\u2066x\u2069"),
    "zero width": _text("\u200b\u200c\u200d\ufeff"),
    "control chars": _text("\x01\x02\x1b[31m\x7f"),
    "null bytes": _text("a\x00b\x00"),
    "html": _text("<script>alert(1)</script>"),
    "sql": _text("'; DROP TABLE applications; --"),
    "json": _text('{"a": [1, 2, {"b": null}]}'),
    "format string": _text("{procedure} {0} %s %n {{}}"),
    "path": _text("../../etc/passwd"),
    "newlines": _text("\r\n\r\n"),
    "lone surrogate-ish": _text("\ud800"),
    "full-width junk": _text("１２３４５６７８９０" * 100),
    "negative": _text("-1"),
    "exponent": _text("1e9"),
    "nan": _text("NaN"),
    "postback empty": _postback(""),
    "postback =&&=": _postback("=&&="),
    "postback 300 chars": _postback("a=start&p=" + "x" * 290),
    "postback 301 chars": _postback("x" * 301),
    "postback 5000 chars": _postback("a=ans&" + "q=1&" * 1250),
    "postback no action": _postback("i=APP0001&q=copies&v=1"),
    "postback unknown action": _postback("a=drop&i=APP0001"),
    "postback duplicate keys": _postback("a=submit&i=APP0001&i=APP0002"),
    "postback unknown key": _postback("a=submit&i=APP0001&zz=1"),
    "postback bad percent": _postback("a=%zz&i=%"),
    "postback null byte": _postback("a=ans%00&i=APP0001"),
    "postback missing id": _postback("a=ok&k=cancel&v=yes"),
    "postback wrong id": _postback("a=submit&i=APP9999"),
    "postback unknown command": _postback("a=cmd&c=shutdown"),
    "postback unknown confirm": _postback("a=ok&k=launch&i=APP0001&v=yes"),
    "postback bad date": _postback("a=ans&i=APP0001&q=birth_date", {"date": "9999-99-99"}),
    "postback huge date": _postback("a=ans&i=APP0001&q=birth_date", {"date": "2" * 5000}),
    "postback no date": _postback("a=ans&i=APP0001&q=birth_date"),
    "postback superscript two": _postback("a=ans&i=APP0001&q=copies&v=%C2%B2"),
    "postback arabic two": _postback("a=ans&i=APP0001&q=copies&v=%D9%A2"),
    "postback huge number": _postback("a=ans&i=APP0001&q=copies&v=" + "9" * 90),
    "superscript two": _text("²"),
    "arabic-indic digits": _text("٢٠٠١-٠٢-٠٣"),
    "postback wrong question": _postback("a=ans&i=APP0001&q=nonexistent&v=1"),
    "postback editq unknown": _postback("a=editq&i=APP0001&q=../x"),
    "postback withdraw unknown": _postback("a=wd&i=NOPE"),
    "postback start unknown": _postback("a=start&p=%3Cscript%3E"),
    "image": Inbound(kind="image", content_id="1"),
    "sticker": Inbound(kind="unsupported", message_type="sticker"),
    "location": Inbound(kind="unsupported", message_type="location"),
    "video": Inbound(kind="unsupported", message_type="video"),
    "audio": Inbound(kind="unsupported", message_type="audio"),
    "file": Inbound(kind="unsupported", message_type="file"),
    "unknown kind": Inbound(kind="beacon"),
    "empty kind": Inbound(kind=""),
    "follow": Inbound(kind="follow"),
    "unfollow": Inbound(kind="unfollow"),
}


def _asking(question: str, code: str = "juminhyo") -> Callable[[], Chat]:
    def build() -> Chat:
        chat = Chat()
        chat.start(code)
        answers = JUMINHYO_ANSWERS if code == "juminhyo" else ["1", "自動車"]
        while chat.state.question_id != question:
            chat.text(answers[len(chat.state.asked)])
        return chat

    return build


def _at_card(*steps: str) -> Callable[[], Chat]:
    def build() -> Chat:
        chat = juminhyo_at_card()
        for step in steps:
            chat.text(step)
        return chat

    return build


def _switching() -> Chat:
    chat = Chat()
    chat.start("juminhyo")
    chat.start("shotoku")
    return chat


def _withdrawing() -> Chat:
    chat = Chat(applications=[summary("APP0100")])
    chat.text("キャンセル")
    return chat


PHASES: dict[str, Callable[[], Chat]] = {
    "idle": Chat,
    "idle with application": lambda: Chat(applications=[summary("APP0100"), summary("APP0101")]),
    "asking number": _asking("copies"),
    "asking choice": _asking("purpose"),
    "asking yesno": _asking("include_head_relationship"),
    "asking text": _asking("name_kanji"),
    "asking kana": _asking("name_kana"),
    "asking date": _asking("birth_date"),
    "asking phone": _asking("phone"),
    "asking optional": _asking("registration_number", "inkan"),
    "confirming": _at_card(),
    "editing": _at_card("修正"),
    "asking during edit": _at_card("修正", "1"),
    "confirm_cancel": _at_card("キャンセル"),
    "confirm_switch": _switching,
    "confirm_withdraw": _withdrawing,
}


@pytest.mark.parametrize("phase", list(PHASES))
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_never_breaks_the_conversation(phase: str, name: str) -> None:
    chat = PHASES[phase]()
    before = chat.state
    outcome = handle(before, HOSTILE[name], chat.ctx())
    check_limits(outcome)
    assert outcome.submitted is None and outcome.withdraw_application_id is None
    if name == "unfollow":
        assert outcome.messages == [] and outcome.state == before
        return
    assert 1 <= len(outcome.messages) <= 5
    if before.in_intake():
        assert outcome.state.application_id == before.application_id
        assert outcome.state.procedure_code == before.procedure_code
        assert not outcome.used_new_application_id
    assert ("Traceback" not in str(outcome.messages)) and ("Error" not in str(outcome.messages))


def test_there_are_at_least_thirty_hostile_inputs() -> None:
    assert len(HOSTILE) >= 30
