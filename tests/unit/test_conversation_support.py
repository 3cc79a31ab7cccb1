"""A scripted resident for the conversation tests, checking LINE's limits on every reply."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from catalog import CATALOG_PATH
from domain.catalog import Catalog, load_catalog
from domain.conversation import Context, ConversationState, Outcome, handle
from domain.models import ApplicationSummary, Inbound
from domain.state import PHASES

CATALOG = load_catalog(CATALOG_PATH)
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 12:00 in Japan

JUMINHYO_ANSWERS = [
    "2",
    "就職・転職",
    "世帯全員",
    "はい",
    "いいえ",
    "市川 太郎",
    "いちかわ　たろう",
    "平成13年2月3日",
    "千葉県市川市八幡1-1-1",
    "090-1234-5678",
]


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


def check_limits(outcome: Outcome) -> None:
    """Every reply fits LINE: <= 5 messages, quick replies, labels, data, flex size, altText."""
    assert len(outcome.messages) <= 5
    json.dumps(outcome.state.to_dict())
    assert ConversationState.from_dict(json.loads(json.dumps(outcome.state.to_dict()))) == outcome.state
    assert outcome.state.phase in PHASES
    for message in outcome.messages:
        json.dumps(message)
        assert message["type"] in ("text", "flex")
        if message["type"] == "text":
            assert 0 < len(message["text"]) <= 5000
        else:
            assert 0 < len(message["altText"]) <= 400
            assert len(json.dumps(message["contents"])) < 30_000  # \u-escaped: the larger measure
        items = message.get("quickReply", {}).get("items", [])
        assert len(items) <= 13
        for node in _walk(message):
            if node.get("type") == "text" and "text" in node:
                assert node["text"].strip()
            if "label" in node:
                assert 0 < utf16(node["label"]) <= 20, node["label"]
            if "data" in node:
                assert len(node["data"]) <= 300
            if "displayText" in node:
                assert len(node["displayText"]) <= 300


def text_of(outcome: Outcome) -> str:
    """All the words the resident sees in one reply (texts, flex texts and alt texts)."""
    parts: list[str] = []
    for message in outcome.messages:
        for node in _walk(message):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            if isinstance(node.get("altText"), str):
                parts.append(node["altText"])
    return "\n".join(parts)


def quick_replies(outcome: Outcome) -> list[dict[str, Any]]:
    """The actions of the quick replies the resident sees (LINE shows only the last message's)."""
    items = outcome.messages[-1].get("quickReply", {}).get("items", []) if outcome.messages else []
    return [item["action"] for item in items]


def labels(outcome: Outcome) -> list[str]:
    return [action["label"] for action in quick_replies(outcome)]


def buttons(outcome: Outcome) -> list[dict[str, Any]]:
    """Quick replies plus flex buttons."""
    flex_actions = [node["action"] for m in outcome.messages for node in _walk(m) if node.get("type") == "button"]
    return quick_replies(outcome) + flex_actions


class Chat:
    """One resident talking to the conversation; state round-trips through a dict every turn."""

    def __init__(
        self,
        language: str = "ja",
        applications: list[ApplicationSummary] | None = None,
        catalog: Catalog = CATALOG,
        display_name: str | None = None,
    ) -> None:
        self.state = ConversationState(language=language)
        self.applications = applications if applications is not None else []
        self.catalog = catalog
        self.display_name = display_name
        self.reserved = 1
        self.last: Outcome | None = None

    def ctx(self) -> Context:
        new_id = f"APP{self.reserved:04d}"
        return Context(self.catalog, NOW, self.applications, new_id, self.display_name)

    def send(self, inbound: Inbound) -> Outcome:
        before = self.state.to_dict()
        outcome = handle(self.state, inbound, self.ctx())
        assert self.state.to_dict() == before, "handle must not modify the state it is given"
        check_limits(outcome)
        if outcome.used_new_application_id:
            self.reserved += 1
        self.state = ConversationState.from_dict(json.loads(json.dumps(outcome.state.to_dict())))
        self.last = outcome
        return outcome

    def text(self, text: str) -> Outcome:
        return self.send(Inbound(kind="text", text=text))

    def postback(self, data: str, params: dict[str, str] | None = None) -> Outcome:
        return self.send(Inbound(kind="postback", data=data, params=params or {}))

    def follow(self) -> Outcome:
        return self.send(Inbound(kind="follow"))

    def tap(self, label: str, params: dict[str, str] | None = None) -> Outcome:
        """Tap the button (quick reply or flex) with this label in the last reply."""
        assert self.last is not None
        for action in buttons(self.last):
            if action["label"] == label:
                return self.postback(action["data"], params)
        raise AssertionError(f"no button {label!r} in {[a['label'] for a in buttons(self.last)]}")

    def start(self, code: str) -> Outcome:
        return self.postback(f"a=start&p={code}")

    def answer_all(self, answers: list[str]) -> Outcome:
        outcome = self.last
        for answer in answers:
            outcome = self.text(answer)
        assert outcome is not None
        return outcome


def juminhyo_at_card(language: str = "ja") -> Chat:
    chat = Chat(language=language)
    chat.start("juminhyo")
    chat.answer_all(JUMINHYO_ANSWERS)
    assert chat.state.phase == "confirming"
    return chat


def summary(app_id: str, status: str = "AwaitingIdPhoto", code: str = "juminhyo") -> ApplicationSummary:
    return ApplicationSummary(app_id, code, status, "2026-11-20T01:30:00+00:00")
