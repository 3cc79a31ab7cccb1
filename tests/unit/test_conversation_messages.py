"""Texts, LINE message builders and the postback grammar."""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import urlencode

import pytest

from domain import flow
from domain.catalog import parse_catalog
from domain.postback import decode, encode
from messages import flex, line
from messages.texts import RESIDENT, t, yen
from tests.unit.test_conversation_support import CATALOG, Chat, juminhyo_at_card, labels, utf16


def test_japanese_texts_are_polite() -> None:
    sentences = [re.sub(r"（[^（）]*）。$", "。", v["ja"]) for v in RESIDENT.values() if v["ja"].endswith("。")]
    assert sentences and all(s.endswith(("す。", "い。", "か。", "た。", "ん。")) for s in sentences)


def test_text_falls_back_to_japanese_and_formats_yen() -> None:
    assert t("label_yes", "fr") == "はい"
    assert yen(1200, "ja") == "1,200円" and yen(1200, "en") == "¥1,200"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("短い", 20, "短い"),
        ("Certificate of residence", 20, "Certificate of resi…"),
        ("👨‍👩‍👧‍👦" * 10, 20, None),
        ("が" * 30, 20, "が" * 19 + "…"),
        ("", 20, "-"),
        ("   ", 20, "-"),
    ],
)
def test_fit_truncates_safely(text: str, limit: int, expected: str | None) -> None:
    result = line.fit(text, limit)
    assert utf16(result) <= limit
    if expected is not None:
        assert result == expected
    assert not result.endswith("\u200d…")


def test_postback_action_limits() -> None:
    action = line.postback("x" * 50, "d" * 400, "y" * 400)
    assert utf16(action["label"]) <= 20 and len(action["data"]) <= 300 and len(action["displayText"]) <= 300
    message = line.text("z" * 6000, [line.message_action(str(n), str(n)) for n in range(20)])
    assert len(message["text"]) <= 5000 and len(message["quickReply"]["items"]) == 13


def test_postback_grammar_round_trips() -> None:
    data = encode("ans", i="01JABC", q="purpose", v="real_estate")
    assert data == "a=ans&i=01JABC&q=purpose&v=real_estate"
    postback = decode(data)
    assert postback is not None and postback.action == "ans" and postback.get("v") == "real_estate"
    for bad in ("", "=&&=", "a=nope", "a=ans&a=ans", "a=ans&x=1", "x" * 301, "a=ans&v=%00"):
        assert decode(bad) is None, bad


@pytest.mark.parametrize(
    "value",
    ["", "2", "ABCDE-FGHJK", "a.b_c~d", "就職・転職", "Bank/loan", "Whole household", "a&b=c", "100%", "+ -", "é"],
)
def test_postback_encoding_is_urlencode_s(value: str) -> None:
    data = encode("ans", i="01J-X", q="purpose", v=value)
    assert data == urlencode({"a": "ans", "i": "01J-X", "q": "purpose", "v": value})
    postback = decode(data)
    assert postback is None or postback.get("v") == value  # decode refuses only what is not printable ASCII


def test_card_stays_small_with_the_longest_answers() -> None:
    chat = juminhyo_at_card()
    chat.text("修正")
    chat.tap("住所")
    outcome = chat.text("市" * 100)
    assert outcome.messages[-1]["type"] == "flex"
    size = len(json.dumps(outcome.messages[-1]["contents"]))
    assert size < 30_000
    footer = outcome.messages[-1]["contents"]["footer"]["contents"]
    assert [b["action"]["label"] for b in footer] == ["申請する", "修正する", "キャンセル"]
    assert all(b["action"]["type"] == "postback" for b in footer)


def test_flex_card_builder_caps_long_values() -> None:
    rows = [("項目" * 30, "値" * 5000)] * 60
    bubble = flex.confirmation_card("t", "s", rows, "fee", "1", "note", [])
    assert len(json.dumps(bubble)) < 30_000


def test_choice_with_thirteen_options_keeps_every_option_in_the_quick_replies() -> None:
    data = CATALOG.model_dump()
    options = [{"value": f"o{n}", "label": {"ja": f"選択肢{n}", "en": f"Option {n}"}} for n in range(1, 14)]
    question = {
        "id": "many",
        "type": "choice",
        "label": {"ja": "多い", "en": "Many"},
        "prompt": {"ja": "選んでください。", "en": "Choose."},
        "options": options,
    }
    data["procedures"][0]["questions"] = [question]
    chat = Chat(catalog=parse_catalog(data))
    outcome = chat.start("juminhyo")
    assert labels(outcome) == [f"選択肢{n}" for n in range(1, 14)]
    chat.text("13")
    assert chat.state.answers["many"] == "o13" and chat.state.phase == "confirming"


def test_menu_stays_small_with_forty_long_procedures() -> None:
    data = CATALOG.model_dump()
    template = data["procedures"][0]
    data["procedures"] = [
        {**template, "code": f"p{n}", "description": {"ja": "説明" * 400, "en": "Long " * 150}} for n in range(40)
    ]
    outcome = Chat(catalog=parse_catalog(data)).text("メニュー")
    assert len(json.dumps(outcome.messages[-1]["contents"])) < 30_000
    assert len(labels(outcome)) == 13


def test_posted_numbers_accept_ascii_digits_only() -> None:
    procedure = CATALOG.get("juminhyo")
    assert procedure is not None
    copies = flow.find_question(procedure, "copies")
    assert copies is not None
    today = date(2026, 11, 27)
    assert flow.parse_posted(copies, "3", {}, today) == "3"
    for bad in ("²", "٢", "0", "11", "9" * 50, ""):
        assert flow.parse_posted(copies, bad, {}, today) is None
    assert flow.copies(procedure, {"copies": "²"}) == 1
