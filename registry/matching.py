"""Matching what a resident typed in the chat against the resident registry. Pure: no I/O.

The chat collects four identifying answers: name (`name_kanji`, kanji or, for many foreign
residents, Latin letters), reading (`name_kana`, katakana), date of birth and address. The registry
is asked for a handful of candidates (same birth date; or same normalised reading, name and
address); `match_applicant` compares each candidate field by field after normalisation and keeps
the best one. Those two lookups hold every candidate that can be plausible (see below).

Normalisation (each function is idempotent; the registry stores the normalised names and addresses,
so a change here must bump NORMALISATION_VERSION, which makes the seed commands rewrite the rows):

- `normalise_name`: NFKC (full-width / half-width), case-folded, every kind of space and the
  separators ・ , . = ignored (U+3000 included), a few old or variant kanji folded to their
  common form (髙→高, 﨑→崎, 邊→辺, 澤→沢 ...). Names written in Latin letters are compared by
  their words in any order, accents ignored: "Alex Smith", "SMITH ALEX" and "smith, alex" are the same name.
- `normalise_kana`: NFKC (half-width katakana), hiragana → katakana, spaces and the separators
  ・ = , ignored, hyphen-like characters read as the long-vowel mark ー.
- `normalise_address`: NFKC, spaces ignored, hyphen variants (‐ - − – — ― － ｰ, and ー between
  digits) unified, kanji numerals before 丁目 / 番 / 号 read as numbers, the forms "1丁目1番1号",
  "1丁目1番地1", "1の1の1" and "1-1-1" made identical, and a leading postal code, "日本",
  "千葉県" and "市川市" dropped (the registry only holds Ichikawa addresses).

An English address ("1-1-1 Yawata, Ichikawa, Chiba") is NOT translated: the registry holds the
Japanese form, so such an answer is reported as a differing address (a partial match), for the
clerk to confirm.

Match kinds (fields: name_kanji, name_kana, birth_date, address):

- "exact": all four fields agree after normalisation.
- "partial": not exact, but plausible; a candidate is plausible when
  (a) the birth date agrees and at least one of the two names (kanji or kana) agrees, or
  (b) both names agree and the address agrees (the birth date is then taken as mistyped).
  `differing` lists the fields that do not agree.
- "none": no candidate is plausible. `person_id` and `household_id` are None, `registry` is empty
  and `differing` lists all four fields (nothing could be confirmed).

Among several candidates the one with the most agreeing fields wins; ties go to the one whose birth
date agrees, then name_kanji, name_kana, address, then the smallest person id (deterministic).
`candidates` is how many registry persons were compared; `plausible` how many of them were exact or
partial (more than one means the clerk should look twice).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the port imports this module at run time, not the other way round
    from registry.port import Registry, RegistryPerson

__all__ = [
    "FIELDS",
    "NORMALISATION_VERSION",
    "Applicant",
    "RegistryMatch",
    "kanji_numeral_value",
    "match_applicant",
    "match_in_registry",
    "normalise_address",
    "normalise_kana",
    "normalise_name",
]

NORMALISATION_VERSION = 1
FIELDS: tuple[str, ...] = ("name_kanji", "name_kana", "birth_date", "address")
_TIE_BREAK = ("birth_date", "name_kanji", "name_kana", "address")

# Old (旧字体) and variant (異体字) kanji common in names, folded to the everyday form.
_KANJI_VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "邊": "辺",
        "邉": "辺",
        "澤": "沢",
        "齋": "斎",
        "齊": "斉",
        "濱": "浜",
        "廣": "広",
        "國": "国",
        "櫻": "桜",
        "實": "実",
        "惠": "恵",
        "條": "条",
        "藏": "蔵",
        "與": "与",
        "眞": "真",
        "壽": "寿",
        "淺": "浅",
        "德": "徳",
        "黑": "黒",
        "瀨": "瀬",
        "冨": "富",
        "嶋": "島",
        "嶌": "島",
        "榮": "栄",
        "學": "学",
        "靜": "静",
        "豐": "豊",
        "禮": "礼",
        "彌": "弥",
        "圓": "円",
        "萬": "万",
        "桒": "桑",
        "舘": "館",
    }
)
_SPACE = re.compile(r"\s+")
_NAME_SEPARATORS = re.compile(r"[\s・,、.=]+")
_KANA_SEPARATORS = re.compile(r"[\s・,、.=]+")
_KANA_HYPHENS = str.maketrans(dict.fromkeys("-‐‑‒–—―−﹣", "ー"))
_ADDRESS_HYPHENS = str.maketrans(dict.fromkeys("‐‑‒–—―−﹣", "-"))
_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMERAL = "[〇零一二三四五六七八九十百千]+"
# Kanji numerals that are part of a block number: before 丁目 / 番 / 号 / の / -, or right after one.
_KANJI_BEFORE_MARK = re.compile(rf"({_KANJI_NUMERAL})(?=丁目|番|号|の|-)")
_KANJI_AFTER_MARK = re.compile(rf"(?<=[目番地の\-])({_KANJI_NUMERAL})")
_LONG_VOWEL_BETWEEN_DIGITS = re.compile(r"(?<=\d)ー(?=\d)")
_PREFIXES = (re.compile(r"^〒?\d{3}-?\d{4}"), re.compile(r"^日本国?"), re.compile(r"^千葉県"), re.compile(r"^市川市"))
_CHOME = re.compile(r"(\d+)丁目")
_BANCHI = re.compile(r"(\d+)番地?")
_GO = re.compile(r"(\d+)号")
_NO = re.compile(r"(\d+)の(?=\d)")
_TRAILING_HYPHEN = re.compile(r"-+(?!\d)")
_HYPHEN_RUN = re.compile(r"-{2,}")


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normalise_name(text: str) -> str:
    """Name as a comparison key: width, case, spacing and variant kanji ignored; Latin words in any order."""
    value = unicodedata.normalize("NFKC", text).casefold()
    latin = _strip_accents(value)
    if latin.isascii() and any(ch.isalpha() for ch in latin):
        words = [w for w in _NAME_SEPARATORS.split(latin) if w]
        return "".join(sorted(words))
    return _NAME_SEPARATORS.sub("", value.translate(_KANJI_VARIANTS))


def _kana_words(text: str) -> list[str]:
    value = unicodedata.normalize("NFKC", text).casefold().translate(_KANA_HYPHENS)
    value = "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" or ch in "ゝゞ" else ch for ch in value)
    return [w for w in _KANA_SEPARATORS.split(value) if w]


def normalise_kana(text: str) -> str:
    """Reading as a comparison key: katakana, full width, no spaces or separators."""
    return "".join(_kana_words(text))


def kanji_numeral_value(numeral: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 百五 → 105, 二〇 → 20 (digit by digit when there is no 十/百/千)."""
    if not numeral or any(ch not in _KANJI_DIGITS and ch not in _KANJI_UNITS for ch in numeral):
        raise ValueError(f"not a kanji numeral: {numeral!r}")
    if not any(ch in _KANJI_UNITS for ch in numeral):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in numeral))
    total = 0
    current: int | None = None
    for ch in numeral:
        if ch in _KANJI_DIGITS:
            current = _KANJI_DIGITS[ch]
        else:
            total += (1 if current is None else current) * _KANJI_UNITS[ch]
            current = None
    return total + (current or 0)


