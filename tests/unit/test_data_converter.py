"""The data converter's dataclass decoding (config.temporal.DataclassTypeConverter) gives what Temporal's
stock `value_to_type` gives, values and errors alike, with each class's field types resolved once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pytest
from temporalio.converter import value_to_type

from config.temporal import DataclassTypeConverter, data_converter
from domain.models import (
    ApplicationSummary,
    ConversationInput,
    Inbound,
    LineEventInput,
    Profile,
    SendMessagesInput,
)


class Colour(StrEnum):
    RED = "red"


@dataclass
class Leaf:
    name: str
    when: datetime | None = None


@dataclass
class Tree:
    count: int
    ratio: float
    flag: bool
    colour: Colour
    leaf: Leaf
    leaves: list[Leaf] = field(default_factory=list)
    by_name: dict[str, Leaf] = field(default_factory=dict)
    maybe: Leaf | None = None
    anything: Any = None
    computed: str = field(default="", init=False)


@dataclass
class Inner:  # decoded by one test only, so no other has had its field types resolved
    name: str


@dataclass
class Outer:
    inner: Inner
    inners: list[Inner]


def stock(hint: type, value: Any) -> Any:
    return value_to_type(hint, value, [])


def ours(hint: type, value: Any) -> Any:
    return value_to_type(hint, value, [DataclassTypeConverter()])


def json_of(obj: Any) -> Any:
    return json.loads(json.dumps(asdict(obj), default=str))


SAMPLES: list[tuple[type, Any]] = [
    (
        LineEventInput,
        json_of(
            LineEventInput(
                webhook_event_id="01J",
                timestamp_ms=1,
                line_user_id="U" + "1" * 32,
                inbound=Inbound(kind="postback", data="a=1", params={"date": "2001-02-03"}),
                reply_token="r",
                profile=Profile(display_name="市川 太郎", language=None),
            )
        ),
    ),
    (LineEventInput, {"webhook_event_id": "e", "timestamp_ms": 2, "line_user_id": "U", "inbound": {"kind": "follow"}}),
    (
        ConversationInput,
        json_of(
            ConversationInput(
                line_user_id="U",
                state={"phase": "menu", "answers": {"copies": "2"}},
                applications=[ApplicationSummary("A-1", "juminhyo", "AwaitingIdPhoto", "2026-11-28T00:00:00+00:00")],
                seen_event_ids=["e1", "e2"],
            )
        ),
    ),
    (SendMessagesInput, {"line_user_id": "U", "messages": [{"type": "text", "text": "はい"}], "unknown": 1}),
    (
        Tree,
        {
            "count": 3.0,  # a float where an int is declared: converted as the stock converter does
            "ratio": 2,
            "flag": True,
            "colour": "red",
            "leaf": {"name": "a", "when": "2026-11-28T01:02:03+00:00"},
            "leaves": [{"name": "b"}, {"name": "c", "when": None}],
            "by_name": {"d": {"name": "d"}},
            "maybe": None,
            "anything": {"x": [1]},
            "computed": "kept",
        },
    ),
]


@pytest.mark.parametrize(("hint", "value"), SAMPLES)
def test_decodes_as_the_stock_converter_does(hint: type, value: Any) -> None:
    expected, got = stock(hint, value), ours(hint, value)
    assert got == expected
    assert type(got) is hint


def test_nested_values_get_their_declared_types() -> None:
    tree = ours(Tree, SAMPLES[-1][1])
    assert type(tree.count) is int and tree.count == 3 and type(tree.ratio) is float
    assert tree.colour is Colour.RED
    assert tree.leaf.when == datetime(2026, 11, 28, 1, 2, 3, tzinfo=UTC)
    assert [type(leaf) for leaf in tree.leaves] == [Leaf, Leaf] and type(tree.by_name["d"]) is Leaf
    assert tree.computed == "kept"  # an init=False field is restored after construction


@pytest.mark.parametrize(
    "value",
    [
        {"count": "three", "ratio": 1.0, "flag": True, "colour": "red", "leaf": {"name": "a"}},
        {"count": 1, "ratio": 1.0, "flag": "yes", "colour": "red", "leaf": {"name": "a"}},
        {"count": 1, "ratio": 1.0, "flag": True, "colour": "blue", "leaf": {"name": "a"}},
        {"count": 1, "ratio": 1.0, "flag": True, "colour": "red", "leaf": "a"},
        {"count": 1, "ratio": 1.0, "flag": True, "colour": "red", "leaf": {"name": 5}},
        {"count": 1, "ratio": 1.0, "flag": True, "colour": "red"},  # a required field missing
    ],
)
def test_refuses_what_the_stock_converter_refuses(value: dict[str, Any]) -> None:
    with pytest.raises(TypeError) as expected:
        stock(Tree, value)
    with pytest.raises(TypeError) as got:
        ours(Tree, value)
    assert str(got.value) == str(expected.value)


def test_a_non_object_for_a_dataclass_is_left_to_the_stock_error() -> None:
    with pytest.raises(TypeError, match="Cannot convert to dataclass"):
        ours(Leaf, ["a"])


def test_field_types_are_resolved_once_per_class(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[type] = []
    resolve = DataclassTypeConverter._plan

    def counting(cls: type) -> Any:
        calls.append(cls)
        return resolve(cls)

    monkeypatch.setattr(DataclassTypeConverter, "_plan", staticmethod(counting))
    value = {"inner": {"name": "a"}, "inners": [{"name": "b"}, {"name": "c"}]}
    for _ in range(3):  # a new converter each time, as the SDK makes one for each workflow run
        assert value_to_type(Outer, value, [DataclassTypeConverter()]) == Outer(Inner("a"), [Inner("b"), Inner("c")])
    assert calls == [Outer, Inner]


async def test_the_data_converter_round_trips_a_signal_through_it() -> None:
    converter = data_converter()
    event = LineEventInput("e", 1, "U", Inbound(kind="text", text="住民票"), profile=Profile("x", "ja"))
    [back] = await converter.decode(await converter.encode([event]), [LineEventInput])
    assert back == event
