"""The catalog YAML: the shipped one loads, broken ones are refused with clear messages."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog import CATALOG_PATH, default_catalog
from domain.catalog import CatalogError, load_catalog
from tests.unit.test_conversation_support import Chat

Data = dict[str, Any]


def test_shipped_catalog_loads() -> None:
    catalog = load_catalog(CATALOG_PATH)
    assert default_catalog() == catalog
    assert [p.code for p in catalog.procedures] == ["juminhyo", "inkan", "shotoku"]
    for procedure in catalog.procedures:
        assert procedure.fee_per_copy == 300
        assert procedure.identity_method == "id_photo"
        copies = procedure.question("copies")
        assert copies is not None and (copies.type, copies.min, copies.max) == ("number", 1, 10)
    juminhyo = catalog.get("juminhyo")
    assert juminhyo is not None and juminhyo.name.ja == "住民票の写し"
    assert [q.id for q in juminhyo.questions] == [
        "copies",
        "purpose",
        "purpose_detail",
        "scope",
        "members",
        "include_head_relationship",
        "include_domicile",
        "name_kanji",
        "name_kana",
        "birth_date",
        "address",
        "phone",
    ]
    assert juminhyo.delivery == ("mail",)
    shotoku = catalog.get("shotoku")
    assert shotoku is not None and shotoku.delivery == ("mail", "digital")
    assert shotoku.question("fiscal_year") is not None and shotoku.question("scope") is None
    inkan = catalog.get("inkan")
    assert inkan is not None and inkan.question("scope") is None
    assert all("my_number" not in q.id for p in catalog.procedures for q in p.questions)


def _base() -> Data:
    return {
        "procedures": [
            {
                "code": "test",
                "name": {"ja": "テスト証明書", "en": "Test certificate"},
                "label": {"ja": "テスト", "en": "Test"},
                "description": {"ja": "説明です。", "en": "A description."},
                "fee_per_copy": 200,
                "identity_method": "jpki",
                "delivery": ["mail"],
                "questions": [
                    {
                        "id": "copies",
                        "type": "number",
                        "min": 1,
                        "max": 3,
                        "label": {"ja": "通数", "en": "Copies"},
                        "prompt": {"ja": "通数を入力してください。", "en": "How many?"},
                    },
                    {
                        "id": "kind",
                        "type": "choice",
                        "label": {"ja": "種類", "en": "Kind"},
                        "prompt": {"ja": "種類を選んでください。", "en": "Which kind?"},
                        "options": [
                            {"value": "a", "label": {"ja": "甲", "en": "A"}},
                            {"value": "b", "label": {"ja": "乙", "en": "B"}},
                        ],
                    },
                    {
                        "id": "note",
                        "type": "text",
                        "max_length": 30,
                        "when": {"question": "kind", "equals": "b"},
                        "label": {"ja": "備考", "en": "Note"},
                        "prompt": {"ja": "備考を入力してください。", "en": "Any note?"},
                    },
                ],
            }
        ]
    }


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "procedures.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _question(n: int, **changes: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["procedures"][0]["questions"][n].update(changes)

    return change


def _procedure(**changes: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["procedures"][0].update(changes)

    return change


def _duplicate_procedure(data: Data) -> None:
    data["procedures"].append(copy.deepcopy(data["procedures"][0]))


def _remove(field: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        del data["procedures"][0][field]

    return change


BROKEN: dict[str, tuple[Callable[[Data], None], list[str]]] = {
    "duplicate code": (_duplicate_procedure, ["duplicate procedure code", "'test'"]),
    "unknown type": (_question(1, type="slider"), ["'test'", "'kind'", "'type'", "choice"]),
    "when names unknown question": (
        _question(2, when={"question": "colour", "equals": "b"}),
        ["'test'", "'note'", "'when.question'", "unknown question 'colour'"],
    ),
    "when names a later question": (
        _question(0, type="yesno", min=None, max=None, when={"question": "kind", "equals": "b"}),
        ["'copies'", "'when.question'"],
    ),
    "when equals unknown option": (
        _question(2, when={"question": "kind", "equals": "c"}),
        ["'note'", "'when.equals'", "'c' is not an option"],
    ),
    "choice without options": (_question(1, options=[]), ["'kind'", "'options'", "needs options"]),
    "too many options": (
        _question(1, options=[{"value": f"o{n}", "label": {"ja": "x", "en": "x"}} for n in range(14)]),
        ["'kind'", "'options'", "13"],
    ),
    "duplicate option": (
        _question(1, options=[{"value": "a", "label": {"ja": "x", "en": "x"}}] * 2),
        ["'kind'", "duplicate option value"],
    ),
    "label over 20": (
        _question(1, label={"ja": "種類", "en": "A very long label for a button"}),
        ["'test'", "'kind'", "'label.en'", "20 characters"],
    ),
    "option label over 20": (
        _question(1, options=[{"value": "a", "label": {"ja": "あ" * 21, "en": "A"}}]),
        ["'kind'", "'options.0.label.ja'", "20 characters"],
    ),
    "negative fee": (
        _procedure(fee_per_copy=-300),
        ["'test'", "'fee_per_copy'", "greater than or equal to 0"],
    ),
    "unknown identity": (_procedure(identity_method="stamp"), ["'identity_method'", "jpki"]),
    "unknown delivery": (_procedure(delivery=["pigeon"]), ["'delivery.0'", "digital"]),
    "no delivery": (_procedure(delivery=[]), ["'delivery'"]),
    "repeated delivery": (_procedure(delivery=["mail", "mail"]), ["'delivery'", "listed twice"]),
    "missing name": (_remove("name"), ["'test'", "'name'", "Field required"]),
    "typo field": (_question(1, prompts={"ja": "x", "en": "x"}), ["'kind'", "'prompts'", "Extra inputs"]),
    "duplicate question": (_question(2, id="kind", when=None), ["'kind'", "duplicate question id"]),
    "reserved id": (_question(2, id="delivery", when=None), ["'delivery'", "reserved"]),
    "copies not a number": (_question(0, type="text", min=None, max=None), ["'copies'", "must be a number"]),
    "number without range": (_question(0, max=None), ["'copies'", "'max'", "min <= max"]),
    "options on text": (
        _question(2, options=[{"value": "a", "label": {"ja": "x", "en": "x"}}]),
        ["'options'"],
    ),
    "bad code": (_procedure(code="Bad Code!"), ["'code'", "pattern"]),
    "bad option value": (
        _question(1, options=[{"value": "a&b=c", "label": {"ja": "x", "en": "x"}}]),
        ["'options.0.value'", "pattern"],
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_catalog_is_refused_with_a_clear_message(name: str, tmp_path: Path) -> None:
    change, expected = BROKEN[name]
    data = _base()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(CatalogError) as error:
        load_catalog(path)
    message = str(error.value)
    assert str(path) in message
    for part in expected:
        assert part in message, (part, message)


def test_base_catalog_is_valid(tmp_path: Path) -> None:
    assert load_catalog(_write(tmp_path, _base())).procedures[0].code == "test"


@pytest.mark.parametrize(
    ("content", "expected"),
    [("procedures: [", "not valid YAML"), ("- a\n- b\n", "top level"), ("", "top level")],
)
def test_unreadable_catalogs(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError, match=expected):
        load_catalog(path)
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.yaml")


def test_a_new_procedure_is_yaml_only(tmp_path: Path) -> None:
    catalog = load_catalog(_write(tmp_path, _base()))
    chat = Chat(language="en", catalog=catalog)
    outcome = chat.follow()
    assert "Test" in [item["action"]["label"] for item in outcome.messages[-1]["quickReply"]["items"]]
    chat.start("test")
    chat.text("2")
    chat.text("B")
    assert chat.state.question_id == "note"
    chat.text("urgent")
    outcome = chat.text("submit")
    assert outcome.submitted is not None
    assert outcome.submitted.answers == {"delivery": "mail", "copies": "2", "kind": "b", "note": "urgent"}
    assert outcome.submitted.fee_total == 400
    assert "My Number card" in str(outcome.messages)
