"""What a certificate says: `CertificateData`, built from the resident registry only.

`build_certificate` reads every personal datum from the registry (names, birth dates, addresses, relationships,
domicile, seal, income). The applicant's typed answers only *select*: which household members are listed
(``scope`` / ``members``), whether the head and relationships (``include_head_relationship``) and the
domicile (``include_domicile``) are printed, and which fiscal year (``fiscal_year``). A name typed differently
from the registry is printed as the registry holds it. My Number (個人番号) is never read, so never printed.

`CertificateData.to_payload()` is the signed content (see certificates.signing); `from_payload` reads it
back (the verification endpoints and the offline command use it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from certificates.era import fiscal_year_label, wareki, wareki_and_gregorian, year_label
from registry.normalise import normalise_kana, normalise_name

if TYPE_CHECKING:  # only types: the offline verifier imports this module without the database layer
    from registry.port import RegistryHousehold, RegistryPerson, RegistrySeal, RegistryTax

__all__ = [
    "CITY",
    "FORMAT",
    "MAYOR",
    "PROCEDURES",
    "CertificateData",
    "CertificateRegistry",
    "CertificateUnavailable",
    "Entry",
    "Member",
    "build_certificate",
    "select_members",
]

FORMAT = "madoguchi-certificate/1"
CITY = "市川市"
# Synthetic: the demo city's mayor is not a real person.
MAYOR = "市川市長 田中 甲子"
HEAD = "世帯主"

# procedure code → (Japanese title, English title, certification sentence)
PROCEDURES: dict[str, tuple[str, str, str]] = {
    "juminhyo": ("住民票の写し", "Certificate of residence", "この写しは、住民票の原本と相違ないことを証明する。"),
    "inkan": (
        "印鑑登録証明書",
        "Seal registration certificate",
        "この写しは、登録された印影と相違ないことを証明する。",
    ),
    "shotoku": ("所得証明書", "Income certificate", "上記のとおり相違ないことを証明する。"),
}
_MEMBER_SEPARATORS = re.compile(r"[、，,;；/／\n]+")
_SELF_WORDS = frozenset({"本人", "申請者", "私", "自分"})


class CertificateUnavailable(Exception):
    """The registry cannot back this certificate. `reason` is a code; the message holds no personal data.

    Reasons: unsupported_procedure, person_unknown, household_unknown, members_unmatched, no_seal_registration,
    no_tax_record. Retrying does not help: the clerk has to look at the application.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class CertificateRegistry(Protocol):
    """What building a certificate reads (`registry.sql.SqlRegistry` has it all)."""

    def get_person(self, person_id: str) -> RegistryPerson | None: ...
    def get_household(self, household_id: str) -> RegistryHousehold | None: ...
    def get_seal_registration(self, person_id: str) -> RegistrySeal | None: ...
    def get_tax_records(self, person_id: str) -> list[RegistryTax]: ...


@dataclass(frozen=True)
class Entry:
    """One printed line: a label and its value ("住所", "千葉県市川市八幡1丁目1番1号")."""

    label: str
    value: str


