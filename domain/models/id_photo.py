"""The ID photo stage: photos forwarded by the conversation, the check's result, the record of attempts."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.reports import IdPhotoCheck
from domain.states import ReceiveOutcome


@dataclass
class IdPhotoSubmitted:
    """Signal from the conversation to an application awaiting its ID photo: the resident sent an image."""

    webhook_event_id: str
    content_id: str  # LINE message id; the bytes are fetched from LINE's content endpoint
    reply_token: str = ""
    received_at_ms: int = 0


@dataclass
class ReceiveIdPhotoInput:
    application_id: str
    resident: str  # the resident's conversation workflow id (a keyed hash, not personal data)
    content_id: str


@dataclass
class ReceivedIdPhoto:
    """What the receive activity found. Only a blob key and the report cross into history (claim check)."""

    outcome: ReceiveOutcome
    blob_key: str = ""  # "" when nothing was stored (not a readable image)
    report: IdPhotoCheck = field(default_factory=lambda: IdPhotoCheck())
    duplicate_of: list[str] = field(default_factory=list)  # other residents' applications with this photo


@dataclass
class IdPhotoAttempt:
    number: int
    received_at: str  # ISO 8601, UTC
    blob_key: str
    report: IdPhotoCheck
    duplicate_of: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.report.accepted


@dataclass
class IdPhotoRecord:
    """The ID photo stage as the back office sees it (the `id_photo` query of an application)."""

    attempts: list[IdPhotoAttempt] = field(default_factory=list)
    chosen: int | None = None  # index in attempts of the photo handed to the clerk
    round_start: int = 0  # attempts before this index belong to earlier rounds (a clerk asked for a new photo)
    needs_attention: bool = False  # handed over without an accepted photo, or a duplicate
    photos_deleted: bool = False


@dataclass
class DeleteIdPhotosInput:
    application_id: str
    blob_keys: list[str]
