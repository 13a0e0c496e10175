"""``tanji footprint compute|show|verify``: product footprints from the ledger's attribution."""

from __future__ import annotations

import json
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
    resolve_home,
)
from lca.footprint import format_contribution_table
from lca.footprint_check import check_footprint
from lca.kinds import get_footprint
from lca.ledger_footprints import compute_from_ledger, publish_footprints, with_period
from lca.model import load_model
from lca.warm import configure as configure_warm
from ledger.energy.periods import month_end, month_start, parse_period
from ledger.errors import NotFound
from ledger.log.keys import load_private_key

app = typer.Typer(
    help="Product carbon footprints (ISO 14067, IPCC AR6 GWP100) with Brightway.", no_args_is_help=True
)


@app.command()
def compute(
    models: Annotated[list[Path], typer.Argument(help="Product model files (YAML or JSON).")],
    period: Annotated[
        str | None, typer.Option(help="Override the models' reference period: 2025-01..2025-12.")
    ] = None,
    publish: Annotated[
        bool, typer.Option(help="Record each footprint as a footprint.publish entry.")
    ] = False,
    actor: Annotated[str | None, typer.Option(help="Publishing enterprise (with --publish).")] = None,
    key: Annotated[Path | None, typer.Option(help="Its private key, PEM (with --publish).")] = None,
    lot: Annotated[str | None, typer.Option(help="Lot the footprint is for (with --publish).")] = None,
    allow_gaps: Annotated[
        bool,
        typer.Option(
            "--allow-gaps", help="Use the attribution even where hours have no readings (reported as gaps)."
        ),
    ] = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compute footprints of MODELS from one factorisation, electricity split by the ledger's attribution."""
    if publish and (actor is None or key is None):
        raise typer.BadParameter("--publish needs --actor and --key")
    with errors_to_exit(as_json):
        loaded = [load_model(p) for p in models]
        if period is not None:
            months = parse_period(period)
            start, end = month_start(months[0]).date(), month_end(months[-1]).date()
            loaded = [with_period(m, start, end) for m in loaded]
        ledger = open_ledger(db, home, write=publish)
        configure_warm(resolve_home(home))  # the ledger re-computes each publish in this data directory
        computed = compute_from_ledger(ledger, loaded, resolve_home(home), allow_gaps=allow_gaps)
        published = []
        if publish:
            assert actor is not None and key is not None
            published = publish_footprints(
                ledger, computed, actor, load_private_key(key, passphrase()), lot=lot
            )
    rows = []
    for i, c in enumerate(computed):
        row = {
            "product_id": c.model.id,
            "period": [str(c.model.reference_period.start), str(c.model.reference_period.end)],
            "declared_unit": f"{c.model.product.declared_unit.amount} {c.model.product.declared_unit.unit}",
            "market_kg_co2e": c.result.market.total,
            "location_kg_co2e": c.result.location.total,
            "fossil_kg_co2e": c.result.market.fossil,
            "biogenic_kg_co2e": c.result.market.biogenic,
            "claimable_green_share": c.result.electricity.claimable_green_share,
            "attribution_run_seq": c.attribution_run_seq,
        }
        if published:
            row.update(
                footprint_id=published[i].footprint_id,
                seq=published[i].seq,
                supersedes=list(published[i].supersedes),
            )
        rows.append(row)
    emit(
        rows,
        as_json,
        "\n\n".join(
            format_contribution_table(c.result)
            + (f"\npublished as {published[i].footprint_id} at seq {published[i].seq}" if published else "")
            for i, c in enumerate(computed)
        ),
    )


@app.command()
def show(
    footprint_id: Annotated[str, typer.Argument(help="Footprint id (UUID).")],
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a published footprint: figures per declared unit, stages, electricity, status."""
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home)
        with ledger.db.read_session() as s:
            record = get_footprint(s, footprint_id)
        if record is None:
            raise NotFound(f"no footprint {footprint_id}", code="footprint.not_found")
        payload = ledger.entry(record.seq).payload
    doc = {
        "footprint_id": footprint_id,
        "seq": record.seq,
        "status": record.status,
        "superseded_by": record.superseded_by,
        "publisher": record.actor,
        **payload,
    }
    r = payload["results"]
    lines = [
        f"{payload['product_name']} ({payload['product_id']}), {payload['declared_unit_amount']} "
        f"{payload['declared_unit']}, {payload['period_start']}..{payload['period_end']} — {record.status}",
        f"  market-based   {r['market']['total']:12.4f} kg CO2e (fossil {r['market']['fossil']:.4f}, "
        f"biogenic {r['market']['biogenic']:.4f})",
        f"  location-based {r['location']['total']:12.4f} kg CO2e",
        *(
            f"  {st['stage']:<28s} {st['market']:12.4f}  (location {st['location']:.4f})"
            for st in r["by_stage"]
        ),
        f"  electricity {r['electricity']['total_kwh']:.3f} kWh, claimable green "
        f"{r['electricity']['claimable_green_kwh']:.3f} kWh; attribution run seq "
        f"{payload['attribution_run_seq']}",
        f"  ledger seq {record.seq}; published by {record.actor}",
    ]
    emit(json.loads(json.dumps(doc, default=str)), as_json, "\n".join(lines))


@app.command()
def verify(
    footprint_id: Annotated[str, typer.Argument(help="Footprint id (UUID).")],
    reader: Annotated[
        str | None,
        typer.Option(
            "--as", help="Check as this actor: the publisher, the operator or a verifier granted its trail."
        ),
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-run a published footprint from the ledger alone. Prints "same", or the differing fields (exit 1)."""
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home)
        configure_warm(resolve_home(home))
        with ledger.db.read_session() as s:
            check = check_footprint(s, footprint_id, reader=reader)
    if check.same:
        text = (
            f"same: footprint {footprint_id} (seq {check.seq}) re-computed from model "
            f"{check.model_sha256[:12]}…, run {check.attribution_run_seq} ({check.rows} result rows) and "
            f"background {check.background_version}"
        )
    elif check.error is not None:
        error = check.error
        text = f"FAILED: footprint {footprint_id} cannot be re-computed: [{error['code']}] {error['message']}"
    else:
        failed = [name for name, ok in check.checks.items() if not ok]
        text = "\n".join(
            [f"DIFFERENT: footprint {footprint_id} (seq {check.seq})"]
            + [f"  {d}" for d in check.differences]
            + [f"  check {name} failed" for name in failed]
        )
    emit(check.to_json(), as_json, text)
    sys.exit(0 if check.same else 1)
