"""Back office staff accounts and API tokens (DATABASE_URL).

A refusal that no retry can cure (a weak password, a malformed login id, name or token name) is a usage error,
exit status 2; one that depends on what is stored (a login taken, an unknown login) exits 1. Either way the
reason is one line on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from admin.common import EXIT_USAGE, UrlOption, fail, one_line, settings
from backoffice.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, AccountError, Accounts, InvalidAccount, WeakPassword
from backoffice.db import ROLES, Database

PANEL = "Staff accounts"
app = typer.Typer()

LoginOption = Annotated[str, typer.Option(help="the staff member's login id")]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")
]


@contextmanager
def _accounts(url: str | None) -> Iterator[Accounts]:
    """The account store; an AccountError or a database error raised inside ends the command."""
    target = url or settings().database_url
    try:
        database = Database.from_url(target)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise typer.BadParameter(f"bad database URL: {one_line(exc)}", param_hint="--url") from None
    try:
        database.create_all()
        yield Accounts(database.sessions)
    except (WeakPassword, InvalidAccount) as exc:
        fail(f"refused: {exc}", EXIT_USAGE)
    except AccountError as exc:
        fail(f"refused: {exc}")
    except SQLAlchemyError as exc:
        fail(f"database error: {type(exc).__name__}: {exc}")
    finally:
        database.dispose()


def _role(value: str) -> str:
    if value not in ROLES:
        raise typer.BadParameter(f"one of {', '.join(ROLES)}")
    return value


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    raise typer.BadParameter("give the password on the first line of stdin", param_hint="--password-stdin")


def _change(url: str | None, change: Callable[[Accounts], None], done: str) -> None:
    with _accounts(url) as accounts:
        change(accounts)
    typer.echo(done)


@app.command("create-staff", rich_help_panel=PANEL)
def create_staff(
    login: Annotated[str, typer.Option(help="login id, e.g. tanaka")],
    name: Annotated[str, typer.Option(help='display name, e.g. "田中 一郎"')],
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}", callback=_role)],
    password_stdin: PasswordStdinOption = False,
    url: UrlOption = None,
) -> None:
    """Create a staff account; without --password-stdin, asks for the password twice."""
    password = _read_password(password_stdin)
    with _accounts(url) as accounts:
        staff = accounts.create_staff(login, name, role, password, now=datetime.now(UTC))
    typer.echo(f"created {staff.role} {staff.login!r} ({staff.name}), id {staff.id}")


@app.command("create-token", rich_help_panel=PANEL)
def create_token(
    login: LoginOption,
    name: Annotated[str, typer.Option(help="what the token is for, e.g. reporting")],
    days: Annotated[int | None, typer.Option(min=1, help="expire after this many days (default: never)")] = None,
    url: UrlOption = None,
) -> None:
    """Create an API token for a staff member and print it once (only its hash is kept)."""
    moment = datetime.now(UTC)
    expires_at = moment + timedelta(days=days) if days else None
    with _accounts(url) as accounts:
        token = accounts.create_token(login, name, now=moment, expires_at=expires_at)
    typer.echo(token)  # alone on stdout: scripts capture it
    until = f", valid until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    typer.echo(f"API token {name!r} for {login!r}{until}. Store it now: it cannot be shown again.", err=True)


@app.command("revoke-tokens", rich_help_panel=PANEL)
def revoke_tokens(
    login: LoginOption,
    name: Annotated[str | None, typer.Option(help="only the tokens with this name")] = None,
    url: UrlOption = None,
) -> None:
    """Revoke a staff member's API tokens (all of them, or those named --name)."""
    with _accounts(url) as accounts:
        count = accounts.revoke_tokens(login, name, now=datetime.now(UTC))
    typer.echo(f"revoked {count} token(s)")


@app.command("set-password", rich_help_panel=PANEL)
def set_password(login: LoginOption, password_stdin: PasswordStdinOption = False, url: UrlOption = None) -> None:
    """Set a new password; every session of that person ends."""
    password = _read_password(password_stdin)
    _change(
        url,
        lambda accounts: accounts.set_password(login, password),
        f"new password set, every session ended, for {login!r}",
    )


@app.command("lock", rich_help_panel=PANEL)
def lock(login: LoginOption, url: UrlOption = None) -> None:
    """Lock an account: no sign-in, no API token, every session ends."""
    _change(url, lambda accounts: accounts.lock(login), f"locked (no sign-in, every session ended): {login!r}")


@app.command("unlock", rich_help_panel=PANEL)
def unlock(login: LoginOption, url: UrlOption = None) -> None:
    """Unlock an account locked with `lock` (its sessions do not come back)."""
    _change(url, lambda accounts: accounts.unlock(login), f"unlocked {login!r}")


@app.command("remove-staff", rich_help_panel=PANEL)
def remove_staff(login: LoginOption, url: UrlOption = None) -> None:
    """Delete an account with its sessions and API tokens."""
    _change(url, lambda accounts: accounts.remove_staff(login), f"removed, with its sessions and API tokens: {login!r}")


@app.command("seed-demo-staff", rich_help_panel=PANEL)
def seed_demo_staff(url: UrlOption = None) -> None:
    """Create the demo accounts (a clerk and a supervisor); development profile only, idempotent."""
    profile = settings().profile
    if profile != "development":
        fail(f"refused: seed-demo-staff creates accounts with a published password; PROFILE is {profile!r}")
    with _accounts(url) as accounts:
        created = accounts.seed_demo(now=datetime.now(UTC))
    for login, _name, role in DEMO_ACCOUNTS:
        state = "created" if login in created else "already there"
        typer.echo(f"{role:<10} login {login!r} password {DEMO_PASSWORD!r} ({state})")
