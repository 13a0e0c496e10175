"""``tanji readings import``: bulk-load interval readings from CSV or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.cli.context import (
    DbOption,
    HomeOption,
    JsonOption,
    emit,
    errors_to_exit,
    open_ledger,
    passphrase,
)
from api.cli.units import mwh
from ledger.energy.readings_import import ImportRejected, import_readings
from ledger.store.apply import KeyDirectory

app = typer.Typer(help="Interval readings: bulk import.", no_args_is_help=True)

KeysOption = Annotated[Path, typer.Option("--keys", help="Directory of actor keys (<actor>.pem).")]


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV or Parquet file, long (meter_id,start,kwh|wh|mwh) or wide.")
    ],
    actor: Annotated[
        str, typer.Option("--as", help="Actor that signs the batches (meter owner or gateway).")
    ],
    keys: KeysOption,
    unit: Annotated[str | None, typer.Option(help="Unit of a wide file: wh, kwh (default) or mwh.")] = None,
    resolution: Annotated[
        str | None, typer.Option(help="PT15M or PT1H (default: inferred per meter).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and count; write nothing.")] = False,
    chunk: Annotated[int, typer.Option(help="Entries per atomic append.")] = 2000,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Validate the whole file, then append one readings.batch per meter and Shanghai month."""
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home, write=not dry_run)
        key = KeyDirectory(keys, passphrase()).key(actor)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=True, disable=as_json) as bar:
            checked = bar.add_task("validating values", total=None)
            written = bar.add_task("appending batches", total=None, visible=not dry_run)
            try:
                report = import_readings(
                    ledger,
                    file,
                    actor,
                    key,
                    unit=unit,
                    resolution=resolution,
                    dry_run=dry_run,
                    chunk=chunk,
                    validated=lambda n: bar.advance(checked, n),
                    appended=lambda n: bar.advance(written, n),
                    planned=lambda plan: bar.update(written, total=plan.batches),
                )
            except ImportRejected as e:
                if not as_json:
                    for p in e.problems:
                        typer.echo(
                            f"row {p.row if p.row is not None else '-'}: [{p.code}] {p.message}", err=True
                        )
                raise
    verb = "would append" if dry_run else "appended"
    emit(
        report.to_json(),
        as_json,
        f"{verb} {report.batches:,} batches ({report.values:,} values, {mwh(report.total_wh)}) "
        f"for {report.meters} meters"
        + ("" if dry_run or report.first_seq is None else f" at seq {report.first_seq}..{report.last_seq}"),
    )
