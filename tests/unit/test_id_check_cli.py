"""`python -m activities.id_check FILE...`: one JSON line per file, exit 0 whatever the verdicts, 2 on usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.id_cards import encode_jpeg, good_card_image

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "activities.id_check", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_good_and_bad_files(tmp_path: Path) -> None:
    good = tmp_path / "card.jpg"
    good.write_bytes(encode_jpeg(good_card_image(), 90))
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo")
    done = run(str(good), str(bad))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(good), str(bad)]
    assert lines[0]["accepted"] is True and lines[0]["reasons"] == []
    assert lines[0]["format"] == "JPEG" and lines[0]["width"] == 1280 and len(lines[0]["phash"]) == 16
    assert lines[0]["scores"]["card_long_side_px"] > 600
    assert lines[1] == {
        "file": str(bad),
        "accepted": False,
        "reasons": ["unreadable"],
        "scores": {},
        "format": None,
        "width": 0,
        "height": 0,
        "phash": None,
    }


def test_usage_errors(tmp_path: Path) -> None:
    done = run()
    assert done.returncode == 2 and done.stdout == "" and "FILE" in done.stderr
    good = tmp_path / "card.jpg"
    good.write_bytes(encode_jpeg(good_card_image().resize((320, 240)), 80))
    missing = tmp_path / "missing.jpg"
    done = run(str(missing), str(good))
    assert done.returncode == 2
    assert "missing.jpg" in done.stderr
    assert [json.loads(line)["file"] for line in done.stdout.splitlines()] == [str(good)]


def test_help() -> None:
    done = run("--help")
    assert done.returncode == 0 and "JSON" in done.stdout


def test_importable_without_temporal() -> None:
    code = "import sys, activities.id_check; sys.exit('temporalio' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
