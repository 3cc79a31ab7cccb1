"""A deterministic synthetic resident registry for Ichikawa City (no real person's data).

`generate(count, seed=S)` returns exactly `count` persons in households of 1 to 5 members (single
residents, couples, couples with children, single parents, three generations; about 3% foreign
residents), with addresses in Ichikawa towns, 本籍 and 筆頭者 for Japanese nationals, 国籍 for
foreign residents, synthetic My Numbers (valid check digit, unique: a bijection of the person
number), seal registrations for some adults and two fiscal years of income and municipal tax for
most adults. The same (count, seed, start ids) always gives the same rows.

Ages are computed as of `AS_OF` (a fixed date, so the data does not change with the calendar).
The rows are plain dicts keyed by column name, ready for bulk inserts into `registry.models`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from registry.normalise import normalise_address, normalise_kana, normalise_name
from registry.synthetic_tables import (
    BUILDINGS,
    JAPANESE,
    MALE,
    ORIGINS,
    OTHER_DOMICILES,
    TOWNS,
    Origin,
)

__all__ = [
    "AS_OF",
    "FISCAL_YEARS",
    "TOWNS",
    "SyntheticData",
    "format_address",
    "generate",
    "household_id",
    "kanji_number",
    "my_number",
    "person_id",
    "resident_tax",
    "seal_number",
]

AS_OF = date(2025, 4, 1)
FISCAL_YEARS = (2024, 2025)  # 年度; each holds the income of the previous calendar year

_KANJI_DIGITS = "〇一二三四五六七八九"


def kanji_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (for 1 ≤ n ≤ 99, as in 本籍 "八幡一丁目")."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _KANJI_DIGITS[tens]) + "十" if tens else "") + (_KANJI_DIGITS[ones] if ones else "")


def household_id(n: int) -> str:
    return f"H{n:06d}"


def person_id(n: int) -> str:
    return f"P{n:07d}"


def my_number(n: int) -> str:
    """A synthetic 個人番号 for person number n: 11 digits (a bijection of n) and the official check digit."""
    base = f"{(n * 7_919_031_157 + 104_729_993) % 10**11:011d}"
    total = 0
    for i, digit in enumerate(reversed(base), start=1):
        total += int(digit) * (i + 1 if i <= 6 else i - 5)
    remainder = total % 11
    return base + str(0 if remainder <= 1 else 11 - remainder)


def seal_number(n: int) -> str:
    """A synthetic 印鑑登録番号 (8 digits, unique per person number)."""
    return f"{(n * 73_939_133 + 1_234_567) % 10**8:08d}"


def resident_tax(income_yen: int) -> int:
    """Municipal tax, roughly: 10% of income after ~30% deductions and the 430,000 yen basic deduction, plus 5,000."""
    if income_yen <= 1_000_000:
        return 0
    return int((income_yen * 0.7 - 430_000) * 0.10) // 100 * 100 + 5_000


def format_address(town: str, chome: int, ban: int, go: int, building: str = "") -> str:
    block = f"{chome}丁目{ban}番{go}号" if chome else f"{ban}番{go}号"
    return f"千葉県市川市{town}{block}" + (f" {building}" if building else "")


@dataclass
class SyntheticData:
    """Rows for the registry tables, as dicts keyed by column name."""

    households: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    seals: list[dict[str, Any]] = field(default_factory=list)
    taxes: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: SyntheticData) -> None:
        self.households.extend(other.households)
        self.persons.extend(other.persons)
        self.seals.extend(other.seals)
        self.taxes.extend(other.taxes)


@dataclass
class _Member:
    given: tuple[str, str]
    gender: str
    relationship: str
    age: int


def _birth_date(rng: random.Random, age: int) -> date:
    """A birth date giving `age` full years on AS_OF."""
    start = AS_OF.replace(year=AS_OF.year - age - 1) + timedelta(days=1)
    return start + timedelta(days=rng.randrange(365))


def _full_name(family: tuple[str, str], given: tuple[str, str]) -> tuple[str, str]:
    return f"{family[0]} {given[0]}", f"{family[1]} {given[1]}"


class _Generator:
    def __init__(self, rng: random.Random, dataset: str, avoid: frozenset[tuple[str, date]]) -> None:
        self.rng = rng
        self.dataset = dataset
        self.avoid = avoid
        self.data = SyntheticData()
        self._norms: dict[tuple[str, str], tuple[str, str]] = {}  # names repeat a lot: normalise each once

    def _normalised(self, name_kanji: str, name_kana: str) -> tuple[str, str]:
        key = (name_kanji, name_kana)
        found = self._norms.get(key)
        if found is None:
            found = self._norms[key] = (normalise_name(name_kanji), normalise_kana(name_kana))
        return found

    def _given(self, origin: Origin, gender: str, taken: set[str]) -> tuple[str, str]:
        names = origin.male if gender == "男" else origin.female
        for _ in range(10):
            given = self.rng.choice(names)
            if given[0] not in taken:
                break
        taken.add(given[0])
        return given

    def _members(self, origin: Origin) -> list[_Member]:
        rng = self.rng
        taken: set[str] = set()
        kind = rng.choices(
            ("single", "couple", "family", "single_parent", "three_generations"),
            weights=(35, 20, 30, 7, 8) if not origin.nationality else (60, 20, 20, 0, 0),
        )[0]

        def person(gender: str, relationship: str, age: int) -> _Member:
            return _Member(self._given(origin, gender, taken), gender, relationship, age)

        if kind == "single":
            age = rng.choices((rng.randint(18, 35), rng.randint(36, 64), rng.randint(65, 95)), weights=(45, 30, 25))[0]
            return [person(rng.choice("男女"), "世帯主", age)]
        if kind == "single_parent":
            gender = "女" if rng.random() < 0.8 else "男"
            head = person(gender, "世帯主", rng.randint(28, 55))
            kids = [person(rng.choice("男女"), "子", head.age - rng.randint(22, 40)) for _ in range(rng.randint(1, 2))]
            return [head, *(k for k in kids if k.age >= 0)]
        head_gender = "男" if rng.random() < 0.8 else "女"
        spouse_gender = "女" if head_gender == "男" else "男"
        spouse_rel = "妻" if head_gender == "男" else "夫"
        head_age = rng.randint(25, 90) if kind == "couple" else rng.randint(28, 60)
        head = person(head_gender, "世帯主", head_age)
        spouse = person(spouse_gender, spouse_rel, max(20, head_age + rng.randint(-6, 4)))
        members = [head, spouse]
        if kind in ("family", "three_generations"):
            count = rng.randint(1, 3) if kind == "family" else rng.randint(0, 2)
            for _ in range(count):
                age = head_age - rng.randint(22, 42)
                if 0 <= age <= 35:
                    members.append(person(rng.choice("男女"), "子", age))
        if kind == "three_generations":
            gender = rng.choice("男女")
            parent = person(gender, "父" if gender == "男" else "母", min(100, head_age + rng.randint(24, 38)))
            members.append(parent)
        return members

    def _address(self) -> str:
        rng = self.rng
        town, chomes = rng.choice(TOWNS)
        chome = rng.randint(1, chomes) if chomes else 0
        building = ""
        if rng.random() < 0.15:
            building = rng.choice(BUILDINGS).format(town=town) + str(rng.randint(1, 9) * 100 + rng.randint(1, 8))
        return format_address(town, chome, rng.randint(1, 30), rng.randint(1, 25), building)

    def _domicile(self, address: str) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            town, chomes = rng.choice(TOWNS)
            block = f"{kanji_number(rng.randint(1, chomes))}丁目" if chomes else ""
            return f"千葉県市川市{town}{block}{rng.randint(1, 40)}番地"
        return f"{rng.choice(OTHER_DOMICILES)}{kanji_number(rng.randint(1, 5))}丁目{rng.randint(1, 40)}番地"

    def household(self, hh_number: int, first_person: int, room: int) -> int:
        """Adds one household of at most `room` persons; returns how many persons it added."""
        rng = self.rng
        origin = rng.choice(ORIGINS) if rng.random() < 0.03 else JAPANESE
        members = self._members(origin)[:room]
        family = rng.choice(origin.family)
        address = self._address()
        hid = household_id(hh_number)
        head_age = members[0].age
        household_moved_in = AS_OF - timedelta(days=rng.randint(30, max(365, (head_age - 18) * 365)))
        domicile = None if origin.nationality else self._domicile(address)
        head_name = _full_name(family, members[0].given)[0]
        self.data.households.append(
            {
                "id": hid,
                "dataset": self.dataset,
                "address": address,
                "address_norm": normalise_address(address),
                "head_person_id": person_id(first_person),
            }
        )
        for offset, member in enumerate(members):
            number = first_person + offset
            name_kanji, name_kana = _full_name(family, member.given)
            name_norm, kana_norm = self._normalised(name_kanji, name_kana)
            birth = _birth_date(rng, member.age)
            if (kana_norm, birth) in self.avoid:
                birth += timedelta(days=1)
            moved_in = max(birth, household_moved_in)
            if origin.nationality:
                own_domicile, domicile_head = None, None
            elif member.relationship in ("父", "母"):
                own_domicile, domicile_head = self._domicile(address), name_kanji
            elif len(members) == 1 and member.age < 35:  # still in the parents' 戸籍
                own_domicile = domicile
                domicile_head = _full_name(family, rng.choice(MALE))[0]
            else:
                own_domicile, domicile_head = domicile, head_name
            pid = person_id(number)
            self.data.persons.append(
                {
                    "id": pid,
                    "dataset": self.dataset,
                    "household_id": hid,
                    "name_kanji": name_kanji,
                    "name_kana": name_kana,
                    "name_norm": name_norm,
                    "kana_norm": kana_norm,
                    "birth_date": birth,
                    "gender": member.gender,
                    "relationship": member.relationship,
                    "domicile": own_domicile,
                    "domicile_head": domicile_head,
                    "nationality": origin.nationality or None,
                    "moved_in": moved_in,
                    "my_number": my_number(number),
                }
            )
            if member.age >= 18:
                self._adult_records(number, pid, family if not origin.latin else (family[1], family[1]), member, birth)
        return len(members)

    def _adult_records(self, number: int, pid: str, family: tuple[str, str], member: _Member, birth: date) -> None:
        rng = self.rng
        if rng.random() < 0.4:
            adult_from = birth.replace(year=birth.year + 18) if (birth.month, birth.day) != (2, 29) else birth
            days = max(1, (AS_OF - adult_from).days)
            self.data.seals.append(
                {
                    "person_id": pid,
                    "registration_number": seal_number(number),
                    "seal_text": family[0],
                    "registered_on": adult_from + timedelta(days=rng.randrange(days)),
                }
            )
        if rng.random() < 0.75:
            if member.age < 23:
                income = rng.randint(0, 1_500) * 1_000
            elif member.age >= 65:
                income = rng.randint(1_500, 3_500) * 1_000
            elif member.relationship in ("妻", "夫") and rng.random() < 0.3:
                income = rng.randint(0, 1_300) * 1_000
            else:
                income = rng.randint(2_000, 9_000) * 1_000
            for year in reversed(FISCAL_YEARS):
                self.data.taxes.append(
                    {"person_id": pid, "fiscal_year": year, "income_yen": income, "tax_yen": resident_tax(income)}
                )
                income = income * rng.randint(90, 105) // 100 // 1_000 * 1_000


def generate(
    count: int,
    *,
    seed: int,
    dataset: str = "synthetic",
    first_household: int = 1,
    first_person: int = 1,
    avoid: Iterable[tuple[str, date]] = (),
) -> SyntheticData:
    """Exactly `count` synthetic persons in households, numbered from the given first ids.

    `avoid`: (normalised kana, birth date) pairs that must not occur (the demo residents'), so that
    matching them stays unambiguous.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    generator = _Generator(random.Random(seed), dataset, frozenset(avoid))
    made, hh = 0, first_household
    while made < count:
        made += generator.household(hh, first_person + made, count - made)
        hh += 1
    return generator.data
