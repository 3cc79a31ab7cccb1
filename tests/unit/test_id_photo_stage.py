"""The ID photo stage's pure decisions and messages (domain.id_photo_stage)."""

from __future__ import annotations

import pytest

from domain import id_photo_stage
from domain.id_photo import Reason
from domain.models import IdPhotoAttempt, IdPhotoRecord, ReceivedIdPhoto
from domain.reports import IdPhotoCheck
from domain.states import ReceiveOutcome
from messages.id_photo import REASON_TEXTS
from tests.support.emulator import quick_replies, texts_of


def attempt(n: int, accepted: bool, reasons: list[str], sharpness: float = 10.0, stored: bool = True) -> IdPhotoAttempt:
    report = IdPhotoCheck(accepted=accepted, reasons=reasons, scores={"sharpness": sharpness})
    return IdPhotoAttempt(number=n, received_at="", blob_key=f"k/{n}" if stored else "", report=report)


def received(accepted: bool, *reasons: str) -> ReceivedIdPhoto:
    report = IdPhotoCheck(accepted=accepted, reasons=list(reasons))
    return ReceivedIdPhoto(outcome=ReceiveOutcome.CHECKED, blob_key="k", report=report)


def test_best_attempt_prefers_accepted_then_fewest_problems_then_sharpest() -> None:
    assert id_photo_stage.best_attempt([]) is None
    assert id_photo_stage.best_attempt([attempt(1, False, ["unreadable"], stored=False)]) is None
    tries = [
        attempt(1, False, ["blurry", "glare"]),
        attempt(2, False, ["glare"], 5),
        attempt(3, False, ["too_dark"], 9),
    ]
    assert id_photo_stage.best_attempt(tries) == 2
    tries.append(attempt(4, True, [], 1))
    assert id_photo_stage.best_attempt(tries) == 3


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_rejected_photo_explains_the_main_reason_and_asks_again(lang: str) -> None:
    record = IdPhotoRecord(attempts=[attempt(1, False, ["glare", "blurry", "too_dark"])])
    step = id_photo_stage.after_check(record, received(False, "glare", "blurry", "too_dark"), 3, lang, "AB-CD")
    assert not step.done
    body = texts_of(step.messages[0])
    assert REASON_TEXTS["glare"][lang] in body and REASON_TEXTS["blurry"][lang] in body
    assert REASON_TEXTS["too_dark"][lang] not in body, "at most two reasons: the tip must not drown"
    assert {a["type"] for a in quick_replies(step.messages[-1])} == {"camera", "cameraRoll"}
    assert ("2" in texts_of(step.messages[-1])) and ("3" in texts_of(step.messages[-1]))


def test_the_last_failed_attempt_hands_over_and_acceptance_ends_the_stage() -> None:
    tries = [attempt(n, False, ["blurry"]) for n in (1, 2, 3)]
    step = id_photo_stage.after_check(IdPhotoRecord(attempts=tries), received(False, "blurry"), 3, "en", "AB-CD")
    assert step.done and "AB-CD" in texts_of(step.messages[0])
    step = id_photo_stage.after_check(IdPhotoRecord(attempts=tries[:1]), received(True), 3, "en", "AB-CD")
    assert step.done and "received the photo" in texts_of(step.messages[0])


def test_unreadable_files_never_hand_over_nothing() -> None:
    tries = [attempt(n, False, ["unreadable"], stored=False) for n in range(1, 6)]
    step = id_photo_stage.after_check(IdPhotoRecord(attempts=tries), received(False, "unreadable"), 3, "ja", "X")
    assert not step.done


def test_lost_content_asks_again_without_an_attempt() -> None:
    step = id_photo_stage.after_check(IdPhotoRecord(), ReceivedIdPhoto(outcome=ReceiveOutcome.GONE), 3, "ja", "X")
    assert not step.done and "もう一度" in texts_of(step.messages[0])


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_reason_has_a_message_in_both_languages(lang: str) -> None:
    for reason in Reason:
        assert REASON_TEXTS[reason.value][lang].strip()


def test_photo_request_fits_lines_limits() -> None:
    for lang in ("ja", "en"):
        message = id_photo_stage.photo_request(lang)
        assert len(message["text"]) <= 5000
        assert all(len(a["label"]) <= 20 for a in quick_replies(message))
