"""Focused tests of the ID-photo check: one clear case per reason, the perceptual hash, the report's
JSON form, the thresholds as limits, and the resident-facing messages."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from domain.id_photo import (
    IdPhotoLimits,
    IdPhotoReport,
    Reason,
    check_id_photo,
    phash_distance,
    sniff_other_format,
)
from messages.id_photo import GENERIC_TEXT, REASON_TEXTS, reason_message
from tests.support.id_cards import Scene, encode_jpeg, photo

BASE = Scene(size=(1280, 960), background="wood", card_long_px=900, gain=0.9, noise_sigma=2.5)

CASES: dict[str, Scene] = {
    "accepted": BASE,
    "accepted-upright": replace(BASE, angle=92.0, card_long_px=760, background="dark_cloth"),
    "accepted-tilted-15": replace(BASE, angle=15.0, card_long_px=820, background="table"),
    Reason.BLURRY: replace(BASE, blur_sigma=11.0),
    Reason.TOO_DARK: replace(BASE, gain=0.15),
    Reason.TOO_BRIGHT: replace(BASE, gain=2.0, offset=40.0),
    Reason.GLARE: replace(BASE, glare=((0.1, 0.0, 0.08, 2.0),)),
    Reason.TILTED: replace(BASE, angle=40.0, card_long_px=760),
    Reason.CARD_CUT_OFF: replace(BASE, centre=(0.85, 0.5)),
    Reason.LOW_RESOLUTION: replace(BASE, size=(640, 480), card_long_px=450),
    Reason.CARD_TOO_SMALL: replace(BASE, card_long_px=300),
    Reason.NO_CARD: replace(BASE, with_card=False, objects=3),
}


@pytest.fixture(scope="module")
def photos() -> dict[str, bytes]:
    return {name: photo(scene, seed=7) for name, scene in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_each_reason(photos: dict[str, bytes], name: str) -> None:
    report = check_id_photo(photos[name])
    if name.startswith("accepted"):
        assert report.accepted and report.reasons == (), report.scores
        assert 1.45 < report.scores["card_aspect"] < 1.75
        assert report.scores["card_long_side_px"] > 600
    else:
        assert not report.accepted
        assert report.reasons[0] == name, (report.reasons, report.scores)
    assert report.format == "JPEG" and (report.width, report.height) == CASES[name].size


def test_scores_of_a_good_photo_make_sense(photos: dict[str, bytes]) -> None:
    s = check_id_photo(photos["accepted"]).scores
    assert s["card_long_side_px"] == pytest.approx(900, rel=0.06)
    assert s["card_fill"] == pytest.approx(900 * 900 / 1.586 / (1280 * 960), rel=0.12)
    assert s["card_tilt_deg"] < 2 and s["glare_share"] == 0 and s["sharpness"] > 0.3
    tilted = check_id_photo(photos["accepted-tilted-15"]).scores
    assert tilted["card_tilt_deg"] == pytest.approx(15, abs=2)


def test_limits_are_the_thresholds(photos: dict[str, bytes]) -> None:
    data = photos["accepted"]
    assert Reason.LOW_RESOLUTION in check_id_photo(data, IdPhotoLimits(min_card_width_px=1000)).reasons
    assert check_id_photo(data, IdPhotoLimits(min_sharpness=5.0)).reasons == (Reason.BLURRY,)
    assert check_id_photo(data, IdPhotoLimits(max_bytes=1000)).reasons == (Reason.TOO_LARGE,)
    assert check_id_photo(data, IdPhotoLimits(max_pixels=1_000_000)).reasons == (Reason.TOO_LARGE,)
    tilted = photos["accepted-tilted-15"]
    assert check_id_photo(tilted, IdPhotoLimits(max_tilt_deg=10)).reasons == (Reason.TILTED,)


def _rescaled(data: bytes, factor: float, quality: int) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        im = im.convert("RGB")
        return encode_jpeg(im.resize((round(im.width * factor), round(im.height * factor))), quality)


def test_phash_is_stable_under_reencoding_and_scaling(photos: dict[str, bytes]) -> None:
    original = check_id_photo(photos["accepted"]).phash
    assert original is not None and len(original) == 16 and int(original, 16) >= 0
    for factor, quality in ((1.0, 60), (0.8, 85), (0.6, 75), (1.25, 90)):
        again = check_id_photo(_rescaled(photos["accepted"], factor, quality)).phash
        assert again is not None
        assert phash_distance(original, again) <= 6, (factor, quality)


def test_phash_differs_between_photos(photos: dict[str, bytes]) -> None:
    hashes = [check_id_photo(photos[n]).phash for n in ("accepted", "accepted-upright", "accepted-tilted-15")]
    other_card = check_id_photo(photo(BASE, seed=8)).phash  # same framing, another card and table
    hashes.append(other_card)
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert a is not None and b is not None
            assert phash_distance(a, b) >= 12


def test_phash_distance() -> None:
    assert phash_distance("0000000000000000", "0000000000000000") == 0
    assert phash_distance("0000000000000000", "ffffffffffffffff") == 64
    assert phash_distance("8000000000000001", "0000000000000000") == 2
    with pytest.raises(ValueError):
        phash_distance("zz", "00")


def test_report_round_trips_through_json(photos: dict[str, bytes]) -> None:
    for name in ("accepted", Reason.GLARE, Reason.NO_CARD):
        report = check_id_photo(photos[name])
        d = json.loads(json.dumps(report.to_dict()))
        assert d["reasons"] == [r.value for r in report.reasons]
        assert IdPhotoReport.from_dict(d) == report
    refused = check_id_photo(b"")
    assert refused.to_dict() == {
        "accepted": False,
        "reasons": ["unreadable"],
        "scores": {},
        "format": None,
        "width": 0,
        "height": 0,
        "phash": None,
    }
    assert IdPhotoReport.from_dict(refused.to_dict()) == refused
    with pytest.raises(ValueError):
        IdPhotoReport.from_dict({"reasons": ["not_a_reason"]})


def test_reason_codes_are_stable() -> None:
    assert {r.value for r in Reason} == {
        "unreadable",
        "unsupported_format",
        "too_large",
        "low_resolution",
        "blurry",
        "too_dark",
        "too_bright",
        "glare",
        "no_card",
        "card_cut_off",
        "tilted",
        "card_too_small",
    }


def test_messages_exist_for_every_reason() -> None:
    for reason in Reason:
        texts = REASON_TEXTS[reason.value]
        assert texts["ja"] and texts["en"] and texts["ja"] != texts["en"]
        assert reason_message(reason, "en") == texts["en"]
        assert reason_message(reason, "ja") == texts["ja"]
        assert reason_message(reason, "vi") == texts["ja"]  # unknown language: Japanese
    assert reason_message("no_such_reason", "en") == GENERIC_TEXT["en"]
    assert reason_message("no_such_reason", "fr") == GENERIC_TEXT["ja"]
    assert set(REASON_TEXTS) == {r.value for r in Reason}


def test_other_formats_are_named() -> None:
    assert sniff_other_format(b"GIF89a...") == "GIF"
    assert sniff_other_format(b"%PDF-1.7") == "PDF"
    assert sniff_other_format(b"\x00\x00\x00\x18ftypheic") == "HEIF"
    assert sniff_other_format(b"  <svg xmlns='http://www.w3.org/2000/svg'/>") == "SVG"
    assert sniff_other_format(b"BMW is a car") is None
    assert sniff_other_format(np.zeros(10, dtype=np.uint8).tobytes()) is None
