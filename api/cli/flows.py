"""``tanji park flows``: the park's energy–carbon–product flow as a self-contained HTML file (and JSON)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import DbOption, HomeOption, JsonOption, emit, errors_to_exit, open_ledger
from api.views.flows import render_flows_html
from api.views.i18n import Lang
from lca.errors import LcaError
from lca.model import ProductModel, load_model
from ledger.energy.periods import parse_period
from park.flow_inputs import ParkFlows, park_flows


def _text(flows: ParkFlows, out: Path) -> str:
    g = flows.graph
    lines = [
        f"{flows.park_name} ({flows.park_id}) {flows.first_month}..{flows.last_month}: "
        f"{g.total_wh / 1e6:,.3f} MWh, {g.total_g_co2e / 1e6:,.3f} t CO2e (market-based), "
        f"{len(g.nodes)} nodes, {len(g.links)} links; conservation checked"
    ]
    for h in flows.hours:
        hm = "—" if h.hourly_matched_share is None else f"{100 * h.hourly_matched_share:.1f} %"
        lines.append(f"  {h.label}: {int(h.consumption.sum()) / 1e6:,.3f} MWh, hourly-matched {hm}")
    lines.extend(f"  note: {n}" for n in flows.notes)
    lines.append(f"  wrote {out}")
    return "\n".join(lines)


def flows(
    park: Annotated[str, typer.Argument(help="Park id.")],
    period: Annotated[str, typer.Option("--period", help="Months, e.g. 2025-01..2025-12.")],
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    model: Annotated[
        list[Path] | None,
        typer.Option(
            "--model",
            help="Product model file whose meter shares name products (for meters no lot names). Repeatable.",
        ),
    ] = None,
    as_json: JsonOption = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the page: zh or en.")] = "zh",
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Sankey of PARK's energy and emissions from sources through meters and enterprises to products,
    with the hourly matching chart per enterprise, as one HTML file (no CDN)."""
    with errors_to_exit(as_json):
        try:
            models: list[ProductModel] = [load_model(p) for p in model or []]
        except LcaError as e:
            typer.echo(f"error: {e}", err=True)
            sys.exit(2)
        months = parse_period(period)
        ledger = open_ledger(db, home)
        with ledger.db.read_session() as session:
            result = park_flows(session, park, months[0], months[-1], models=models)
        out.write_text(render_flows_html(result, lang), encoding="utf-8")
        doc = result.to_json()
        if as_json:
            doc["html"] = str(out)
        emit(json.loads(json.dumps(doc)), as_json, _text(result, out))
