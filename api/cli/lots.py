"""``tanji lots import-epcis FILE --actor ID --keys DIR``: EPCIS 2.0 events as signed lot entries."""

from __future__ import annotations

import sys
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
from ledger.store.apply import KeyDirectory
from traceability.epcis import ImportOptions
from traceability.errors import TraceabilityError
from traceability.lot_import import LedgerImport, import_epcis_document

app = typer.Typer(help="Lots: production, shipment, receipt (EPCIS 2.0 import).", no_args_is_help=True)


def _text(result: LedgerImport) -> str:
    r = result.report
    head = f"{r.events_seen} events, {r.events_mapped} mapped, {len(result.entries)} entries " + (
        "(dry run: nothing appended)"
        if result.dry_run
        else f"appended (seq {result.appended[0].seq}..{result.appended[-1].seq})"
        if result.appended
        else ""
    )
    lines = [head.rstrip()]
    lines += [
        f"  {kind} {payload['lot_id']}" + (f" -> seq {a.seq}" if a else "")
        for (kind, payload, _), a in zip(result.entries, result.placed(), strict=True)
    ]
    if r.issues:
        lines.append(f"{len(r.issues)} not imported (listed, not dropped):")
        lines += [f"  {issue}" for issue in r.issues]
    return "\n".join(lines)


@app.command("import-epcis")
def import_epcis_cmd(
    file: Annotated[Path, typer.Argument(help="EPCIS 2.0 JSON / JSON-LD document or event list.")],
    actor: Annotated[str, typer.Option("--actor", help="Enterprise that signs the lot entries.")],
    keys: Annotated[Path, typer.Option("--keys", help="Directory of actor keys (<actor>.pem).")],
    counterparty: Annotated[
        str | None, typer.Option(help="Customer/supplier when an event names none.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Map and report only; sign and append nothing.")
    ] = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Map the events, sign each lot entry as ACTOR and append them all as one atomic batch."""
    with errors_to_exit(as_json):
        try:
            ledger = open_ledger(db, home, write=not dry_run)
            key = KeyDirectory(keys, passphrase()).key(actor)
            result = import_epcis_document(
                ledger,
                file.read_bytes(),
                actor,
                key,
                options=ImportOptions(counterparty=counterparty),
                dry_run=dry_run,
            )
        except TraceabilityError as e:
            typer.echo(f"error: {e}", err=True)
            sys.exit(2)
    emit(result.to_json(), as_json, _text(result))
