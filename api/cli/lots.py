"""``tanji lots``: EPCIS 2.0 import, UNTP traceability events, battery passports, supplier footprints.

- ``import-epcis FILE --actor ID --keys DIR [--receive-unknown-from SUPPLIER] [--dry-run]``:
  EPCIS 2.0 events as signed lot entries, one atomic batch (a dry run runs every check);
- ``export-dte --actor ID --keys DIR [--lot LOT …] [--did-host HOST]``: the actor's lot events as a
  UNTP 0.6.1 Digital Traceability Event credential with an ``eddsa-jcs-2022`` proof;
- ``import-passport FILE --lot LOT --actor ID --keys DIR``: a battery passport's carbon footprint as
  the lot's supplier footprint (``lot.footprint``);
- ``export-passport FOOTPRINT --declaration-id ID``: a published footprint as a battery passport's
  carbon footprint section;
- ``supplier-footprint LOT``: the supplier footprint recorded for a lot.
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal, InvalidOperation
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
from certificates.battery_passport import passport_of_footprint
from certificates.credentials.dte import host_of_origin, issue_dte
from ledger import Ledger
from ledger.store.apply import KeyDirectory
from traceability.epcis import ImportOptions
from traceability.errors import InvalidPassport, TraceabilityError, UnknownReference
from traceability.lot_footprints import lot_supplier_footprint
from traceability.lot_import import LedgerImport, import_epcis_document
from traceability.passport_import import import_passport

app = typer.Typer(
    help="Lots: EPCIS 2.0 import, UNTP traceability events, battery passports, supplier footprints.",
    no_args_is_help=True,
)

ActorOption = Annotated[str, typer.Option("--actor", help="The enterprise that signs.")]
KeysOption = Annotated[Path, typer.Option("--keys", help="Directory of actor keys (<actor>.pem).")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write here instead of printing.")]
DID_HOST_ENV = "TANJI_DID_HOST"


def _text(result: LedgerImport) -> str:
    r = result.report
    head = f"{r.events_seen} events, {r.events_mapped} mapped, {len(result.entries)} entries " + (
        "(dry run: every check passed, nothing appended)"
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
        lines.append(f"{len(r.issues)} warnings or events not imported (listed, not dropped):")
        lines += [f"  {issue}" for issue in r.issues]
    return "\n".join(lines)


def _write(document: object, out: Path | None, as_json: bool, what: str) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", encoding="utf-8")
    emit({"written": str(out)}, as_json, f"{what} written to {out}")


def _did_host(ledger: Ledger, option: str | None) -> str:
    """``--did-host``, else ``$TANJI_DID_HOST``, else the host part of the ledger's origin."""
    return option or os.environ.get(DID_HOST_ENV) or host_of_origin(ledger.info().origin)


