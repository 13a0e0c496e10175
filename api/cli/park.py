"""``tanji park``: the zero-carbon park report (energy, emissions, indicators)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import DbOption, HomeOption, JsonOption, emit, errors_to_exit, open_ledger
from api.views.i18n import Lang
from api.views.park import VERDICT_LABELS, render_park_report
from ledger.errors import RuleViolation
from park.accounting import ElectricityYear
from park.coefficients import load_park_data
from park.report import ParkReport, build_park_report

app = typer.Typer(help="Zero-carbon park accounting and indicators (零碳园区).", no_args_is_help=True)


def _electricity(path: Path) -> dict[str, ElectricityYear]:
    """Read ``{enterprise id or "": {consumption_wh, direct_wh, …}}`` (Wh integers) from a JSON file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {
            who: ElectricityYear(**{**fields, "source": fields.get("source", f"file {path.name}")})
            for who, fields in doc.items()
        }
    except (OSError, ValueError, TypeError, AttributeError) as e:
        raise RuleViolation(f"electricity file {path}: {e}", code="park.bad_electricity_file") from e


def _thresholds(items: list[str]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key.strip()] = Decimal(value)
        except InvalidOperation as e:
            raise RuleViolation(f"--threshold {item!r}: expected ID=NUMBER", code="park.bad_threshold") from e
    return out


def _text(report: ParkReport) -> str:
    doc = report.to_json()
    core = doc["core"]
    lines = [
        f"{doc['park']['name']} ({doc['park']['id']}, {doc['park']['level']}) — {doc['year']}",
        f"  comprehensive energy {doc['energy_tce']['total']} tce (electricity at equivalent value "
        f"{doc['energy_tce']['electricity_equivalent']} tce); net emissions "
        f"{doc['emissions_t']['net']} t CO2; other gases {doc['other_gases_t_co2e']['total']} t CO2e "
        "(beside the indicator, not in it)",
        f"  {core['name_zh']} (CO2 only) {core['value'] or '—'} tCO2/tce vs ≤ {core['threshold'] or '—'}: "
        f"{VERDICT_LABELS[core['verdict']]}",
    ]
    for g in doc["guidance"]:
        threshold = f"{g['comparison']} {g['threshold']}" if g["threshold"] is not None else "no threshold"
        lines.append(
            f"  {g['name_zh']} ({g['id']}): {g['value'] or '—'} vs {threshold}: "
            f"{VERDICT_LABELS[g['verdict']]}"
        )
    if doc["unverified_inputs"]:
        lines.append(f"  unverified inputs: {len(doc['unverified_inputs'])} (see --json or --html)")
    return "\n".join(lines)


@app.command()
def report(
    park: Annotated[str, typer.Argument(help="Park id.")],
    year: Annotated[int, typer.Option("--year", help="Accounting year.")],
    as_json: JsonOption = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the HTML report to this file.")
    ] = None,
    electricity: Annotated[
        Path | None,
        typer.Option(
            "--electricity",
            help="JSON of per-enterprise electricity (Wh) from attribution; default: readings.",
        ),
    ] = None,
    electricity_kgce: Annotated[
        str | None,
        typer.Option(
            "--electricity-kgce", help="Electricity equivalent value in kgce/kWh (overrides the data file)."
        ),
    ] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold", help="Configure a threshold: ID=VALUE (e.g. carbon_per_energy=0.5). Repeatable."
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="A park indicator file to use instead of the shipped park_indicators.json."
        ),
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the HTML report: zh or en.")] = "zh",
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Energy (tce), emissions (t CO2) and the zero-carbon park indicators of PARK for a year."""
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home)
        coef = _thresholds([f"kgce={electricity_kgce}"])["kgce"] if electricity_kgce is not None else None
        with ledger.db.read_session() as session:
            result = build_park_report(
                session,
                park,
                year,
                electricity=_electricity(electricity) if electricity is not None else None,
                electricity_kgce_per_kwh=coef,
                thresholds=_thresholds(threshold or []),
                data=load_park_data(data) if data is not None else None,
            )
        if html is not None:
            html.write_text(render_park_report(result, lang), encoding="utf-8")
        emit(result.to_json(), as_json, _text(result))
