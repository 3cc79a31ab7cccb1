"""The clerk review stage: decisions and the registry match request."""

from __future__ import annotations

from dataclasses import dataclass

from domain.states import DecisionKind


@dataclass
class DecisionInput:
    """A clerk's decision (the `decide` update of an application)."""

    # A DecisionKind value. Typed str: the update's validator must receive an unknown kind to refuse it with
    # a message (a DecisionKind field would fail to decode first).
    decision: str
    reason_code: str = ""  # required for reject (REJECT_REASONS) and request_photo (PHOTO_REASONS)
    reason_text: str = ""  # the clerk's note to the resident; required with reason "other"
    clerk_login: str = ""
    clerk_name: str = ""


@dataclass
class Decision:
    decision: DecisionKind
    reason_code: str
    reason_text: str
    clerk_login: str
    clerk_name: str
    decided_at: str  # ISO 8601, UTC


@dataclass
class MatchRegistryInput:
    application_id: str
    answers: dict[str, str]
