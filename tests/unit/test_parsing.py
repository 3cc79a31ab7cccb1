"""Parsers of typed answers: copies, dates (Western and Japanese eras), names, phones, free text."""

from __future__ import annotations

from datetime import date

import pytest

from domain.commands import Command, is_skip, is_submit, match_command, yes_no
from domain.dates import format_date
from domain.errors import ParseError
from domain.parsing import (
    clean_text,
    normalize_command,
    parse_count,
    parse_date,
    parse_kana,
    parse_phone,
    parse_text,
    within,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2", 2), ("２", 2), ("2部", 2), ("2通", 2), ("2 copies", 2), ("1 copy", 1), (" 10 ", 10), ("０３", 3)],
)
def test_count_accepted(text: str, expected: int) -> None:
    assert parse_count(text, 1, 10) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("三", "count_not_digit"),
        ("二部", "count_not_digit"),
        ("two", "count_not_digit"),
        ("2.5", "count_not_digit"),
        ("-1", "count_not_digit"),
        ("", "count_not_digit"),
        ("0", "count_range"),
        ("11", "count_range"),
        ("9" * 5000, "count_range"),
    ],
)
def test_count_refused_with_the_range(text: str, key: str) -> None:
    assert parse_count(text, 1, 10) == ParseError(key, {"min": "1", "max": "10"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2001-02-03", date(2001, 2, 3)),
        ("2001/2/3", date(2001, 2, 3)),
        ("2001.2.3", date(2001, 2, 3)),
        ("2001年2月3日", date(2001, 2, 3)),
        ("２００１年２月３日", date(2001, 2, 3)),
        ("20010203", date(2001, 2, 3)),
        ("平成13年2月3日", date(2001, 2, 3)),
        ("㍻13年2月3日", date(2001, 2, 3)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("H13.2.3", date(2001, 2, 3)),
        ("h13/2/3", date(2001, 2, 3)),
        ("R3.2.3", date(2021, 2, 3)),
        ("令和3年2月3日", date(2021, 2, 3)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("S64.1.7", date(1989, 1, 7)),
        ("昭和50年10月10日", date(1975, 10, 10)),
        ("T1.7.30", date(1912, 7, 30)),
        ("大正15年12月24日", date(1926, 12, 24)),
        ("M45.7.29", date(1912, 7, 29)),
        ("明治33年1月1日", date(1900, 1, 1)),
        ("3 Feb 2001", date(2001, 2, 3)),
        ("February 3rd, 2001", date(2001, 2, 3)),
        ({"date": "2001-02-03"}, date(2001, 2, 3)),
    ],
)
def test_date_accepted(text: str | dict[str, str], expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2001-02-30", "date_invalid"),
        ("2001-13-01", "date_invalid"),
        ("平成31年2月29日", "date_invalid"),
        ("H32.1.1", "date_era"),
        ("平成31年5月1日", "date_era"),
        ("H1.1.7", "date_era"),
        ("S64.1.8", "date_era"),
        ("R1.4.30", "date_era"),
        ("令和0年1月1日", "date_era"),
        ("T15.12.25", "date_era"),
        ("01/02/2001", "date_format"),
        ("yesterday", "date_format"),
        ("三月三日", "date_format"),
        ("3 Smarch 2001", "date_format"),
        ("", "date_format"),
        ({"date": "2001-2-3"}, "date_format"),
        ({}, "date_format"),
    ],
)
def test_date_refused(text: str | dict[str, str], key: str) -> None:
    result = parse_date(text)
    assert isinstance(result, ParseError) and result.key == key


def test_era_error_names_the_span_in_both_languages() -> None:
    result = parse_date("H32.1.1")
    assert isinstance(result, ParseError)
    assert result.params["span_ja"] == "1989年1月8日から2019年4月30日まで"
    assert result.params["span_en"] == "from 8 Jan 1989 to 30 Apr 2019"


def test_birth_date_range() -> None:
    today = date(2026, 11, 27)
    assert within(date(2026, 11, 27), date(1900, 1, 1), today) == date(2026, 11, 27)
    assert within(date(2026, 11, 28), date(1900, 1, 1), today) == ParseError("date_future")
    assert within(date(1899, 12, 31), date(1900, 1, 1), today) == ParseError("date_too_early", {"earliest": "1900"})
    assert format_date(date(2001, 2, 3), "ja") == "2001年2月3日"
    assert format_date(date(2001, 2, 3), "en") == "3 Feb 2001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ヤマダ タロウ", "ヤマダ タロウ"),
        ("やまだ　たろう", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("  ヤマダ   タロウ ", "ヤマダ タロウ"),
        ("ヴィクトール・ユーゴー", "ヴィクトール・ユーゴー"),
        ("やま\u200bだ", "ヤマダ"),
    ],
)
def test_kana_normalised(text: str, expected: str) -> None:
    assert parse_kana(text, 50) == expected


@pytest.mark.parametrize("text", ["山田", "Yamada", "ヤマダ1", "🙂"])
def test_kana_refused(text: str) -> None:
    assert isinstance(parse_kana(text, 50), ParseError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("090-1234-5678", "090-1234-5678"),
        ("09012345678", "09012345678"),
        ("０９０ー１２３４ー５６７８", "090-1234-5678"),
        ("047(334)1111", "0473341111"),
        ("+81 90 1234 5678", "09012345678"),
        ("03 1234 5678", "0312345678"),
    ],
)
def test_phone_accepted(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize("text", ["123", "1234567890", "090-1234-56789", "090--1234-5678", "-09012345678", "abc", ""])
def test_phone_refused(text: str) -> None:
    assert parse_phone(text) == ParseError("phone_invalid")


def test_clean_text_strips_invisible_and_control_characters() -> None:
    assert clean_text("a\u202eb\u202c\u2066c\u2069\u200bd") == "abcd"
    assert clean_text("x\x00y\x07z") == "x y z"
    assert clean_text("  a \n\t b\u3000c  ") == "a b c"
    assert clean_text("\ufeff") == ""


def test_free_text_rules() -> None:
    assert parse_text("Ｔｏｋｙｏ　１－２", 20) == "Tokyo 1-2"
    assert parse_text("髙橋 﨑", 20) == "髙橋 﨑"  # variant kanji in names are kept as typed
    assert parse_text("", 20) == ParseError("text_empty")
    assert parse_text("\u200b\u202e", 20) == ParseError("text_empty")
    assert parse_text("🙂🙂", 20) == ParseError("text_meaningless")
    assert parse_text("!!!", 20) == ParseError("text_meaningless")
    assert parse_text("a" * 21, 20) == ParseError("text_too_long", {"max": "20", "length": "21"})


def test_commands_and_answers_match_after_normalisation() -> None:
    assert normalize_command(" ＭＥＮＵ ") == "menu"
    assert match_command("メニュー") == Command.MENU
    assert match_command("Status") == Command.STATUS
    assert match_command("やめる") == Command.CANCEL
    assert match_command("戻る。") == Command.BACK
    assert match_command("英語") == Command.ENGLISH and match_command("Japanese") == Command.JAPANESE
    assert match_command("住民票") is None
    assert yes_no("はい") is True and yes_no("No") is False and yes_no("maybe") is None
    assert is_submit("申請する") and is_skip("スキップ") and not is_skip("スキ")
