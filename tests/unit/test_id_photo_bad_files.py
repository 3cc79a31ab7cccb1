"""Broken, hostile and unusual files: the check never raises, refuses them with the right reason (or
accepts the legitimate good photos in unusual forms), and stays within bounded memory."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from domain.id_photo import IdPhotoReport, Reason, check_id_photo, clean_copy
from tests.support.id_cards import BadFile, bad_files, encode_jpeg, exif_rotated_jpeg, good_card_image, png_bomb

CORPUS = bad_files()
ROOT = Path(__file__).resolve().parents[2]


def test_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 40
    assert len({f.name for f in CORPUS}) == len(CORPUS)
    assert sum("accepted" not in f.expect for f in CORPUS) >= 30


@pytest.mark.parametrize("bad", CORPUS, ids=[f.name for f in CORPUS])
def test_bad_file(bad: BadFile) -> None:
    report = check_id_photo(bad.data)
    main = report.reasons[0].value if report.reasons else "accepted"
    assert main in bad.expect, (bad.name, report.reasons, report.scores)
    assert report.accepted == (main == "accepted")
    assert IdPhotoReport.from_dict(report.to_dict()) == report
    if report.reasons and report.reasons[0] in (Reason.UNREADABLE, Reason.UNSUPPORTED_FORMAT, Reason.TOO_LARGE):
        assert report.phash is None
    else:
        assert report.phash is not None and len(report.phash) == 16


def test_exif_orientation_is_applied() -> None:
    upright = good_card_image()
    for orientation in (3, 6, 8):
        report = check_id_photo(exif_rotated_jpeg(upright, orientation))
        assert (report.width, report.height) == upright.size
        assert report.accepted, (orientation, report.reasons)
        assert abs(report.scores["card_tilt_deg"]) < 5


def test_every_truncation_is_refused_without_raising() -> None:
    data = encode_jpeg(good_card_image(), 90)
    for cut in range(0, len(data) - 100, max(1, len(data) // 37)):
        report = check_id_photo(data[:cut])
        assert not report.accepted and report.reasons[0] is Reason.UNREADABLE


def test_mutated_bytes_never_raise() -> None:
    import random

    data = bytearray(encode_jpeg(good_card_image().resize((320, 240)), 80))
    rng = random.Random(3)
    for _ in range(60):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        assert isinstance(check_id_photo(bytes(mutated)), IdPhotoReport)


@pytest.mark.filterwarnings("error")
def test_pillow_bomb_warning_as_error_is_still_a_report() -> None:
    report = check_id_photo(png_bomb(10000, 10000))  # between Pillow's warning and error limits
    assert report.reasons == (Reason.TOO_LARGE,)


_PROBE = """
import sys, tracemalloc
from domain.id_photo import check_id_photo
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
data = open(sys.argv[1], "rb").read()
check_id_photo(open(sys.argv[2], "rb").read())  # warm up: lazy imports, first allocations
before = hwm()
tracemalloc.start()
report = check_id_photo(data)
reason = report.reasons[0].value if report.reasons else "accepted"
print(reason, hwm() - before, tracemalloc.get_traced_memory()[1] / 2**20)
"""


@pytest.mark.parametrize("width,height", [(30000, 30000), (20000, 20000), (7000, 7000)])
def test_bombs_stay_within_bounded_memory(tmp_path: Path, width: int, height: int) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb(width, height))
    warm = tmp_path / "warm.jpg"
    warm.write_bytes(encode_jpeg(good_card_image().resize((640, 480))))
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(bomb), str(warm)], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    reason, rss_growth_mb, traced_mb = out[0], float(out[1]), float(out[2])
    expected = "too_large" if width * height > 50_000_000 else "too_dark"  # the bomb's pixels are all black
    assert reason == expected
    assert traced_mb < 100
    # 7000 x 7000 gray is under the pixel limit: decoded for real (49 MB of pixels), so still bounded
    assert rss_growth_mb < (100 if expected == "too_large" else 160)


def test_clean_copy_drops_metadata_and_applies_orientation() -> None:
    upright = good_card_image()
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a phone held sideways stores
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (35.0, 43.0, 12.5), "E", (139.0, 55.0, 1.5)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=90, exif=exif.tobytes(), icc_profile=icc, comment=b"secret comment")
    original = buf.getvalue()
    with Image.open(io.BytesIO(original)) as im:
        assert im.getexif().get_ifd(0x8825)  # the fixture really carries GPS

    cleaned = clean_copy(original)
    with Image.open(io.BytesIO(cleaned)) as im:
        assert im.format == "JPEG"
        assert im.size == upright.size  # orientation 6 applied: dimensions swapped back
        assert not im.getexif()
        assert "exif" not in im.info and "icc_profile" not in im.info and "comment" not in im.info
        assert b"PhoneMaker" not in cleaned and b"Exif" not in cleaned
    assert check_id_photo(cleaned).accepted


def test_clean_copy_drops_trailing_payload_and_downscales() -> None:
    big = good_card_image(size=(3200, 2400))
    data = encode_jpeg(big, 90) + b"PK\x03\x04 payload"
    cleaned = clean_copy(data, max_side=1600)
    assert b"payload" not in cleaned and cleaned.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(cleaned)) as im:
        assert max(im.size) == 1600


@pytest.mark.parametrize(
    "bad", [f for f in CORPUS if f.expect <= {"unreadable", "unsupported_format", "too_large"}], ids=lambda f: f.name
)
def test_clean_copy_refuses_what_cannot_be_checked(bad: BadFile) -> None:
    with pytest.raises(ValueError):
        clean_copy(bad.data)


def test_clean_copy_of_unusual_modes() -> None:
    for bad in CORPUS:
        if bad.expect == {"accepted"}:
            with Image.open(io.BytesIO(clean_copy(bad.data))) as im:
                assert im.mode == "RGB" and im.format == "JPEG", bad.name
