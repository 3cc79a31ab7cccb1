"""The resident registry over a SQLAlchemy database (SQLite in development, PostgreSQL the same way).

Seal registrations and tax records (for the certificates that need them) are read with
`get_seal_registration` / `get_tax_records`, beyond the port.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Row, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from registry.models import Base, Household, Person, SealRegistration, TaxRecord
from registry.normalise import normalise_address, normalise_kana, normalise_name
from registry.port import CANDIDATE_LIMIT, RegistryHousehold, RegistryPerson, RegistrySeal, RegistryTax

__all__ = ["SqlRegistry", "create_registry_engine"]

_RELATIONSHIP_ORDER = {"世帯主": 0, "妻": 1, "夫": 1, "子": 2, "父": 3, "母": 3}


def create_registry_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file's directory is created, in-memory SQLite is shared by all connections."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return create_engine(parsed, **kwargs)


_PERSON_COLUMNS = (
    Person.id,
    Person.household_id,
    Person.name_kanji,
    Person.name_kana,
    Person.birth_date,
    Household.address,
    Person.relationship,
    Person.gender,
    Person.domicile,
    Person.domicile_head,
    Person.nationality,
    Person.moved_in,
)


def _person(row: Row[Any]) -> RegistryPerson:
    return RegistryPerson(
        person_id=row.id,
        household_id=row.household_id,
        name_kanji=row.name_kanji,
        name_kana=row.name_kana,
        birth_date=row.birth_date,
        address=row.address,
        relationship=row.relationship,
        gender=row.gender,
        domicile=row.domicile,
        domicile_head=row.domicile_head,
        nationality=row.nationality,
        moved_in=row.moved_in,
    )


def _member_order(person: RegistryPerson) -> tuple[int, date, str]:
    return (_RELATIONSHIP_ORDER.get(person.relationship, 4), person.birth_date, person.person_id)


class SqlRegistry:
    """`Registry` over a SQLAlchemy engine. Creates the tables and indexes if they are missing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine)

    @classmethod
    def from_url(cls, url: str) -> SqlRegistry:
        return cls(create_registry_engine(url))

    def close(self) -> None:
        self.engine.dispose()

    def _select(self) -> Any:
        return select(*_PERSON_COLUMNS).join(Household, Household.id == Person.household_id)

    def find_candidates(
        self,
        *,
        name_kana: str | None,
        birth_date: date | None,
        name_kanji: str | None,
        address: str | None = None,
    ) -> list[RegistryPerson]:
        """The union of two indexed lookups, by person id:

        - everyone born on `birth_date` (about 15 persons among 500,000), which covers a mistyped name
          or address;
        - everyone with the same normalised reading AND the same normalised name (those given) AND,
          if `address` is given, the same normalised address, which covers a mistyped birth date.

        Each lookup returns at most CANDIDATE_LIMIT rows. No key given: no candidates.
        """
        lookups: list[list[Any]] = []
        if birth_date is not None:
            lookups.append([Person.birth_date == birth_date])
        names: list[Any] = []
        kana = normalise_kana(name_kana) if name_kana else ""
        if kana:
            names.append(Person.kana_norm == kana)
        name = normalise_name(name_kanji) if name_kanji else ""
        if name:
            names.append(Person.name_norm == name)
        place = normalise_address(address) if address else ""
        if names:
            lookups.append(names + ([Household.address_norm == place] if place else []))
        found: dict[str, RegistryPerson] = {}
        with self.engine.connect() as conn:
            for conditions in lookups:
                stmt = self._select().where(*conditions).order_by(Person.id).limit(CANDIDATE_LIMIT)
                for row in conn.execute(stmt):
                    found.setdefault(row.id, _person(row))
        return [found[k] for k in sorted(found)]

    def get_person(self, person_id: str) -> RegistryPerson | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._select().where(Person.id == person_id)).first()
        return None if row is None else _person(row)

    def get_household(self, household_id: str) -> RegistryHousehold | None:
        with self.engine.connect() as conn:
            address = conn.execute(select(Household.address).where(Household.id == household_id)).scalar_one_or_none()
            if address is None:
                return None
            rows = conn.execute(self._select().where(Person.household_id == household_id)).all()
        members = sorted((_person(row) for row in rows), key=_member_order)
        return RegistryHousehold(household_id=household_id, address=address, members=tuple(members))

    # Beyond the port: data for later certificates.

    def get_my_number(self, person_id: str) -> str | None:
        """The (synthetic) 個人番号. Only for code allowed to show it; never log it."""
        with self.engine.connect() as conn:
            value: str | None = conn.execute(
                select(Person.my_number).where(Person.id == person_id)
            ).scalar_one_or_none()
        return value

    def get_seal_registration(self, person_id: str) -> RegistrySeal | None:
        stmt = select(
            SealRegistration.person_id,
            SealRegistration.registration_number,
            SealRegistration.seal_text,
            SealRegistration.registered_on,
        ).where(SealRegistration.person_id == person_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else RegistrySeal(*row)

    def get_tax_records(self, person_id: str) -> list[RegistryTax]:
        """All fiscal years held for the person, the latest first."""
        stmt = (
            select(TaxRecord.person_id, TaxRecord.fiscal_year, TaxRecord.income_yen, TaxRecord.tax_yen)
            .where(TaxRecord.person_id == person_id)
            .order_by(TaxRecord.fiscal_year.desc())
        )
        with self.engine.connect() as conn:
            return [RegistryTax(*row) for row in conn.execute(stmt)]

    def count_persons(self, dataset: str | None = None) -> int:
        stmt = select(func.count()).select_from(Person)
        if dataset is not None:
            stmt = stmt.where(Person.dataset == dataset)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())
