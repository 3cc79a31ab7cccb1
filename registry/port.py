"""The resident registry port: what the application needs from the city's 住民基本台帳 system.

A cheap candidate lookup for matching (indexed: birth date, normalised reading, name and address), and
a person or household by id. `registry.sql.SqlRegistry` implements it over any SQLAlchemy URL; in
production the port could be implemented by the city's own registry interface instead.

The result types are frozen dataclasses with no My Number in them: `SqlRegistry.get_my_number` must
be called explicitly, by code that is allowed to show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

__all__ = [
    "CANDIDATE_LIMIT",
    "Registry",
    "RegistryHousehold",
    "RegistryPerson",
    "RegistrySeal",
    "RegistryTax",
]

# Rows per lookup; a birth date has ~15 residents among 500,000, a reading + name + address one or two.
CANDIDATE_LIMIT = 100


@dataclass(frozen=True)
class RegistryPerson:
    person_id: str
    household_id: str
    name_kanji: str
    name_kana: str
    birth_date: date
    address: str
    relationship: str
    gender: str
    domicile: str | None
    domicile_head: str | None
    nationality: str | None = None
    moved_in: date | None = None


@dataclass(frozen=True)
class RegistryHousehold:
    household_id: str
    address: str
    members: tuple[RegistryPerson, ...]  # the head first, then spouse, children, parents, others

    @property
    def head(self) -> RegistryPerson | None:
        return next((m for m in self.members if m.relationship == "世帯主"), None)


@dataclass(frozen=True)
class RegistrySeal:
    person_id: str
    registration_number: str
    seal_text: str
    registered_on: date


@dataclass(frozen=True)
class RegistryTax:
    person_id: str
    fiscal_year: int
    income_yen: int
    tax_yen: int


class Registry(Protocol):
    def find_candidates(
        self,
        *,
        name_kana: str | None,
        birth_date: date | None,
        name_kanji: str | None,
        address: str | None = None,
    ) -> list[RegistryPerson]:
        """A handful of persons who could be the applicant, by person id (see `SqlRegistry.find_candidates`)."""
        ...

    def get_person(self, person_id: str) -> RegistryPerson | None: ...

    def get_household(self, household_id: str) -> RegistryHousehold | None: ...
