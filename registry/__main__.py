"""`python -m registry seed --count N [--url URL] [--seed S] [--force]` and `python -m registry seed-demo [--url URL]`.

Both are idempotent (see `registry.seed`) and print a one-line summary. Exit status: 0 on success,
2 on a usage error (bad arguments or URL), 1 if the database fails.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from registry.seed import MAX_SYNTHETIC, seed_demo, seed_synthetic
from registry.sql import create_registry_engine


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_SYNTHETIC:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_SYNTHETIC}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m registry", description="Seed the synthetic resident registry.")
    commands = parser.add_subparsers(dest="command", metavar="{seed,seed-demo}")
    seed = commands.add_parser("seed", help="replace the synthetic population by N generated persons")
    seed.add_argument("--count", type=_count, required=True, help=f"persons to generate (1 to {MAX_SYNTHETIC})")
    seed.add_argument("--seed", type=int, default=1, help="random seed (default 1); same seed, same registry")
    demo = commands.add_parser("seed-demo", help="the demo residents of the emulator and tests, plus 200 others")
    for sub in (seed, demo):
        sub.add_argument("--url", help="SQLAlchemy URL (default: REGISTRY_URL from the settings)")
        sub.add_argument("--force", action="store_true", help="rewrite even if the same data is already there")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        sys.stderr.write("python -m registry: error: a command is required (seed or seed-demo)\n")
        return 2
    url: str = args.url or _default_url()
    try:
        engine = create_registry_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        sys.stderr.write(f"python -m registry: error: bad --url: {exc}\n")
        return 2
    where = engine.url.render_as_string(hide_password=True)
    try:
        if args.command == "seed":
            result = seed_synthetic(engine, args.count, seed=args.seed, force=args.force)
        else:
            result = seed_demo(engine, force=args.force)
    except SQLAlchemyError as exc:
        sys.stderr.write(f"python -m registry: database error at {where}: {exc.__class__.__name__}: {exc}\n")
        return 1
    finally:
        engine.dispose()
    sys.stdout.write(result.summary(where) + "\n")
    return 0


def _default_url() -> str:
    from config.settings import get_settings

    return get_settings().registry_url


if __name__ == "__main__":
    sys.exit(main())
