"""Check ID-card photos from the command line, as the ID-photo activity does.

    python -m activities.id_check FILE...

Prints one JSON line per file: {"file", "accepted", "reasons", "scores", "format", "width", "height",
"phash"}. Exit code 0 when every file could be read, whether its photo is accepted or not; 2 on a usage
error: no file given, or a path that cannot be read (a message goes to stderr, and the other files are
still checked and printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from domain.id_photo import check_id_photo


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m activities.id_check",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="photo to check (JPEG, PNG or WebP)")
    args = parser.parse_args(argv)
    if not args.files:
        parser.print_usage(sys.stderr)
        sys.stderr.write("error: give at least one FILE\n")
        return 2
    status = 0
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as err:
            sys.stderr.write(f"{name}: cannot read: {err.strerror or err}\n")
            status = 2
            continue
        report = check_id_photo(data)
        line = {"file": name, **report.to_dict(), "scores": {k: round(v, 4) for k, v in report.scores.items()}}
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
