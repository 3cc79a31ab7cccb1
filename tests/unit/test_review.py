"""Clerk review rules: decision validation, business-day deadlines, resident messages."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.models import DecisionInput
from domain.review import InvalidDecision, add_business_days, decision_messages, is_business_day, validate
from domain.state import JST
from tests.support.emulator import quick_replies, texts_of


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 11, 27), True),  # Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 23), False),  # 勤労感謝の日
        (date(2026, 12, 29), False),  # year-end closure
        (date(2027, 1, 3), False),
        (date(2027, 1, 4), True),
        (date(2027, 1, 11), False),  # 成人の日
    ],
)
def test_business_days(day: date, open_: bool) -> None:
    assert is_business_day(day) is open_


def test_one_business_day_skips_weekends_holidays_and_the_year_end() -> None:
    assert add_business_days(jst(2026, 11, 26, 10, 0), 1) == jst(2026, 11, 27, 10, 0)
    assert add_business_days(jst(2026, 11, 27, 16, 30), 1) == jst(2026, 11, 30, 16, 30), "Friday -> Monday"
    assert add_business_days(jst(2026, 11, 28, 13, 0), 1) == jst(2026, 12, 1, 8, 45), "Saturday counts from Monday"
    assert add_business_days(jst(2026, 12, 28, 9, 0), 1) == jst(2027, 1, 4, 9, 0), "over the year-end closure"
    assert add_business_days(jst(2026, 11, 20, 9, 0), 1) == jst(2026, 11, 24, 9, 0), "over 勤労感謝の日 (Mon 23rd)"


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (DecisionInput("approve"), "clerk is missing"),
        (DecisionInput("later", clerk_login="c"), "decision must be one of"),
        (DecisionInput("reject", clerk_login="c"), "a reason is required"),
        (DecisionInput("request_photo", "duplicate", clerk_login="c"), "a reason is required"),
        (DecisionInput("reject", "other", " ", clerk_login="c"), "needs a note"),
        (DecisionInput("reject", "duplicate", "x" * 501, clerk_login="c"), "longer than 500"),
    ],
)
def test_invalid_decisions_say_why(decision: DecisionInput, message: str) -> None:
    with pytest.raises(InvalidDecision, match=message):
        validate(decision)


def test_valid_decisions_pass() -> None:
    validate(DecisionInput("approve", clerk_login="c"))
    validate(DecisionInput("reject", "not_in_registry", clerk_login="c"))
    validate(DecisionInput("request_photo", "other", "もっと明るく", clerk_login="c"))


def test_decision_messages_in_the_residents_language() -> None:
    [approved] = decision_messages(DecisionInput("approve", clerk_login="c"), "en", "AB-CD")
    assert "AB-CD" in texts_of(approved) and "approved" in texts_of(approved)
    [rejected] = decision_messages(DecisionInput("reject", "duplicate", "see you", clerk_login="c"), "ja", "X")
    assert "同じ内容の申請" in texts_of(rejected) and "see you" in texts_of(rejected) and "047" in texts_of(rejected)
    again = decision_messages(DecisionInput("request_photo", "unreadable", clerk_login="c"), "en", "X")
    assert "could not be read" in texts_of(again[0])
    assert {a["type"] for a in quick_replies(again[-1])} == {"camera", "cameraRoll"}
