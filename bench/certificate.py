"""Certificate issuing time: render, sign and write one certificate PDF.

    python -m bench.certificate [--runs 30] [--procedure juminhyo]

In a temporary directory: the demo registry (SQLite), the development signing key, and the encrypted blob
store (AES-256-GCM, files fsync'ed). One run = draw the pages (A4, 200 dpi), build the PDF with its two
signatures, and put it in the blob store; the content is built from the registry once, before timing. Two
warm-up runs first (fonts, background and seal artwork are cached per process). The whole
`issue_certificate` (registry, number allocation, PNG preview, database) is timed too, for information.

Target: median <= 150 ms on the 2-core machine. The last line is machine-readable:
``certificate median_ms=.. peak_rss_mb=..`` (peak resident memory of the process).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from certificates.issue import issue_certificate
from certificates.model import build_certificate
from certificates.render import build_pdf, render_pages
from certificates.signing import SigningKeys
from certificates.store import CertificateStore
from config.settings import DEV_BLOB_KEYS, DEV_CERT_SIGNING_KEYS
from registry.seed import seed_demo
from registry.sql import SqlRegistry
from storage.blobs import blob_store_from_settings

TARGET_MS = 150.0
ANSWERS = {
    "juminhyo": {"scope": "whole", "include_head_relationship": "yes", "include_domicile": "yes"},
    "inkan": {},
    "shotoku": {"fiscal_year": "2025"},
}
PERSONS = {"juminhyo": "P9000001", "inkan": "P9000005", "shotoku": "P9000001"}
PUBLIC_URL = "http://127.0.0.1:8000"


def _ms(seconds: float) -> float:
    return seconds * 1000


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.certificate", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs (default 30)")
    parser.add_argument("--procedure", choices=sorted(ANSWERS), default="juminhyo")
    args = parser.parse_args()
    code = args.procedure
    with tempfile.TemporaryDirectory(prefix="bench-cert-") as tmp:
        root = Path(tmp)
        registry = SqlRegistry.from_url(f"sqlite:///{root / 'registry.sqlite'}")
        seed_demo(registry.engine)
        blobs = blob_store_from_settings(root / "blobs", DEV_BLOB_KEYS)
        keyring = SigningKeys.parse(DEV_CERT_SIGNING_KEYS)
        data = build_certificate(
            code, ANSWERS[code], registry, PERSONS[code], "2026-000001", "BenchCertificate000001", date(2026, 11, 27)
        )
        url = f"{PUBLIC_URL}/verify/{data.certificate_id}"

        def one(i: int) -> tuple[float, int, int]:
            started = time.perf_counter()
            pages = render_pages(data, verify_url=url)
            pdf = build_pdf(pages, data, verify_url=url, keyring=keyring)
            blobs.put(f"certificates/bench-{i}.pdf", pdf)
            return time.perf_counter() - started, len(pdf), len(pages)

        for i in range(2):
            one(-1 - i)
        times: list[float] = []
        size = pages = 0
        for i in range(args.runs):
            elapsed, size, pages = one(i)
            times.append(elapsed)

        store = CertificateStore.from_url(f"sqlite:///{root / 'backoffice.sqlite'}")
        issue_times: list[float] = []
        for i in range(min(args.runs, 10)):
            started = time.perf_counter()
            issue_certificate(
                application_id=f"bench-{i}",
                procedure_code=code,
                answers=ANSWERS[code],
                person_id=PERSONS[code],
                registry=registry,
                store=store,
                blobs=blobs,
                keyring=keyring,
                public_url=PUBLIC_URL,
                now=datetime.now(UTC),
            )
            issue_times.append(time.perf_counter() - started)
        registry.close()

    median = _ms(statistics.median(times))
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"procedure {code}: {pages} page(s), PDF {size / 1024:.0f} KiB, {args.runs} runs")
    print(
        f"render+sign+write: median {median:.1f} ms, min {_ms(min(times)):.1f} ms, max {_ms(max(times)):.1f} ms "
        f"(target <= {TARGET_MS:.0f} ms: {'met' if median <= TARGET_MS else 'NOT met'})"
    )
    print(
        f"whole issue_certificate (with PNG preview and database): median {_ms(statistics.median(issue_times)):.1f} ms"
    )
    print(f"certificate median_ms={median:.1f} peak_rss_mb={peak_rss_mb:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