@dataclass(frozen=True)
class Member:
    """A person listed on a 住民票の写し. Optional items are None when not asked for (or not applicable)."""

    name: str
    name_kana: str
    birth_date: date
    gender: str
    moved_in: date | None = None
    relationship: str | None = None  # 続柄: only with include_head_relationship
    domicile: str | None = None  # 本籍: only with include_domicile (Japanese nationals)
    domicile_head: str | None = None  # 筆頭者: only with include_domicile
    nationality: str | None = None  # 国籍・地域: foreign residents

    def entries(self) -> tuple[Entry, ...]:
        """The member's printed items, in order (the renderer lays them out two by two)."""
        items = [
            Entry("氏名", self.name),
            Entry("フリガナ", self.name_kana),
            Entry("生年月日", wareki(self.birth_date)),
            Entry("性別", self.gender),
        ]
        if self.relationship is not None:
            items.append(Entry("続柄", self.relationship))
        if self.moved_in is not None:
            items.append(Entry("住民となった年月日", wareki(self.moved_in)))
        if self.nationality is not None:
            items.append(Entry("国籍・地域", self.nationality))
        if self.domicile is not None:
            items.append(Entry("本籍", self.domicile))
        if self.domicile_head is not None:
            items.append(Entry("筆頭者", self.domicile_head))
        return tuple(items)


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate (and signed)."""

    certificate_id: str
    number: str  # "2026-000123"
    procedure_code: str
    title: str
    title_en: str
    issued_at: date  # the issue date (Japan time)
    holder_name: str
    holder_birth_date: date
    certification: str
    fields: tuple[Entry, ...] = ()
    members: tuple[Member, ...] = ()
    seal_impression: str | None = None  # 印鑑登録証明書: the registered seal's characters
    city: str = CITY
    mayor: str = MAYOR

    @property
    def issued_label(self) -> str:
        """The issue date as printed: "令和8年11月27日（2026年11月27日）"."""
        return wareki_and_gregorian(self.issued_at)

    def to_payload(self) -> dict[str, Any]:
        """The signed content: JSON types only (no floats), dates as ISO 8601."""
        return {
            "format": FORMAT,
            "certificate_id": self.certificate_id,
            "number": self.number,
            "procedure_code": self.procedure_code,
            "title": self.title,
            "title_en": self.title_en,
            "issued_at": self.issued_at.isoformat(),
            "holder": {"name": self.holder_name, "birth_date": self.holder_birth_date.isoformat()},
            "certification": self.certification,
            "fields": [{"label": e.label, "value": e.value} for e in self.fields],
            "members": [_member_payload(m) for m in self.members],
            "seal_impression": self.seal_impression,
            "issuer": {"city": self.city, "mayor": self.mayor},
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> CertificateData:
        """Inverse of `to_payload`. Raises ValueError (or KeyError/TypeError) on a malformed payload."""
        if payload.get("format") != FORMAT:
            raise ValueError(f"unknown certificate format: {payload.get('format')!r}")
        holder = payload["holder"]
        issuer = payload["issuer"]
        return cls(
            certificate_id=str(payload["certificate_id"]),
            number=str(payload["number"]),
            procedure_code=str(payload["procedure_code"]),
            title=str(payload["title"]),
            title_en=str(payload["title_en"]),
            issued_at=date.fromisoformat(payload["issued_at"]),
            holder_name=str(holder["name"]),
            holder_birth_date=date.fromisoformat(holder["birth_date"]),
            certification=str(payload["certification"]),
            fields=tuple(Entry(str(e["label"]), str(e["value"])) for e in payload["fields"]),
            members=tuple(_member_from(m) for m in payload["members"]),
            seal_impression=payload.get("seal_impression"),
            city=str(issuer["city"]),
            mayor=str(issuer["mayor"]),
        )


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _member_payload(member: Member) -> dict[str, Any]:
    return {
        "name": member.name,
        "name_kana": member.name_kana,
        "birth_date": member.birth_date.isoformat(),
        "gender": member.gender,
        "moved_in": _iso(member.moved_in),
        "relationship": member.relationship,
        "domicile": member.domicile,
        "domicile_head": member.domicile_head,
        "nationality": member.nationality,
    }


def _member_from(raw: dict[str, Any]) -> Member:
    moved_in = raw.get("moved_in")
    return Member(
        name=str(raw["name"]),
        name_kana=str(raw["name_kana"]),
        birth_date=date.fromisoformat(raw["birth_date"]),
        gender=str(raw["gender"]),
        moved_in=None if moved_in is None else date.fromisoformat(moved_in),
        relationship=raw.get("relationship"),
        domicile=raw.get("domicile"),
        domicile_head=raw.get("domicile_head"),
        nationality=raw.get("nationality"),
    )


# -- building from the registry ----------------------------------------------------------------------------


def _yes(answers: dict[str, str], key: str) -> bool:
    return answers.get(key, "").strip().lower() == "yes"


def _given_name(name: str) -> str:
    parts = name.split()
    return parts[-1] if len(parts) > 1 else ""


def select_members(household: RegistryHousehold, applicant: RegistryPerson, typed: str) -> list[RegistryPerson]:
    """The household members named in `typed` (the ``members`` answer), in registry order.

    A name matches a member by full name, by reading (katakana/hiragana) or, when only one member has it, by
    given name; "本人" means the applicant. Any name that matches no member raises members_unmatched.
    """
    chosen: set[str] = set()
    unmatched = 0
    for token in (t.strip() for t in _MEMBER_SEPARATORS.split(typed)):
        if not token:
            continue
        if token in _SELF_WORDS:
            chosen.add(applicant.person_id)
            continue
        name, kana = normalise_name(token), normalise_kana(token)
        hits = [m for m in household.members if normalise_name(m.name_kanji) == name]
        hits = hits or [m for m in household.members if kana and normalise_kana(m.name_kana) == kana]
        if not hits:
            given = [m for m in household.members if name and normalise_name(_given_name(m.name_kanji)) == name]
            hits = given if len(given) == 1 else []
        if not hits:
            unmatched += 1
        chosen.update(m.person_id for m in hits)
    if unmatched or not chosen:
        raise CertificateUnavailable("members_unmatched", f"{unmatched} name(s) match no member of the household")
    return [m for m in household.members if m.person_id in chosen]


def _juminhyo(
    answers: dict[str, str], registry: CertificateRegistry, person: RegistryPerson
) -> tuple[tuple[Entry, ...], tuple[Member, ...]]:
    household = registry.get_household(person.household_id)
    if household is None:
        raise CertificateUnavailable("household_unknown")
    if answers.get("scope") == "some":
        listed = select_members(household, person, answers.get("members", ""))
    else:
        listed = list(household.members)
    with_head = _yes(answers, "include_head_relationship")
    with_domicile = _yes(answers, "include_domicile")
    fields = [Entry("住所", household.address)]
    head = household.head
    if with_head and head is not None:
        fields.append(Entry(HEAD, head.name_kanji))
    members = tuple(
        Member(
            name=m.name_kanji,
            name_kana=m.name_kana,
            birth_date=m.birth_date,
            gender=m.gender,
            moved_in=m.moved_in,
            relationship=m.relationship if with_head else None,
            domicile=m.domicile if with_domicile else None,
            domicile_head=m.domicile_head if with_domicile and m.domicile else None,
            nationality=m.nationality,
        )
        for m in listed
    )
    return tuple(fields), members


def _inkan(registry: CertificateRegistry, person: RegistryPerson) -> tuple[tuple[Entry, ...], str]:
    seal = registry.get_seal_registration(person.person_id)
    if seal is None:
        raise CertificateUnavailable("no_seal_registration")
    fields = (
        Entry("登録番号", seal.registration_number),
        Entry("氏名", person.name_kanji),
        Entry("フリガナ", person.name_kana),
        Entry("生年月日", wareki(person.birth_date)),
        Entry("性別", person.gender),
        Entry("住所", person.address),
        Entry("登録年月日", wareki(seal.registered_on)),
    )
    return fields, seal.seal_text


def _shotoku(answers: dict[str, str], registry: CertificateRegistry, person: RegistryPerson) -> tuple[Entry, ...]:
    records = registry.get_tax_records(person.person_id)  # the latest first
    wanted = answers.get("fiscal_year", "").strip()
    record = next((r for r in records if str(r.fiscal_year) == wanted), None) if wanted else None
    if record is None and not wanted and records:
        record = records[0]
    if record is None:
        raise CertificateUnavailable("no_tax_record", f"fiscal year {wanted or '(latest)'} not held")
    income_year = record.fiscal_year - 1
    return (
        Entry("年度", f"{fiscal_year_label(record.fiscal_year)}（{year_label(income_year)}中の所得）"),
        Entry("住所", person.address),
        Entry("氏名", person.name_kanji),
        Entry("生年月日", wareki(person.birth_date)),
        Entry("総所得金額", f"{record.income_yen:,}円"),
        Entry("市民税・県民税額", f"{record.tax_yen:,}円"),
    )


def build_certificate(
    procedure_code: str,
    answers: dict[str, str],
    registry: CertificateRegistry,
    person_id: str,
    number: str,
    certificate_id: str,
    issued_on: date,
) -> CertificateData:
    """The certificate for the resident `person_id` (the applicant as matched and confirmed by the clerk).

    Raises CertificateUnavailable when the registry cannot back it (unknown person, no seal, no tax record,
    members named that are not in the household, a procedure without a certificate).
    """
    titles = PROCEDURES.get(procedure_code)
    if titles is None:
        raise CertificateUnavailable("unsupported_procedure", procedure_code)
    person = registry.get_person(person_id)
    if person is None:
        raise CertificateUnavailable("person_unknown")
    title, title_en, certification = titles
    fields: tuple[Entry, ...] = ()
    members: tuple[Member, ...] = ()
    seal_text: str | None = None
    if procedure_code == "juminhyo":
        fields, members = _juminhyo(answers, registry, person)
    elif procedure_code == "inkan":
        fields, seal_text = _inkan(registry, person)
    else:
        fields = _shotoku(answers, registry, person)
    return CertificateData(
        certificate_id=certificate_id,
        number=number,
        procedure_code=procedure_code,
        title=title,
        title_en=title_en,
        issued_at=issued_on,
        holder_name=person.name_kanji,
        holder_birth_date=person.birth_date,
        certification=certification,
        fields=fields,
        members=members,
        seal_impression=seal_text,
    )
