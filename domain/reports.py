"""What the checks before a clerk's review report: the ID photo check and the registry match.

Both are activity results recorded in history, as JSON objects whose field names are the ones recorded
(every field has a default, so older payloads with fewer fields still decode).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IdPhotoCheck:
    """The check report of one ID photo, as it crosses into history (the JSON form of `IdPhotoReport`)."""

    accepted: bool = False
    reasons: list[str] = field(default_factory=list)  # `domain.id_photo.Reason` values, the main one first
    scores: dict[str, float] = field(default_factory=dict)
    format: str | None = None
    width: int = 0
    height: int = 0
    phash: str | None = None


@dataclass(frozen=True)
class RegistryMatch:
    """The applicant matched against the resident registry (`registry.matching`), for the clerk.

    kind: "exact" | "partial" | "none", or "unavailable" when the registry could not be asked. differing:
    field names among `registry.matching.FIELDS`. registry: what the registry holds for the matched person
    (name_kanji, name_kana, birth_date as ISO date, address, gender, relationship), for the clerk's side-by-side
    view; empty when kind is "none". candidates: registry persons compared; plausible: how many of them were
    exact or partial (more than one means the clerk should look twice).
    """

    kind: str
    person_id: str | None = None
    household_id: str | None = None
    differing: list[str] = field(default_factory=list)
    registry: dict[str, str] = field(default_factory=dict)
    candidates: int = 0
    plausible: int = 0
