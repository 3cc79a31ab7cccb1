"""Tables of the synthetic resident registry (modelled on 住民基本台帳), SQLAlchemy 2 ORM.

Only portable column types (String, Date, Integer, BigInteger), so the same tables work on SQLite
and PostgreSQL. `name_norm`, `kana_norm` and `address_norm` hold `normalise_name` /
`normalise_kana` / `normalise_address` of the stored values, indexed like `birth_date`, so that
candidate lookups stay cheap at Ichikawa's ~490,000 residents.

`dataset` tells which seeding wrote a row ("demo" or "synthetic"), so each can be replaced without
touching the other. `Household.head_person_id` is a plain column, not a foreign key, to avoid a
household ⇄ person cycle.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm import relationship as orm_relationship


class Base(DeclarativeBase):
    pass


class Household(Base):
    """世帯: one address, one head (世帯主)."""

    __tablename__ = "registry_household"
    __table_args__ = (Index("ix_registry_household_address_norm", "address_norm"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # "H000123"
    dataset: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(200))  # "千葉県市川市八幡1丁目1番1号"
    address_norm: Mapped[str] = mapped_column(String(200))  # normalise_address(address): "八幡1-1-1"
    head_person_id: Mapped[str | None] = mapped_column(String(16))

    members: Mapped[list[Person]] = orm_relationship(back_populates="household", order_by="Person.id")


class Person(Base):
    """住民: one resident. `my_number` (個人番号, synthetic) is never part of a lookup result."""

    __tablename__ = "registry_person"
    __table_args__ = (
        Index("ix_registry_person_birth_date", "birth_date"),
        Index("ix_registry_person_kana_norm", "kana_norm"),
        Index("ix_registry_person_name_norm", "name_norm"),
        Index("ix_registry_person_household_id", "household_id"),
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # "P0000001"
    dataset: Mapped[str] = mapped_column(String(16))
    household_id: Mapped[str] = mapped_column(ForeignKey("registry_household.id"))
    name_kanji: Mapped[str] = mapped_column(String(100))  # "市川 太郎" / "SMITH ALEX"
    name_kana: Mapped[str] = mapped_column(String(100))  # "イチカワ タロウ"
    name_norm: Mapped[str] = mapped_column(String(100))
    kana_norm: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(8))  # 男 / 女
    relationship: Mapped[str] = mapped_column(String(16))  # 続柄: 世帯主, 妻, 夫, 子, 父, 母
    domicile: Mapped[str | None] = mapped_column(String(200))  # 本籍 (Japanese nationals only)
    domicile_head: Mapped[str | None] = mapped_column(String(100))  # 筆頭者
    nationality: Mapped[str | None] = mapped_column(String(64))  # 国籍・地域 (foreign residents only)
    moved_in: Mapped[date] = mapped_column(Date)  # 住民となった年月日
    my_number: Mapped[str] = mapped_column(String(12), unique=True)  # 12 digits, synthetic

    household: Mapped[Household] = orm_relationship(back_populates="members")

    def __repr__(self) -> str:  # never the My Number
        return f"Person(id={self.id!r}, household_id={self.household_id!r})"


class SealRegistration(Base):
    """印鑑登録: the registered seal of an adult (optional)."""

    __tablename__ = "registry_seal"

    person_id: Mapped[str] = mapped_column(ForeignKey("registry_person.id"), primary_key=True)
    registration_number: Mapped[str] = mapped_column(String(16), unique=True)  # 印鑑登録番号
    seal_text: Mapped[str] = mapped_column(String(32))  # what the seal reads, e.g. the family name
    registered_on: Mapped[date] = mapped_column(Date)


class TaxRecord(Base):
    """Income and municipal tax of one fiscal year (課税・所得), for adults with data (optional)."""

    __tablename__ = "registry_tax"

    person_id: Mapped[str] = mapped_column(ForeignKey("registry_person.id"), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)  # 年度, e.g. 2025 (income of 2024)
    income_yen: Mapped[int] = mapped_column(BigInteger)
    tax_yen: Mapped[int] = mapped_column(BigInteger)


class RegistryMeta(Base):
    """What each seeding wrote, to skip identical reseeds.

    "demo" → "v1.1 persons=207", "synthetic" → "v1.1 count=N seed=S".
    """

    __tablename__ = "registry_meta"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
