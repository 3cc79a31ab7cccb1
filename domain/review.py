"""Clerk review, as pure rules: what a valid decision is, review deadlines in business days, messages."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import jpholiday

from domain import id_photo_stage
from domain.models import DecisionInput
from domain.state import JST
from domain.states import DecisionKind
from messages import i18n, line
from messages.i18n import TextTable
from messages.line import Message
from messages.texts import t
from messages.texts_review import PHOTO_REASONS, REJECT_REASONS

DECISIONS = tuple(DecisionKind)
MAX_NOTE = 500  # characters of the clerk's free text sent to the resident


class InvalidDecision(ValueError):
    """A decision that cannot be applied; the message says why (shown to the clerk / API caller)."""


def validate(decision: DecisionInput) -> None:
    """Raises InvalidDecision unless the decision is complete: a known kind, and a reason where one is needed."""
    if decision.decision not in DECISIONS:
        raise InvalidDecision(f"decision must be one of {', '.join(DECISIONS)}")
    if not decision.clerk_login:
        raise InvalidDecision("the deciding clerk is missing")
    if len(decision.reason_text) > MAX_NOTE:
        raise InvalidDecision(f"the note is longer than {MAX_NOTE} characters")
    reasons = {DecisionKind.REJECT: REJECT_REASONS, DecisionKind.REQUEST_PHOTO: PHOTO_REASONS}.get(
        DecisionKind(decision.decision)
    )
    if reasons is None:
        return
    if decision.reason_code not in reasons:
        raise InvalidDecision(f"a reason is required: one of {', '.join(reasons)}")
    if decision.reason_code == "other" and not decision.reason_text.strip():
        raise InvalidDecision("reason 'other' needs a note for the resident")


# --- business days -----------------------------------------------------------------------------------


def is_business_day(day: date) -> bool:
    """City hall is open: not a weekend, not a national holiday, not the year-end closure (Dec 29 - Jan 3)."""
    if day.weekday() >= 5 or jpholiday.is_holiday(day):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` business days after `start` (timezone-aware), at the same time of day in Japan.

    Starting on a closed day counts from the next business day's opening (8:45 JST).
    """
    local = start.astimezone(JST)
    if not is_business_day(local.date()):
        day = local.date()
        while not is_business_day(day):
            day += timedelta(days=1)
        local = datetime.combine(day, datetime.min.time(), JST).replace(hour=8, minute=45)
    day = local.date()
    for _ in range(days):
        day += timedelta(days=1)
        while not is_business_day(day):
            day += timedelta(days=1)
    return datetime.combine(day, local.timetz())


# --- resident messages -----------------------------------------------------------------------------


def _reason(reasons: TextTable, code: str, lang: str) -> str:
    return i18n.t(reasons, code if code in reasons else "other", lang)


def decision_messages(decision: DecisionInput, lang: str, application_id: str) -> list[Message]:
    """The push that tells the resident the clerk's decision, in their language."""
    note = decision.reason_text.strip()[:MAX_NOTE]
    if decision.decision == DecisionKind.APPROVE:
        return [line.text(t("review_approved", lang, id=application_id))]
    if decision.decision == DecisionKind.REJECT:
        parts = [
            t("review_rejected", lang, id=application_id, reason=_reason(REJECT_REASONS, decision.reason_code, lang))
        ]
        if note:
            parts.append(t("review_note", lang, note=note))
        parts.append(t("review_contact", lang))
        return [line.text("\n\n".join(parts))]
    reason = _reason(PHOTO_REASONS, decision.reason_code, lang)
    parts = [t("review_photo_requested", lang, id=application_id, reason=reason)]
    if note:
        parts.append(t("review_note", lang, note=note))
    return [line.text("\n\n".join(parts)), id_photo_stage.photo_request(lang)]


def still_reviewing(lang: str, application_id: str) -> list[Message]:
    return [line.text(t("review_still_reviewing", lang, id=application_id))]
