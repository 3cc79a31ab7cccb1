"""The conversation's serialisable state and the per-turn context and outcome."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from domain.catalog import Catalog
from domain.models import ApplicationSummary, SubmittedApplication

JST = timezone(timedelta(hours=9))
PHASES = frozenset({"idle", "asking", "confirming", "editing", "confirm_cancel", "confirm_switch", "confirm_withdraw"})
# The phases a confirm_cancel / confirm_switch can return to.
INTAKE_STEPS = frozenset({"asking", "confirming", "editing"})


@dataclass
class ConversationState:
    """Where one resident's chat stands. Only plain types, so it round-trips through to_dict."""

    language: str = "ja"
    phase: str = "idle"
    procedure_code: str | None = None
    application_id: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    question_id: str | None = None
    asked: list[str] = field(default_factory=list)
    editing: bool = False  # answering a question chosen from the card: return to the card after
    resume_phase: str | None = None  # step to return to when a confirm_* question is declined
    pending_procedure: str | None = None  # confirm_switch: the procedure the resident picked
    withdraw_target: str | None = None  # confirm_withdraw: the submitted application
    reminded: bool = False

    def in_intake(self) -> bool:
        return self.procedure_code is not None and self.application_id is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def copy(self) -> ConversationState:
        """An independent copy: new containers (their items are strings, immutable).

        A chat turn works on a copy, so the state it was given is never modified. Not a round trip
        through `to_dict` and `from_dict`: that took 133 us against 5 us outside the workflow sandbox,
        and more inside it; a state in memory is already well-formed (it comes from `from_dict` or from
        this package).
        """
        return replace(self, answers=dict(self.answers), asked=list(self.asked))

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> ConversationState:
        """Tolerant: unknown keys are ignored and ill-typed values fall back to the defaults."""
        state = cls()
        if not isinstance(d, dict):
            return state
        for f in fields(cls):
            value = d.get(f.name)
            if _fits(value, getattr(state, f.name)):
                setattr(state, f.name, copy.deepcopy(value))
        if state.language not in ("ja", "en"):
            state.language = "ja"
        if state.phase not in PHASES:
            state.phase = "idle"
        return state

    def fresh(self) -> ConversationState:
        """A new idle state that keeps only the resident's language."""
        return ConversationState(language=self.language)


def _fits(value: Any, default: Any) -> bool:
    if isinstance(default, dict):
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    return value is None or isinstance(value, str)


@dataclass
class Context:
    catalog: Catalog
    now: datetime  # timezone-aware UTC, from workflow.now()
    applications: list[ApplicationSummary]  # the resident's submitted applications, newest last
    new_application_id: str  # reserved by the workflow; used when a new intake starts
    display_name: str | None = None
    hours_until_expiry: int = 48  # said in the 24 h reminder (72 h expiry - 24 h)

    def today(self) -> date:
        """Today's date in Japan, where the resident and the city hall are."""
        now = self.now if self.now.tzinfo is not None else self.now.replace(tzinfo=UTC)
        return now.astimezone(JST).date()


@dataclass
class Outcome:
    state: ConversationState
    messages: list[dict[str, Any]]  # 0..5 LINE message objects
    submitted: SubmittedApplication | None = None
    withdraw_application_id: str | None = None
    used_new_application_id: bool = False