def _kanji_to_digits(match: re.Match[str]) -> str:
    return str(kanji_numeral_value(match.group(1)))


def normalise_address(text: str) -> str:
    """Address as a comparison key: "千葉県市川市八幡一丁目一番一号" → "八幡1-1-1"."""
    value = _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())
    value = value.translate(_ADDRESS_HYPHENS).replace("ヶ", "ケ").replace("ヵ", "カ")
    value = _KANJI_BEFORE_MARK.sub(_kanji_to_digits, value)
    value = _KANJI_AFTER_MARK.sub(_kanji_to_digits, value)
    value = _LONG_VOWEL_BETWEEN_DIGITS.sub("-", value)
    for prefix in _PREFIXES:
        value = prefix.sub("", value)
    value = _CHOME.sub(r"\1-", value)
    value = _BANCHI.sub(r"\1-", value)
    value = _GO.sub(r"\1", value)
    value = _NO.sub(r"\1-", value)
    value = _HYPHEN_RUN.sub("-", value)
    return _TRAILING_HYPHEN.sub("", value)


def _names_agree(typed: str, held: str) -> bool:
    return bool(typed.strip()) and normalise_name(typed) == normalise_name(held)


def _kana_agree(typed: str, held: str) -> bool:
    """Same reading, or the same words in another order ("アレックス スミス" for "スミス アレックス")."""
    a, b = _kana_words(typed), _kana_words(held)
    if not a:
        return False
    return "".join(a) == "".join(b) or (len(a) > 1 and sorted(a) == sorted(b))


