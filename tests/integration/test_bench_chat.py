"""The chat benchmark runs end to end as `make bench-chat` runs it (tiny and unpaced, figures unchecked).

It starts its own system and the skeleton's worker process; this only guards that the command works
and prints its machine-readable line. Speed is shown by the benchmark itself, never by a test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"^chat_latency p50_ms=[\d.]+ p99_ms=[\d.]+ skeleton_p50_ms=[\d.]+ skeleton_p99_ms=[\d.]+ "
    r"ratio_p50=[\d.]+ ratio_p99=[\d.]+$"
)


def test_chat_benchmark_runs_both_sides_and_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.chat_latency", "--residents", "2", "--rounds", "2", "--think-ms", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert LAST_LINE.match(lines[-1]), lines[-1]
    # 2 rounds x 2 residents x 13 turns a side, and the skeleton's own worker process did the work
    assert re.search(r"^chat\s+52\s", done.stdout, re.M), done.stdout
    assert re.search(r"^skeleton\s+52\s", done.stdout, re.M), done.stdout
    assert "round 2:" in done.stdout
    interval = re.search(
        r"^ratio chat:skeleton if these 2 rounds were run again .*p99 ([\d.]+)-([\d.]+)$", done.stdout, re.M
    )
    assert interval and float(interval.group(1)) <= float(interval.group(2)), done.stdout
    skeleton_cpu = re.search(r"^skeleton: .*skeleton-worker ([\d.]+)", done.stdout, re.M)
    assert skeleton_cpu and float(skeleton_cpu.group(1)) > 0, done.stdout


def test_chat_benchmark_refuses_bad_flags() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.chat_latency", "--rounds", "0"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "--rounds must be >= 1" in done.stderr
