"""ID-photo check speed on 12-megapixel photos, against Pillow's full decode of the same files.

    python -m bench.id_check [--photos 5] [--runs 9]

Generates 4000 x 3000 JPEGs of ID-like cards on varied backgrounds (tests.support.id_cards), warms
up, then per file: the median time of `check_id_photo` (open, reduced-scale decode, analysis) and
of Pillow's full decode (`Image.open(...).load()`, RGB), measured alternately in the same run. Then the peak
memory of checking the largest accepted photo in a fresh process (its peak resident set, VmHWM, after
imports and after the check; and tracemalloc's peak of Python and numpy allocations). The last line sums it up:

    id_check median_ms=.. full_decode_ms=.. ratio=.. peak_rss_mb=..
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from domain.id_photo import check_id_photo
from tests.support.id_cards import big_photos

_MEMORY_PROBE = """
import sys, tracemalloc
from domain.id_photo import check_id_photo

def hwm_mb():  # peak resident set of this process (ru_maxrss would include the parent's, kept across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0

data = open(sys.argv[1], "rb").read()
before = hwm_mb()
tracemalloc.start()
check_id_photo(data)
peak = tracemalloc.get_traced_memory()[1]
print(before, hwm_mb(), peak / 2**20)
"""


def full_decode(data: bytes) -> None:
    """Pillow's full decode: open and load (an RGB JPEG decodes to RGB; no copy on top of it)."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()


def timed(fn: object, data: bytes) -> float:
    start = time.perf_counter()
    fn(data)  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000


def memory_of(data: bytes) -> tuple[float, float, float]:
    """(peak RSS after imports, after the check, tracemalloc peak) in MB, checking `data` in a fresh interpreter."""
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, f.name],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.split()
    before, after, traced = (float(x) for x in out)
    return before, after, traced


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=5)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    print(f"generating {args.photos} photos of 4000 x 3000 ...", flush=True)
    photos = big_photos(count=args.photos)
    for data in photos:  # warm up: imports, allocator, caches
        check_id_photo(data)
        full_decode(data)

    print(f"{'photo':>5} {'MB':>6} {'accepted':>9} {'check ms':>9} {'decode ms':>10} {'ratio':>6}  reasons")
    checks: list[float] = []
    decodes: list[float] = []
    accepted: list[bytes] = []
    for i, data in enumerate(photos):
        c_times, d_times = [], []
        for _ in range(args.runs):
            c_times.append(timed(check_id_photo, data))
            d_times.append(timed(full_decode, data))
        c, d = statistics.median(c_times), statistics.median(d_times)
        checks.append(c)
        decodes.append(d)
        report = check_id_photo(data)
        if report.accepted:
            accepted.append(data)
        reasons = ",".join(r.value for r in report.reasons) or "-"
        print(f"{i:>5} {len(data) / 1e6:>6.2f} {report.accepted!s:>9} {c:>9.1f} {d:>10.1f} {c / d:>6.2f}  {reasons}")

    largest = max(accepted or photos, key=len)
    before, after, traced = memory_of(largest)
    print(
        f"memory, checking the largest {'accepted ' if accepted else ''}photo ({len(largest) / 1e6:.2f} MB) "
        f"in a fresh process: peak RSS {before:.0f} MB after imports, {after:.0f} MB after the check "
        f"(+{after - before:.0f}); tracemalloc peak {traced:.1f} MB"
    )
    median_ms = statistics.median(checks)
    decode_ms = statistics.median(decodes)
    print(
        f"id_check median_ms={median_ms:.1f} full_decode_ms={decode_ms:.1f} "
        f"ratio={median_ms / decode_ms:.2f} peak_rss_mb={after:.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