@app.command("import-epcis")
def import_epcis_cmd(
    file: Annotated[Path, typer.Argument(help="EPCIS 2.0 JSON / JSON-LD document or event list.")],
    actor: ActorOption,
    keys: KeysOption,
    counterparty: Annotated[
        str | None, typer.Option(help="Customer/supplier when an event names none.")
    ] = None,
    receive_unknown_from: Annotated[
        str | None,
        typer.Option(
            "--receive-unknown-from",
            help="Receive input lots that are not on the ledger (and not made in the document) from this "
            "supplier, as lot.receive entries in the same batch.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Run every check of the import; append nothing.")
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
            options = ImportOptions(counterparty=counterparty, receive_unknown_from=receive_unknown_from)
            result = import_epcis_document(
                ledger, file.read_bytes(), actor, key, options=options, dry_run=dry_run
            )
        except TraceabilityError as e:
            typer.echo(f"error: {e}", err=True)
            sys.exit(2)
    emit(result.to_json(), as_json, _text(result))


@app.command("export-dte")
def export_dte_cmd(
    actor: ActorOption,
    keys: KeysOption,
    lot: Annotated[
        list[str] | None, typer.Option("--lot", help="Only events of this lot (repeatable).")
    ] = None,
    did_host: Annotated[
        str | None,
        typer.Option(
            "--did-host",
            help=f"Host of the did:web issuer ids (default: ${DID_HOST_ENV}, else the origin's host).",
        ),
    ] = None,
    out: OutOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """ACTOR's lot events as a signed UNTP 0.6.1 Digital Traceability Event credential."""
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home)
        key = KeyDirectory(keys, passphrase()).key(actor)
        credential = issue_dte(ledger, actor, key, host=_did_host(ledger, did_host), lots=lot)
    _write(credential, out, as_json, "DTE credential")


@app.command("import-passport")
def import_passport_cmd(
    file: Annotated[Path, typer.Argument(help="Battery passport JSON (or its carbonFootprint section).")],
    lot: Annotated[str, typer.Option("--lot", help="The battery lot the passport belongs to.")],
    actor: ActorOption,
    keys: KeysOption,
    supplier: Annotated[
        str | None, typer.Option(help="Who declared it (default: the supplier the lot came from).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Run every check; append nothing.")] = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a battery passport's carbon footprint as the lot's supplier footprint (lot.footprint)."""
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home, write=not dry_run)
        key = KeyDirectory(keys, passphrase()).key(actor)
        done = import_passport(ledger, file.read_bytes(), lot, actor, key, supplier=supplier, dry_run=dry_run)
    p = done.passport
    emit(
        done.to_json(),
        as_json,
        f"lot.footprint of {lot}: {p.total} kg CO2e/kWh ({p.declaration_id}) "
        + ("(dry run: every check passed)" if dry_run else f"-> seq {done.appended.seq}"),
    )


@app.command("export-passport")
def export_passport_cmd(
    footprint: Annotated[str, typer.Argument(help="Id of a published footprint of a battery.")],
    declaration_id: Annotated[
        str, typer.Option("--declaration-id", help="The carbon footprint declaration id.")
    ],
    basis: Annotated[str, typer.Option(help="location (default) or market.")] = "location",
    lifetime_kwh: Annotated[
        str | None, typer.Option(help="kWh a battery provides over its service life (footprints per piece).")
    ] = None,
    performance_class: Annotated[str | None, typer.Option(help="Carbon footprint performance class.")] = None,
    standard: Annotated[str | None, typer.Option(help="Method or standard of the declaration.")] = None,
    verification_body: Annotated[str | None, typer.Option(help="Who verified the declaration.")] = None,
    study: Annotated[str | None, typer.Option(help="Web link to the public carbon footprint study.")] = None,
    battery: Annotated[
        str | None, typer.Option(help="The battery's identifier (GS1 Digital Link …).")
    ] = None,
    out: OutOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """A published footprint as the carbon footprint section of a battery passport."""
    with errors_to_exit(as_json):
        if basis not in ("location", "market"):
            raise InvalidPassport(f"basis {basis!r} is not location or market", basis=basis)
        try:
            kwh = None if lifetime_kwh is None else Decimal(lifetime_kwh)
        except InvalidOperation as e:
            raise InvalidPassport(f"--lifetime-kwh {lifetime_kwh!r} is not a number") from e
        passport = passport_of_footprint(
            open_ledger(db, home),
            footprint,
            declaration_id=declaration_id,
            basis="market" if basis == "market" else "location",
            lifetime_kwh=kwh,
            performance_class=performance_class,
            standard=standard,
            verification_body=verification_body,
            study=study,
            battery_id=battery,
        )
    _write(passport.to_json(), out, as_json, "battery passport carbon footprint")


@app.command("supplier-footprint")
def supplier_footprint_cmd(
    lot: Annotated[str, typer.Argument(help="Lot id.")],
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """The newest supplier footprint recorded for LOT, with its source."""
    with errors_to_exit(as_json):
        found = lot_supplier_footprint(open_ledger(db, home), lot)
        if found is None:
            raise UnknownReference(f"no supplier footprint is recorded for lot {lot!r}", lot_id=lot)
    d = found.declared
    figures = (
        "no figures (a reference)"
        if d is None
        else f"{d.kg_co2e} kg CO2e per {d.declared_amount} {d.declared_unit}"
    )
    emit(
        found.to_json(),
        as_json,
        f"{lot}: {figures}, declared by {found.supplier} "
        f"({found.source.kind} {found.source.id or ''}, seq {found.seq})",
    )
