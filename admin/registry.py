"""Seeding the resident registry (REGISTRY_URL): the synthetic population and the demo residents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from admin.common import UrlOption, fail, one_line, settings
from registry.seed import MAX_SYNTHETIC, SeedResult, seed_demo, seed_synthetic
from registry.sql import create_registry_engine

PANEL = "Resident registry"
app = typer.Typer()

ForceOption = Annotated[bool, typer.Option(help="rewrite even if the same data is already there")]


def _seed(url: str | None, action: Callable[[Engine], SeedResult]) -> None:
    target = url or settings().registry_url
    try:
        engine = create_registry_engine(target)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise typer.BadParameter(f"bad registry URL: {one_line(exc)}", param_hint="--url") from None
    where = engine.url.render_as_string(hide_password=True)
    try:
        result = action(engine)
    except SQLAlchemyError as exc:
        fail(f"database error at {where}: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
    typer.echo(result.summary(where))


@app.command("seed-registry", rich_help_panel=PANEL)
def seed_registry(
    count: Annotated[int, typer.Option(min=1, max=MAX_SYNTHETIC, help="persons to generate")],
    seed: Annotated[int, typer.Option(help="random seed; same seed, same registry")] = 1,
    url: UrlOption = None,
    force: ForceOption = False,
) -> None:
    """Replace the synthetic population of the resident registry (REGISTRY_URL) by COUNT generated persons."""
    _seed(url, lambda engine: seed_synthetic(engine, count, seed=seed, force=force))


@app.command("seed-demo-registry", rich_help_panel=PANEL)
def seed_demo_registry(url: UrlOption = None, force: ForceOption = False) -> None:
    """Write the demo registry (the emulator's and the tests' residents, plus 200 others); idempotent."""
    _seed(url, lambda engine: seed_demo(engine, force=force))
