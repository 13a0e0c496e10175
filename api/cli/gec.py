"""``tanji gec import|transfer|retire``: green electricity certificates (绿证) on the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
from api.cli.signing import ClientIdOption, DryRunOption, KeyOption, KeysOption, Signing
from ledger.energy.gec_import import import_gec
from ledger.energy.gec_moves_import import import_gec_moves, retirement_period
from ledger.store.apply import KeyDirectory

app = typer.Typer(
    help="Green electricity certificates (绿证, GEC): import, transfer, retire.", no_args_is_help=True
)

IMPORT_HELP = """Load a CSV export of the national green-certificate platform (国家绿证核发交易系统).

--type issue (default): one gec.issue per row, signed by the registry (--as). Columns (English or
Chinese): serial_start/证书编号起, serial_end/证书编号止, technology/类型 (wind/风电, solar/光伏, hydro/水电,
biomass/生物质, …), production_month/生产年月 (2026-01, 202601, 2026年01月), quantity/数量 (MWh = range
length); optional project/项目名称 (mapped with --meter PROJECT=METER), meter_id/计量点, holder/持有方.

--type transfer: one gec.transfer per row (划转), signed by its holder. Columns: serial_start,
serial_end, quantity (optional), from/转出方 (holder actor id), to/转入方 (new holder actor id).

--type retirement: one gec.retire per row (核销), signed by its holder. Columns: serial_start,
serial_end, quantity (optional), holder/持有方, beneficiary/受益方 (default: the holder),
consumer_meters/计量点 (meter ids separated by ; or ,), and period/消费期间 (2025-03, 2025 or
2025-01..2025-12, park-local months) or period_start/period_end (ISO 8601 with offset).

Every row is checked first; then all rows go to the ledger as one atomic batch (a rejection names the
row and the rule, and nothing is written). Re-running the same file appends nothing twice."""


@app.command("import", help=IMPORT_HELP)
def import_(
    file: Annotated[Path, typer.Argument(help="CSV export (UTF-8, header row).")],
    keys: Annotated[Path, typer.Option("--keys", help="Directory of actor keys (<actor>.pem).")],
    kind: Annotated[
        str, typer.Option("--type", help="issue, transfer or retirement (what the file records).")
    ] = "issue",
    registry: Annotated[
        str | None, typer.Option("--as", help="Registry actor that signs gec.issue entries (--type issue).")
    ] = None,
    meter: Annotated[
        list[str] | None, typer.Option("--meter", help="PROJECT=METER_ID mapping (repeatable; --type issue).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file, the keys and every ledger rule; write nothing.")
    ] = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    if kind not in ("issue", "transfer", "retirement"):
        raise typer.BadParameter("must be issue, transfer or retirement", param_hint="--type")
    with errors_to_exit(as_json):
        directory = KeyDirectory(keys, passphrase())
        ledger = open_ledger(db, home, write=not dry_run)
        if kind != "issue":
            moves = import_gec_moves(
                ledger, file, "transfer" if kind == "transfer" else "retire", directory.key, dry_run=dry_run
            )
            verb = {"transfer": "transferred", "retirement": "retired"}[kind]
            emit(
                moves.to_json(),
                as_json,
                f"{'checked' if dry_run else verb} {moves.rows} ranges, {moves.units} MWh"
                + ("" if moves.first_seq is None else f" from seq {moves.first_seq}"),
            )
            return
        if registry is None:
            raise typer.BadParameter("--type issue needs --as REGISTRY", param_hint="--as")
        mapping = dict(m.split("=", 1) for m in meter or [] if "=" in m)
        if len(mapping) != len(meter or []):
            raise typer.BadParameter("--meter takes PROJECT=METER_ID")
        issued = import_gec(
            ledger, file, registry, directory.key(registry), project_meters=mapping, dry_run=dry_run
        )
    emit(
        issued.to_json(),
        as_json,
        f"{'checked' if dry_run else 'issued'} {issued.rows} ranges, {issued.units} MWh"
        + ("" if issued.first_seq is None else f" from seq {issued.first_seq}"),
    )


FirstOption = Annotated[int, typer.Option("--first", help="First serial of the range (inclusive).")]
LastOption = Annotated[
    int | None, typer.Option("--last", help="Last serial (inclusive; default: --first + --mwh - 1).")
]
MwhOption = Annotated[int | None, typer.Option("--mwh", min=1, help="Number of certificates (1 MWh each).")]
HolderOption = Annotated[str, typer.Option("--as", help="The holder, who signs.")]


def _last(first: int, last: int | None, mwh: int | None) -> int:
    if (last is None) == (mwh is None):
        raise typer.BadParameter("give exactly one of --last and --mwh")
    return last if last is not None else first + mwh - 1  # type: ignore[operator]


@app.command("transfer")
def transfer(
    first: FirstOption,
    to: Annotated[str, typer.Option("--to", help="The new holder (actor id).")],
    holder: HolderOption,
    last: LastOption = None,
    mwh: MwhOption = None,
    key: KeyOption = None,
    keys: KeysOption = None,
    client_id: ClientIdOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Transfer certificates [FIRST, LAST] to another holder (gec.transfer; ranges split as needed)."""
    end = _last(first, last, mwh)
    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report(
        "gec.transfer",
        holder,
        {"first": first, "last": end, "to": to},
        f"GEC {first}..{end} ({end - first + 1} MWh) to {to}",
    )


@app.command("retire")
def retire(
    first: FirstOption,
    holder: HolderOption,
    meters: Annotated[
        list[str], typer.Option("--meter", help="Consumer meter the retirement covers (repeatable).")
    ],
    last: LastOption = None,
    mwh: MwhOption = None,
    beneficiary: Annotated[
        str | None, typer.Option("--for", help="Beneficiary actor (default: the holder).")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Consumption months covered: 2025-03, 2025 or 2025-01..2025-12."),
    ] = None,
    period_start: Annotated[
        str | None, typer.Option("--from", help="Or: consumption period start (ISO 8601 with offset).")
    ] = None,
    period_end: Annotated[
        str | None, typer.Option("--until", help="And its end (exclusive, ISO 8601 with offset).")
    ] = None,
    key: KeyOption = None,
    keys: KeysOption = None,
    client_id: ClientIdOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Retire certificates [FIRST, LAST] for a beneficiary's consumer meters and period (gec.retire)."""
    end = _last(first, last, mwh)
    if (period is None) == (period_start is None and period_end is None):
        raise typer.BadParameter("give --period, or --from and --until")
    with errors_to_exit(as_json):
        if period is not None:
            start, stop = retirement_period(period)
        elif period_start is None or period_end is None:
            raise typer.BadParameter("--from and --until go together")
        else:
            start, stop = period_start, period_end
        payload: dict[str, Any] = {
            "first": first,
            "last": end,
            "beneficiary": beneficiary or holder,
            "consumer_meters": [m for v in meters for m in v.split(",") if m],
            "period_start": start,
            "period_end": stop,
        }
    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report(
        "gec.retire",
        holder,
        payload,
        f"GEC {first}..{end} ({end - first + 1} MWh) retired for {beneficiary or holder}",
    )
