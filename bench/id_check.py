"""ID-photo check speed on 12-megapixel photos, against Pillow's full decode of the same files.

    python -m bench.id_check [--photos 5] [--runs 9]

Generates 4000 x 3000 JPEGs of ID-like cards on varied backgrounds (tests.support.id_cards), warms
up, then per file: the median time of `check_id_photo` (open, reduced-scale decode, analysis), of
Pillow's full decode (`Image.open(...).load()`, RGB) and of the 1/8-scale gray decode alone (the floor
of any check that decodes with libjpeg's scaling), measured alternately in the same run. Then the peak
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


def reduced_decode(data: bytes) -> None:
    """What the check's decode cannot go below: the same 1/8-scale gray draft, with no analysis."""
    with Image.open(io.BytesIO(data)) as im:
        w, h = im.size
        im.draft("L", (w // 8, h // 8))
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


def warm_full_decodes(photos: list[bytes], runs: int) -> list[float]:
    """Each photo's median full decode with Pillow keeping freed memory blocks for the next image.

    By default Pillow frees them, and whether the allocator then hands back memory already mapped or
    fresh pages (each faulted in on first write) changes a 12-megapixel decode by up to 40 ms between
    runs. This is the decode without that cost: the ratio's other bound.
    """
    before = Image.core.get_blocks_max()
    Image.core.set_blocks_max(8)
    try:
        medians = []
        for data in photos:
            full_decode(data)
            medians.append(statistics.median(timed(full_decode, data) for _ in range(runs)))
        return medians
    finally:
        Image.core.set_blocks_max(before)


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
        reduced_decode(data)

    print(
        f"{'photo':>5} {'MB':>6} {'accepted':>9} {'check ms':>9} {'decode ms':>10} {'ratio':>6} "
        f"{'1/8 decode ms':>14} {'its ratio':>10}  reasons"
    )
    checks: list[float] = []
    decodes: list[float] = []
    reduced: list[float] = []
    accepted: list[bytes] = []
    for i, data in enumerate(photos):
        c_times, d_times, r_times = [], [], []
        for _ in range(args.runs):
            c_times.append(timed(check_id_photo, data))
            d_times.append(timed(full_decode, data))
            r_times.append(timed(reduced_decode, data))
        c, d, r = statistics.median(c_times), statistics.median(d_times), statistics.median(r_times)
        checks.append(c)
        decodes.append(d)
        reduced.append(r)
        report = check_id_photo(data)
        if report.accepted:
            accepted.append(data)
        reasons = ",".join(r.value for r in report.reasons) or "-"
        print(
            f"{i:>5} {len(data) / 1e6:>6.2f} {report.accepted!s:>9} {c:>9.1f} {d:>10.1f} {c / d:>6.2f} "
            f"{r:>14.1f} {r / d:>10.2f}  {reasons}"
        )

    largest = max(accepted or photos, key=len)
    before, after, traced = memory_of(largest)
    print(
        f"memory, checking the largest {'accepted ' if accepted else ''}photo ({len(largest) / 1e6:.2f} MB) "
        f"in a fresh process: peak RSS {before:.0f} MB after imports, {after:.0f} MB after the check "
        f"(+{after - before:.0f}); tracemalloc peak {traced:.1f} MB"
    )
    median_ms = statistics.median(checks)
    decode_ms = statistics.median(decodes)
    warm_ms = statistics.median(warm_full_decodes(photos, args.runs))
    print(
        f"Pillow's full decode into reused memory (it keeps its blocks; no fresh pages to fault in): median "
        f"{warm_ms:.1f} ms; the check's ratio to it {median_ms / warm_ms:.2f}"
    )
    print(
        f"the 1/8-scale decode alone (all the compressed data is still read): median "
        f"{statistics.median(reduced):.1f} ms, ratio {statistics.median(reduced) / decode_ms:.2f} to the full decode, "
        f"{statistics.median(reduced) / warm_ms:.2f} to the decode into reused memory"
    )
    print(
        f"id_check median_ms={median_ms:.1f} full_decode_ms={decode_ms:.1f} "
        f"ratio={median_ms / decode_ms:.2f} peak_rss_mb={after:.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
