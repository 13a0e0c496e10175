"""``tanji attribute``: run and record an attribution; ``tanji attribute verify RUN_ID``;
``tanji attribute row RUN METER MONTH [--proof]``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from api.cli.context import (
    DbOption,
    HomeOption,
    JsonOption,
    emit,
    errors_to_exit,
    open_ledger,
    operator_key_path,
    passphrase,
    resolve_home,
)
from ledger import ratio, run_row
from ledger.attribution.runner import MonthProgress, run_attribution, verify_run, verify_run_in_export
from ledger.log.keys import load_private_key, load_public_key

app = typer.Typer(help="Hourly green-power attribution: run, record, verify.", invoke_without_command=True)


def _meters(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [m for v in values for m in v.split(",") if m]


@app.callback()
def attribute(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            help="Months, e.g. 2025-01..2025-12 or 2025-03 (the park's local months, e.g. Beijing time)."
        ),
    ] = None,
    meters: Annotated[
        list[str] | None, typer.Option("--meters", help="Consumer meters (repeat or comma-separate).")
    ] = None,
    park: Annotated[str | None, typer.Option(help="Every consumer meter of this park.")] = None,
    enterprise: Annotated[str | None, typer.Option(help="Every consumer meter of this enterprise.")] = None,
    on_missing: Annotated[
        str, typer.Option(help="raise: missing readings are an error; gap: report them.")
    ] = "raise",
    actor: Annotated[str | None, typer.Option(help="Submitting actor (default: the operator).")] = None,
    key: Annotated[
        Path | None, typer.Option(help="The actor's private key (PEM; default: the operator's).")
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Attribute a period month by month and record an ``attribution.run`` entry."""
    if ctx.invoked_subcommand is not None:
        return
    if period is None:
        raise typer.BadParameter("--period is required", param_hint="--period")
    if on_missing not in ("raise", "gap"):
        raise typer.BadParameter("must be raise or gap", param_hint="--on-missing")
    policy: Literal["raise", "gap"] = "gap" if on_missing == "gap" else "raise"
    picked = _meters(meters)
    if sum(x is not None for x in (picked, park, enterprise)) != 1:
        raise typer.BadParameter("give exactly one of --meters, --park, --enterprise")

    def progress(p: MonthProgress) -> None:
        share = 100 * (ratio(p.green_wh, p.consumption_wh) or 0.0)
        typer.echo(
            f"[{p.index}/{p.total}] {p.month}: {p.meters} meters, {p.consumption_wh / 1e6:,.3f} MWh, "
            f"green {share:.1f} %, sha256 {p.sha256[:16]}…",
            err=True,
        )

    with errors_to_exit(as_json):
        ledger = open_ledger(db, home, write=True)
        signer = actor or ledger.info().operator_id
        signing = load_private_key(key or operator_key_path(resolve_home(home)), passphrase())
        summary = run_attribution(
            ledger,
            signer,
            signing,
            period,
            picked,
            park=park,
            enterprise=enterprise,
            on_missing=policy,
            progress=progress,
        )
    emit(
        summary.to_json(),
        as_json,
        f"recorded attribution.run at seq {summary.seq} ({summary.scope}, "
        f"{summary.months[0]}..{summary.months[-1]},"
        f" log [0, {summary.log_end})): sha256 {summary.sha256}",
    )


@app.command("verify")
def verify(
    run_id: Annotated[int, typer.Argument(help="The seq of the attribution.run entry.")],
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Re-run from an export (log.jsonl of `tanji ledger export`), offline."),
    ] = None,
    trust: Annotated[
        Path | None, typer.Option("--trust", help="With --file: the operator's public key (ledger.pub).")
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rebuild the projections from the run's log range and re-run it. Exit 0 same hash, 1 not.

    With --file the export is verified against --trust first, and no database is read or written.
    """
    if (file is None) != (trust is None):
        raise typer.BadParameter("--file and --trust go together")
    with errors_to_exit(as_json):
        if file is not None and trust is not None:
            report = verify_run_in_export(file, load_public_key(trust), run_id)
        else:
            report = verify_run(open_ledger(db, home), run_id)
    if report.ok:
        text = f"ok: run {run_id} reproduced from log [0, {report.log_end}): sha256 {report.actual_sha256}"
    else:
        text = f"FAILED: run {run_id} differs from month {report.first_bad_month}" + (
            f" ({report.error['code']}: {report.error['message']})" if report.error else ""
        )
    emit(report.to_json(), as_json, text)
    sys.exit(0 if report.ok else 1)


@app.command("row")
def row(
    run_id: Annotated[int, typer.Argument(help="The seq of the attribution.run entry.")],
    meter: Annotated[str, typer.Argument(help="The consumer meter.")],
    month: Annotated[str, typer.Argument(help="The park-local month, e.g. 2025-03.")],
    proof: Annotated[
        bool, typer.Option("--proof", help="Also print the row's inclusion proof into the run's rows root.")
    ] = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print one committed result row of a run: Wh by class, hourly-matched Wh, the GEC serials behind
    its claims; with --proof its RFC 9162 inclusion proof into the run's rows root."""
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home)
        with ledger.db.read_session() as s:
            proven = run_row(s, run_id, meter, month)
    r = proven.row
    doc = proven.to_json() if proof else {"run_seq": run_id, "row": r.to_json()}
    lines = [
        f"run {run_id}, meter {meter}, {month}: consumption {r.consumption_wh / 1e6:,.6f} MWh",
        f"  direct {r.direct_wh:,} Wh (claimable {r.claimable_direct_wh:,}), "
        f"contracted {r.contracted_wh:,} Wh (claimable {r.claimable_contracted_wh:,}), "
        f"certificate {r.certificate_wh:,} Wh, grid {r.grid_wh:,} Wh",
        f"  hourly-matched {r.hourly_matched_wh:,} Wh; hours without readings {r.gap_hours}",
        *(
            f"  GEC {g.first}..{g.last} ({g.units} MWh, {g.technology} of {g.generator}, {g.vintage}), "
            f"retired at seq {g.retire_seq}"
            for g in r.gec
        ),
    ]
    if proof:
        p = proven.proof
        lines += [
            f"  leaf {p.index} of {p.size}, leaf hash {p.leaf_hash.hex()}",
            f"  root {p.root.hex()}",
            *(f"  path[{i}] {h.hex()}" for i, h in enumerate(p.path)),
        ]
    emit(doc, as_json, "\n".join(lines))
