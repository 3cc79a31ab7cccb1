"""Japanese era (和暦) dates as printed on certificates: 令和8年11月27日, 令和元年5月1日, 令和8年度.

Only the modern eras are known (明治 from its Gregorian adoption on 1873-01-01; earlier dates are refused).
The first year of an era is written 元年, as on official documents. Digits are ASCII, as in the catalog.
"""

from __future__ import annotations

from datetime import date

__all__ = ["ERAS", "era_year", "fiscal_year_label", "gregorian", "wareki", "wareki_and_gregorian", "year_label"]

# (name, first day); newest first.
ERAS: tuple[tuple[str, date], ...] = (
    ("令和", date(2019, 5, 1)),
    ("平成", date(1989, 1, 8)),
    ("昭和", date(1926, 12, 25)),
    ("大正", date(1912, 7, 30)),
    ("明治", date(1873, 1, 1)),
)


def era_year(day: date) -> tuple[str, int]:
    """The era in force on `day` and the year within it (1 for the first, partial year)."""
    for name, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"no Japanese era known before {ERAS[-1][1].isoformat()}: {day.isoformat()}")


def _year(name: str, number: int) -> str:
    return f"{name}{'元' if number == 1 else number}年"


def wareki(day: date) -> str:
    """`date(2026, 11, 27)` → "令和8年11月27日"; `date(2019, 5, 1)` → "令和元年5月1日"."""
    name, number = era_year(day)
    return f"{_year(name, number)}{day.month}月{day.day}日"


def gregorian(day: date) -> str:
    """`date(2026, 11, 27)` → "2026年11月27日"."""
    return f"{day.year}年{day.month}月{day.day}日"


def wareki_and_gregorian(day: date) -> str:
    """`date(2026, 11, 27)` → "令和8年11月27日（2026年11月27日）"."""
    return f"{wareki(day)}（{gregorian(day)}）"


def year_label(year: int) -> str:
    """A calendar year by the era in force at its end: 2025 → "令和7年", 2019 → "令和元年"."""
    name, number = era_year(date(year, 12, 31))
    return _year(name, number)


def fiscal_year_label(year: int) -> str:
    """A fiscal year (April to March) as written on tax certificates: 2026 → "令和8年度", 2019 → "令和元年度"."""
    return f"{year_label(year)}度"
