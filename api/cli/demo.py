"""``tanji demo``: the end-to-end demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import errors_to_exit
from api.demo import run_demo


def demo(
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("demo-out"),
    db: Annotated[str | None, typer.Option("--db", help="Database URL (default: a fresh OUT/tanji.db).")] = None,
) -> None:
    """Build a demo park ledger from nothing, prove and verify it."""
    with errors_to_exit():
        result = run_demo(out, db, typer.echo)
    typer.echo(f"demo done: {result.size} entries in {result.db_url}; files in {result.out}")
