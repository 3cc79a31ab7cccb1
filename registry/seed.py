"""Seeding the synthetic registry: a large synthetic population, and a small demo registry.

Two datasets live side by side, told apart by the `dataset` column, and each seeding replaces only
its own:

- "synthetic" (`seed_synthetic`): `count` generated persons, ids from H000001 / P0000001.
- "demo" (`seed_demo`): the residents of the emulator and the integration tests (ids from
  H900001 / P9000001, see `DEMO_RESIDENTS`) plus 200 generated others (from H900101 / P9000101).

Idempotent by "replace, or skip when identical": a dataset is deleted and rewritten in one
transaction, unless `registry_meta` says it already holds exactly what is asked (same version,
count and seed, and the person count agrees), in which case nothing is written. `force=True`
rewrites anyway. So `seed-demo` is cheap to call on every `make run`, and never touches a large
synthetic population seeded for benchmarks.

Rows are written with bulk (executemany) inserts in chunks, all in one transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, Table, delete, func, insert, select

from registry.models import Base, Household, Person, RegistryMeta, SealRegistration, TaxRecord
from registry.normalise import NORMALISATION_VERSION, normalise_address, normalise_kana, normalise_name
from registry.synthetic import (
    FISCAL_YEARS,
    SyntheticData,
    generate,
    household_id,
    my_number,
    person_id,
    resident_tax,
    seal_number,
)

__all__ = [
    "DEMO_OTHERS",
    "DEMO_RESIDENTS",
    "MAX_SYNTHETIC",
    "SeedResult",
    "demo_data",
    "seed_demo",
    "seed_synthetic",
]

SYNTHETIC_VERSION = f"v1.{NORMALISATION_VERSION}"
DEMO_VERSION = f"v1.{NORMALISATION_VERSION}"
DEMO_SEED = 20250401
DEMO_OTHERS = 200
DEMO_FIRST_HOUSEHOLD = 900_001
DEMO_FIRST_PERSON = 9_000_001
DEMO_OTHERS_FIRST_HOUSEHOLD = 900_101
DEMO_OTHERS_FIRST_PERSON = 9_000_101
# Synthetic ids must stay below the demo range (households are fewer than persons).
MAX_SYNTHETIC = 1_000_000
_CHUNK = 10_000

# The demo's named residents: (household number, address, members), members as
# (name_kanji, name_kana, birth date, gender, relationship, domicile, domicile head, nationality,
#  moved in, seal text or None, income yen or None).
_Member = tuple[str, str, date, str, str, str | None, str | None, str | None, date, str | None, int | None]
_ICHIKAWA_DOMICILE = "千葉県市川市八幡一丁目1番地"
_YAMADA_DOMICILE = "千葉県市川市市川一丁目2番地"
DEMO_RESIDENTS: tuple[tuple[int, str, tuple[_Member, ...]], ...] = (
    (
        DEMO_FIRST_HOUSEHOLD,
        "千葉県市川市八幡1丁目1番1号",
        (
            ("市川 一郎", "イチカワ イチロウ", date(1970, 5, 20), "男", "世帯主", _ICHIKAWA_DOMICILE, "市川 一郎", None,
             date(1998, 4, 1), "市川", 6_200_000),
            ("市川 恵子", "イチカワ ケイコ", date(1972, 8, 15), "女", "妻", _ICHIKAWA_DOMICILE, "市川 一郎", None,
             date(1998, 4, 1), None, 1_030_000),
            ("市川 太郎", "イチカワ タロウ", date(2001, 2, 3), "男", "子", _ICHIKAWA_DOMICILE, "市川 一郎", None,
             date(2001, 2, 3), "市川", 2_400_000),
        ),
    ),
    (
        DEMO_FIRST_HOUSEHOLD + 1,
        "千葉県市川市市川1丁目2番3号",
        (
            ("山田 健一", "ヤマダ ケンイチ", date(1983, 11, 2), "男", "世帯主", _YAMADA_DOMICILE, "山田 健一", None,
             date(2012, 6, 1), None, 5_500_000),
            ("山田 花子", "ヤマダ ハナコ", date(1985, 4, 12), "女", "妻", _YAMADA_DOMICILE, "山田 健一", None,
             date(2012, 6, 1), "山田", 3_800_000),
            ("山田 陽菜", "ヤマダ ヒナ", date(2015, 6, 20), "女", "子", _YAMADA_DOMICILE, "山田 健一", None,
             date(2015, 6, 20), None, None),
        ),
    ),
    (
        DEMO_FIRST_HOUSEHOLD + 2,
        "千葉県市川市八幡1丁目1番1号",
        (
            ("SMITH ALEX", "スミス アレックス", date(2001, 2, 3), "男", "世帯主", None, None, "アメリカ合衆国",
             date(2023, 4, 1), "スミス", 4_200_000),
        ),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class SeedResult:
    dataset: str
    persons: int
    households: int
    seed: int | None
    seconds: float
    skipped: bool

    def summary(self, where: str) -> str:
        seed = f", seed {self.seed}" if self.seed is not None else ""
        if self.skipped:
            return f"registry: {self.dataset} data already seeded ({self.persons} persons{seed}), skipped ({where})"
        return (
            f"registry: seeded {self.persons} persons in {self.households} households "
            f"({self.dataset}{seed}) in {self.seconds:.1f} s ({where})"
        )


def demo_data() -> SyntheticData:
    """The demo registry: the named residents of `DEMO_RESIDENTS`, then `DEMO_OTHERS` generated others."""
    data = SyntheticData()
    number = DEMO_FIRST_PERSON
    for hh_number, address, members in DEMO_RESIDENTS:
        hid = household_id(hh_number)
        data.households.append(
            {
                "id": hid,
                "dataset": "demo",
                "address": address,
                "address_norm": normalise_address(address),
                "head_person_id": person_id(number),
            }
        )
        for name, kana, birth, gender, rel, domicile, domicile_head, nationality, moved_in, seal, income in members:
            pid = person_id(number)
            data.persons.append(
                {
                    "id": pid,
                    "dataset": "demo",
                    "household_id": hid,
                    "name_kanji": name,
                    "name_kana": kana,
                    "name_norm": normalise_name(name),
                    "kana_norm": normalise_kana(kana),
                    "birth_date": birth,
                    "gender": gender,
                    "relationship": rel,
                    "domicile": domicile,
                    "domicile_head": domicile_head,
                    "nationality": nationality,
                    "moved_in": moved_in,
                    "my_number": my_number(number),
                }
            )
            if seal is not None:
                registered = max(moved_in, birth.replace(year=birth.year + 18))
                data.seals.append(
                    {
                        "person_id": pid,
                        "registration_number": seal_number(number),
                        "seal_text": seal,
                        "registered_on": registered,
                    }
                )
            if income is not None:
                for year in FISCAL_YEARS:
                    data.taxes.append(
                        {"person_id": pid, "fiscal_year": year, "income_yen": income, "tax_yen": resident_tax(income)}
                    )
            number += 1
    data.extend(
        generate(
            DEMO_OTHERS,
            seed=DEMO_SEED,
            dataset="demo",
            first_household=DEMO_OTHERS_FIRST_HOUSEHOLD,
            first_person=DEMO_OTHERS_FIRST_PERSON,
            avoid=_demo_avoid(),
        )
    )
    return data


def _demo_avoid() -> list[tuple[str, date]]:
    return [(normalise_kana(m[1]), m[2]) for _, _, members in DEMO_RESIDENTS for m in members]


def _insert(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        conn.execute(insert(table), rows[start : start + _CHUNK])


def _already(engine: Engine, dataset: str, meta: str, persons: int) -> bool:
    with engine.connect() as conn:
        value = conn.execute(select(RegistryMeta.value).where(RegistryMeta.key == dataset)).scalar_one_or_none()
        if value != meta:
            return False
        held = conn.execute(select(func.count()).select_from(Person).where(Person.dataset == dataset)).scalar_one()
    return int(held) == persons


def _replace(engine: Engine, dataset: str, data: SyntheticData, meta: str) -> None:
    """Delete the dataset's rows and write `data`, in one transaction."""
    ids = select(Person.id).where(Person.dataset == dataset)
    with engine.begin() as conn:
        conn.execute(delete(TaxRecord).where(TaxRecord.person_id.in_(ids)))
        conn.execute(delete(SealRegistration).where(SealRegistration.person_id.in_(ids)))
        conn.execute(delete(Person).where(Person.dataset == dataset))
        conn.execute(delete(Household).where(Household.dataset == dataset))
        conn.execute(delete(RegistryMeta).where(RegistryMeta.key == dataset))
        _insert(conn, Household.__table__, data.households)  # type: ignore[arg-type]
        _insert(conn, Person.__table__, data.persons)  # type: ignore[arg-type]
        _insert(conn, SealRegistration.__table__, data.seals)  # type: ignore[arg-type]
        _insert(conn, TaxRecord.__table__, data.taxes)  # type: ignore[arg-type]
        conn.execute(insert(RegistryMeta), [{"key": dataset, "value": meta}])