def _addresses_agree(typed: str, held: str) -> bool:
    return bool(typed.strip()) and normalise_address(typed) == normalise_address(held)


@dataclass(frozen=True)
class Applicant:
    """What the resident typed: name, reading, date of birth (None if not given) and address."""

    name_kanji: str
    name_kana: str
    birth_date: date | None
    address: str

    @classmethod
    def from_answers(cls, answers: Mapping[str, str]) -> Applicant:
        """From the chat's answers (birth_date as an ISO date string); missing answers are empty."""
        raw = answers.get("birth_date", "")
        try:
            birth = date.fromisoformat(raw) if raw else None
        except ValueError:
            birth = None
        return cls(
            name_kanji=answers.get("name_kanji", ""),
            name_kana=answers.get("name_kana", ""),
            birth_date=birth,
            address=answers.get("address", ""),
        )


@dataclass(frozen=True)
class RegistryMatch:
    """The outcome of matching, in plain JSON types (it is a Temporal activity result).

    kind: "exact" | "partial" | "none". differing: field names among FIELDS. registry: what the
    registry holds for the matched person (name_kanji, name_kana, birth_date as ISO date, address,
    gender, relationship), for the clerk's side-by-side view; empty when kind is "none".
    """

    kind: str
    person_id: str | None
    household_id: str | None
    differing: list[str]
    registry: dict[str, str]
    candidates: int
    plausible: int = 0


def _agreement(applicant: Applicant, person: RegistryPerson) -> dict[str, bool]:
    return {
        "name_kanji": _names_agree(applicant.name_kanji, person.name_kanji),
        "name_kana": _kana_agree(applicant.name_kana, person.name_kana),
        "birth_date": applicant.birth_date is not None and applicant.birth_date == person.birth_date,
        "address": _addresses_agree(applicant.address, person.address),
    }


def _plausible(agrees: Mapping[str, bool]) -> bool:
    names = agrees["name_kanji"] or agrees["name_kana"]
    return (agrees["birth_date"] and names) or (agrees["name_kanji"] and agrees["name_kana"] and agrees["address"])


def _registry_view(person: RegistryPerson) -> dict[str, str]:
    return {
        "name_kanji": person.name_kanji,
        "name_kana": person.name_kana,
        "birth_date": person.birth_date.isoformat(),
        "address": person.address,
        "gender": person.gender,
        "relationship": person.relationship,
    }


def match_applicant(answers: Applicant, candidates: Sequence[RegistryPerson]) -> RegistryMatch:
    """The best plausible candidate for these answers, and which fields differ (see the module docstring)."""
    scored: list[tuple[tuple[int, ...], str, RegistryPerson, dict[str, bool]]] = []
    for person in candidates:
        agrees = _agreement(answers, person)
        if _plausible(agrees):
            score = (sum(agrees.values()), *(int(agrees[f]) for f in _TIE_BREAK))
            scored.append((score, person.person_id, person, agrees))
    if not scored:
        return RegistryMatch(
            kind="none",
            person_id=None,
            household_id=None,
            differing=list(FIELDS),
            registry={},
            candidates=len(candidates),
            plausible=0,
        )
    # Highest score first; among equals the smallest person id.
    scored.sort(key=lambda item: item[1])
    scored.sort(key=lambda item: item[0], reverse=True)
    _, _, best, agrees = scored[0]
    differing = [f for f in FIELDS if not agrees[f]]
    return RegistryMatch(
        kind="partial" if differing else "exact",
        person_id=best.person_id,
        household_id=best.household_id,
        differing=differing,
        registry=_registry_view(best),
        candidates=len(candidates),
        plausible=len(scored),
    )


def match_in_registry(registry: Registry, applicant: Applicant) -> RegistryMatch:
    """Ask the registry for candidates (by birth date; by reading, name and address), then match them."""
    candidates = registry.find_candidates(
        name_kana=applicant.name_kana or None,
        birth_date=applicant.birth_date,
        name_kanji=applicant.name_kanji or None,
        address=applicant.address or None,
    )
    return match_applicant(applicant, candidates)
