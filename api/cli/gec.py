"""``tanji gec import``: load certificate records exported from the national GEC platform."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import (
    DbOption,
    HomeOption,
    JsonOption,
    emit,
    errors_to_exit,
    open_ledger,
    passphrase,
)
from ledger.energy.gec_import import import_gec
from ledger.store.apply import KeyDirectory

app = typer.Typer(help="Green electricity certificates (绿证).", no_args_is_help=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV export of the national green-certificate platform.")],
    registry: Annotated[str, typer.Option("--as", help="Registry actor that signs the gec.issue entries.")],
    keys: Annotated[Path, typer.Option("--keys", help="Directory of actor keys (<actor>.pem).")],
    meter: Annotated[
        list[str] | None, typer.Option("--meter", help="PROJECT=METER_ID mapping (repeatable).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the file only.")] = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check every row, then append all as one atomic batch of gec.issue entries."""
    with errors_to_exit(as_json):
        mapping = dict(m.split("=", 1) for m in meter or [] if "=" in m)
        if len(mapping) != len(meter or []):
            raise typer.BadParameter("--meter takes PROJECT=METER_ID")
        ledger = open_ledger(db, home, write=not dry_run)
        key = KeyDirectory(keys, passphrase()).key(registry)
        report = import_gec(ledger, file, registry, key, project_meters=mapping, dry_run=dry_run)
    emit(
        report.to_json(),
        as_json,
        f"{'checked' if dry_run else 'issued'} {report.rows} ranges, {report.units} MWh"
        + ("" if report.first_seq is None else f" from seq {report.first_seq}"),
    )
