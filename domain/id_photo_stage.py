"""The ID photo stage of an application, as pure decisions and messages (the workflow only runs them).

The resident gets up to `max_attempts` checked photos. An accepted photo ends the stage; after the
last failed attempt the best stored photo goes to the clerk, marked for attention. Files that are
not readable images (nothing to hand over) keep the stage open: the resident is simply asked again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.models import IdPhotoAttempt, IdPhotoRecord, ReceivedIdPhoto
from domain.states import ReceiveOutcome
from messages import line
from messages.id_photo import reason_message
from messages.line import Action, Message
from messages.texts import t

# At most this many reasons are explained per photo, the main one first: more would bury the tip.
REASONS_SHOWN = 2


@dataclass
class PhotoStep:
    messages: list[Message]
    done: bool = False  # the stage is over: the application goes to review
    attempts_used: int = 0
    reasons: list[str] = field(default_factory=list)


def photo_actions(lang: str) -> list[Action]:
    return [
        {"type": "camera", "label": line.fit(t("label_camera", lang), line.MAX_LABEL)},
        {"type": "cameraRoll", "label": line.fit(t("label_camera_roll", lang), line.MAX_LABEL)},
    ]


def photo_request(lang: str) -> Message:
    """The first request, with the guidance and the camera / camera roll quick replies."""
    return line.text(t("id_photo_request", lang), photo_actions(lang))


def checked_attempts(record: IdPhotoRecord) -> int:
    """Attempts that count towards the limit: photos that were readable images (and so stored)."""
    return sum(1 for a in record.attempts[record.round_start :] if a.blob_key)


def best_attempt(attempts: list[IdPhotoAttempt], start: int = 0) -> int | None:
    """Index of the photo to hand to the clerk: accepted first, then fewest problems, then sharpest.

    Only attempts from `start` on count (the current round)."""
    stored = [i for i, a in enumerate(attempts) if a.blob_key and i >= start]
    if not stored:
        return None

    def rank(i: int) -> tuple[int, int, float, int]:
        a = attempts[i]
        sharpness = a.report.scores.get("sharpness", 0.0)
        return (0 if a.accepted else 1, len(a.report.reasons), -float(sharpness or 0.0), -i)

    return min(stored, key=rank)


def explain(reasons: list[str], lang: str) -> list[str]:
    return [reason_message(r, lang) for r in reasons[:REASONS_SHOWN]]


def after_check(
    record: IdPhotoRecord, received: ReceivedIdPhoto, max_attempts: int, lang: str, application_id: str
) -> PhotoStep:
    """What to tell the resident after one photo was received and checked (already added to `record`)."""
    if received.outcome == ReceiveOutcome.GONE:
        return PhotoStep([line.text(t("id_photo_gone", lang), photo_actions(lang))])
    report = received.report
    if report.accepted:
        return PhotoStep([line.text(t("id_photo_accepted", lang, id=application_id))], done=True)
    reasons = list(report.reasons) or ["unreadable"]
    used = checked_attempts(record)
    if used >= max_attempts and best_attempt(record.attempts, record.round_start) is not None:
        return PhotoStep(
            [line.text(t("id_photo_handed_over", lang, id=application_id))],
            done=True,
            attempts_used=used,
            reasons=reasons,
        )
    body = "\n\n".join([t("id_photo_not_usable", lang), *explain(reasons, lang)])
    again = t("id_photo_request_again", lang, attempt=min(used + 1, max_attempts), max=max_attempts)
    return PhotoStep([line.text(body), line.text(again, photo_actions(lang))], attempts_used=used, reasons=reasons)


def check_failed(lang: str) -> list[Message]:
    """The photo could not be fetched or checked even after retries: nothing counted, send it again."""
    return [line.text(t("id_photo_check_failed", lang), photo_actions(lang))]


def reminder(lang: str, application_id: str, days_left: int) -> list[Message]:
    return [
        line.text(t("id_photo_reminder", lang, id=application_id, days=max(days_left, 1))),
        photo_request(lang),
    ]


def expired(lang: str, application_id: str) -> list[Message]:
    return [line.text(t("id_photo_expired", lang, id=application_id))]


def not_expected(status: str, lang: str, application_id: str) -> list[Message]:
    """A photo for an application that is past the photo stage (it crossed the status update)."""
    key = "id_photo_already_received" if status == "AwaitingReview" else "id_photo_not_active"
    return [line.text(t(key, lang, id=application_id))]
