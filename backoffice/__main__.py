"""Back office commands.

    python -m backoffice create-staff --login clerk1 --name "窓口 一郎" --role clerk --password-stdin
    python -m backoffice create-token --login clerk1 --name ci [--days 90]   # prints the token once
    python -m backoffice revoke-tokens --login clerk1 [--name ci]
    python -m backoffice set-password --login clerk1 --password-stdin         # ends that person's sessions
    python -m backoffice lock --login clerk1                                  # no sign-in; sessions end
    python -m backoffice unlock --login clerk1
    python -m backoffice remove-staff --login clerk1                          # with its sessions and tokens
    python -m backoffice seed-demo                                            # development profile only

Every command takes ``--url`` (default: settings.database_url). Exit codes: 0 done, 1 refused (duplicate,
unknown login, production), 2 usage error (bad arguments, weak password).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from backoffice.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, AccountError, Accounts, InvalidAccount, WeakPassword
from backoffice.db import ROLES, Database
from config.settings import Settings, get_settings

EXIT_REFUSED = 1
EXIT_USAGE = 2


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        _err(f"settings are invalid: {exc}")
        raise SystemExit(EXIT_REFUSED) from exc


def _accounts(args: argparse.Namespace) -> Accounts:
    url = args.url or _settings().database_url
    database = Database.from_url(url)
    database.create_all()
    return Accounts(database.sessions)


def _read_password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return str(args.password)
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            _err("the passwords differ")
            raise SystemExit(EXIT_USAGE)
        return first
    _err("give the password with --password-stdin (preferred) or --password")
    raise SystemExit(EXIT_USAGE)


def create_staff(args: argparse.Namespace) -> int:
    password = _read_password(args)
    accounts = _accounts(args)
    try:
        staff = accounts.create_staff(args.login, args.name, args.role, password, now=datetime.now(UTC))
    except (WeakPassword, InvalidAccount) as exc:
        _err(f"refused: {exc}")
        return EXIT_USAGE
    except AccountError as exc:
        _err(f"refused: {exc}")
        return EXIT_REFUSED
    _out(f"created {staff.role} {staff.login!r} ({staff.name}), id {staff.id}")
    return 0


def create_token(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    moment = datetime.now(UTC)
    expires_at = moment + timedelta(days=args.days) if args.days else None
    try:
        token = accounts.create_token(args.login, args.name, now=moment, expires_at=expires_at)
    except InvalidAccount as exc:
        _err(f"refused: {exc}")
        return EXIT_USAGE
    except AccountError as exc:
        _err(f"refused: {exc}")
        return EXIT_REFUSED
    # The token alone on stdout (scripts capture it); it cannot be shown again.
    _out(token)
    until = f", valid until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    _err(f"API token {args.name!r} for {args.login!r}{until}. Store it now: only its hash is kept.")
    return 0


def revoke_tokens(args: argparse.Namespace) -> int:
    try:
        count = _accounts(args).revoke_tokens(args.login, args.name, now=datetime.now(UTC))
    except AccountError as exc:
        _err(f"refused: {exc}")
        return EXIT_REFUSED
    _out(f"revoked {count} token(s)")
    return 0


def _account_change(args: argparse.Namespace, done: str) -> int:
    accounts = _accounts(args)
    try:
        if args.command == "set-password":
            accounts.set_password(args.login, _read_password(args))
        elif args.command == "lock":
            accounts.lock(args.login)
        elif args.command == "unlock":
            accounts.unlock(args.login)
        else:
            accounts.remove_staff(args.login)
    except WeakPassword as exc:
        _err(f"refused: {exc}")
        return EXIT_USAGE
    except AccountError as exc:
        _err(f"refused: {exc}")
        return EXIT_REFUSED
    _out(f"{done} {args.login!r}")
    return 0


def set_password(args: argparse.Namespace) -> int:
    return _account_change(args, "new password set, every session ended, for")


def lock(args: argparse.Namespace) -> int:
    return _account_change(args, "locked (no sign-in, every session ended):")


def unlock(args: argparse.Namespace) -> int:
    return _account_change(args, "unlocked")


def remove_staff(args: argparse.Namespace) -> int:
    return _account_change(args, "removed, with its sessions and API tokens:")


def seed_demo(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.profile != "development":
        _err(f"refused: seed-demo creates accounts with a published password; PROFILE is {settings.profile!r}")
        return EXIT_REFUSED
    created = _accounts(args).seed_demo(now=datetime.now(UTC))
    for login, _name, role in DEMO_ACCOUNTS:
        state = "created" if login in created else "already there"
        _out(f"{role:<10} login {login!r} password {DEMO_PASSWORD!r} ({state})")
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="SQLAlchemy database URL (default: DATABASE_URL from the settings)")

    top = argparse.ArgumentParser(prog="python -m backoffice", description="Madoguchi back office commands")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    cmd = commands.add_parser("create-staff", parents=[common], help="create a staff account")
    cmd.add_argument("--login", required=True, help="login id, e.g. clerk1")
    cmd.add_argument("--name", required=True, help='display name, e.g. "窓口 一郎"')
    cmd.add_argument("--role", required=True, choices=ROLES)
    secret = cmd.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true", help="read the password from the first stdin line")
    secret.add_argument("--password", help="the password (visible in the process list: prefer --password-stdin)")
    cmd.set_defaults(run=create_staff)

    cmd = commands.add_parser("create-token", parents=[common], help="create an API token; prints it once")
    cmd.add_argument("--login", required=True)
    cmd.add_argument("--name", required=True, help="what the token is for, e.g. ci")
    cmd.add_argument("--days", type=int, default=None, help="expire after this many days (default: never)")
    cmd.set_defaults(run=create_token)

    cmd = commands.add_parser("revoke-tokens", parents=[common], help="revoke a staff member's API tokens")
    cmd.add_argument("--login", required=True)
    cmd.add_argument("--name", default=None, help="only the tokens with this name")
    cmd.set_defaults(run=revoke_tokens)

    cmd = commands.add_parser("set-password", parents=[common], help="set a new password; ends every session")
    cmd.add_argument("--login", required=True)
    secret = cmd.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true", help="read the password from the first stdin line")
    secret.add_argument("--password", help="the password (visible in the process list: prefer --password-stdin)")
    cmd.set_defaults(run=set_password)

    cmd = commands.add_parser("lock", parents=[common], help="lock an account: no sign-in, no API token, sessions end")
    cmd.add_argument("--login", required=True)
    cmd.set_defaults(run=lock)

    cmd = commands.add_parser("unlock", parents=[common], help="unlock an account locked with `lock`")
    cmd.add_argument("--login", required=True)
    cmd.set_defaults(run=unlock)

    cmd = commands.add_parser("remove-staff", parents=[common], help="delete an account, its sessions and tokens")
    cmd.add_argument("--login", required=True)
    cmd.set_defaults(run=remove_staff)

    cmd = commands.add_parser("seed-demo", parents=[common], help="create the demo accounts (development only)")
    cmd.set_defaults(run=seed_demo)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "days", None) is not None and args.days < 1:
        _err("--days must be at least 1")
        return EXIT_USAGE
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