def seed_synthetic(engine: Engine, count: int, *, seed: int = 1, force: bool = False) -> SeedResult:
    """Replace the "synthetic" dataset by `count` generated persons (skipped when it already holds exactly that)."""
    if not 1 <= count <= MAX_SYNTHETIC:
        raise ValueError(f"count must be between 1 and {MAX_SYNTHETIC}")
    started = time.perf_counter()
    Base.metadata.create_all(engine)
    meta = f"{SYNTHETIC_VERSION} count={count} seed={seed}"
    if not force and _already(engine, "synthetic", meta, count):
        return SeedResult("synthetic", count, 0, seed, time.perf_counter() - started, skipped=True)
    data = generate(count, seed=seed, avoid=_demo_avoid())
    if len(data.households) >= DEMO_FIRST_HOUSEHOLD:  # pragma: no cover - needs ~2 million persons
        raise ValueError("too many households for the synthetic id range")
    _replace(engine, "synthetic", data, meta)
    return SeedResult("synthetic", len(data.persons), len(data.households), seed, time.perf_counter() - started, False)


def seed_demo(engine: Engine, *, force: bool = False) -> SeedResult:
    """Replace the "demo" dataset (skipped when it is already there at the current version)."""
    started = time.perf_counter()
    Base.metadata.create_all(engine)
    data = demo_data()
    meta = f"{DEMO_VERSION} persons={len(data.persons)}"
    if not force and _already(engine, "demo", meta, len(data.persons)):
        return SeedResult("demo", len(data.persons), len(data.households), None, time.perf_counter() - started, True)
    _replace(engine, "demo", data, meta)
    return SeedResult("demo", len(data.persons), len(data.households), None, time.perf_counter() - started, False)
