"""What every group of operator commands shares: the exit statuses, the one-line failure, the settings."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

from config.settings import Settings, get_settings

EXIT_FAILED = 1
EXIT_USAGE = 2

UrlOption = Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: from the settings)")]


def one_line(text: object) -> str:
    return " ".join(str(text).split())[:400]


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    typer.echo(f"error: {one_line(message)}", err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        fail("settings are invalid: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
