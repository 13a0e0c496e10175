"""``tanji demo``: the end-to-end demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import errors_to_exit
from api.demo.run import run_demo


def demo(
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("demo-out"),
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: a fresh OUT/tanji.db).")
    ] = None,
    months: Annotated[int, typer.Option(help="Months of 2025 to simulate (1-12).", min=1, max=12)] = 12,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic profiles.")] = 2025,
) -> None:
    """Build a year of a demo zero-carbon park from nothing, then verify the ledger and every certificate."""
    with errors_to_exit():
        result = run_demo(out, db, typer.echo, months=months, seed=seed)
    typer.echo(f"demo done: {result.size} entries in {result.db_url}; files in {result.out}")
