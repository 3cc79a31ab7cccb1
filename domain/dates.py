"""Dates as residents type them: Western, Japanese era (和暦) and LINE datetimepicker values."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from domain.errors import ParseError


@dataclass(frozen=True)
class Era:
    ja: str
    en: str
    letter: str
    first: date
    last: date | None


ERAS = (
    Era("明治", "Meiji", "m", date(1868, 10, 23), date(1912, 7, 29)),
    Era("大正", "Taisho", "t", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "Showa", "s", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "Heisei", "h", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "Reiwa", "r", date(2019, 5, 1), None),
)

_SEP_Y = r"\s*(?:[-/.]|年)\s*"
_SEP_M = r"\s*(?:[-/.]|月)\s*"
_WESTERN = re.compile(rf"^(\d{{4}}){_SEP_Y}(\d{{1,2}}){_SEP_M}(\d{{1,2}})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA = re.compile(
    rf"^(明治|大正|昭和|平成|令和|[mtshr])\.?\s*(\d{{1,2}}|元){_SEP_Y}(\d{{1,2}}){_SEP_M}(\d{{1,2}})\s*日?$"
)
_DAY_MONTH = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def parse_date(value: str | Mapping[str, str]) -> date | ParseError:
    """A calendar date from typed text or from datetimepicker postback params {"date": ...}."""
    if not isinstance(value, str):
        picked = _ISO.match(str(value.get("date", ""))[:20])
        if picked is None:
            return ParseError("date_format")
        return _make(*(int(g) for g in picked.groups()))
    text = " ".join(unicodedata.normalize("NFKC", value[:100]).split()).casefold()
    if match := _WESTERN.match(text) or _COMPACT.match(text):
        return _make(*(int(g) for g in match.groups()))
    if match := _ERA.match(text):
        return _from_era(*match.groups())
    if match := _DAY_MONTH.match(text):
        day, month, year = match.groups()
        return _from_month_name(year, month, day)
    if match := _MONTH_DAY.match(text):
        month, day, year = match.groups()
        return _from_month_name(year, month, day)
    return ParseError("date_format")


def within(value: date, earliest: date, latest: date) -> date | ParseError:
    """The date if earliest <= value <= latest, else why not."""
    if value > latest:
        return ParseError("date_future")
    if value < earliest:
        return ParseError("date_too_early", {"earliest": str(earliest.year)})
    return value


def format_date(value: date, language: str) -> str:
    if language == "en":
        return f"{value.day} {_MONTH_ABBR[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def _make(year: int, month: int, day: int) -> date | ParseError:
    try:
        return date(year, month, day)
    except ValueError:
        return ParseError("date_invalid", {"year": str(year), "month": str(month), "day": str(day)})


def _from_month_name(year: str, month: str, day: str) -> date | ParseError:
    number = _MONTHS.get(month)
    if number is None:
        return ParseError("date_format")
    return _make(int(year), number, int(day))


def _from_era(name: str, year_text: str, month: str, day: str) -> date | ParseError:
    era = next(e for e in ERAS if name in (e.ja, e.letter))
    era_year = 1 if year_text == "元" else int(year_text)
    result = _make(era.first.year + era_year - 1, int(month), int(day)) if era_year else None
    if isinstance(result, ParseError):
        return result
    if result is None or result < era.first or (era.last is not None and result > era.last):
        first_ja, first_en = format_date(era.first, "ja"), format_date(era.first, "en")
        if era.last is None:
            span_ja, span_en = f"{first_ja}から", f"from {first_en}"
        else:
            span_ja = f"{first_ja}から{format_date(era.last, 'ja')}まで"
            span_en = f"from {first_en} to {format_date(era.last, 'en')}"
        return ParseError("date_era", {"era_ja": era.ja, "era_en": era.en, "span_ja": span_ja, "span_en": span_en})
    return result
