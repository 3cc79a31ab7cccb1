"""Matching what a resident typed in the chat against the resident registry. Pure: no I/O.

The chat collects four identifying answers: name (`name_kanji`, kanji or, for many foreign
residents, Latin letters), reading (`name_kana`, katakana), date of birth and address. The registry
is asked for a handful of candidates (same birth date; or same normalised reading, name and
address); `match_applicant` compares each candidate field by field after normalisation and keeps
the best one. Those two lookups hold every candidate that can be plausible (see below).

Normalisation is `registry.normalise`.

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from domain.reports import RegistryMatch
from registry.normalise import kana_words, normalise_address, normalise_name
from registry.port import Registry, RegistryPerson

__all__ = [
    "FIELDS",
    "Applicant",
    "RegistryMatch",
    "match_applicant",
    "match_in_registry",
]

FIELDS: tuple[str, ...] = ("name_kanji", "name_kana", "birth_date", "address")
_TIE_BREAK = ("birth_date", "name_kanji", "name_kana", "address")


def _names_agree(typed: str, held: str) -> bool:
    return bool(typed.strip()) and normalise_name(typed) == normalise_name(held)


def _kana_agree(typed: str, held: str) -> bool:
    """Same reading, or the same words in another order ("アレックス スミス" for "スミス アレックス")."""
    a, b = kana_words(typed), kana_words(held)
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
