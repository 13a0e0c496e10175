"""``tanji report …``: green-power report of a meter, indicators, direct-link compliance, CBAM evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import DbOption, HomeOption, JsonOption, emit, errors_to_exit, open_ledger
from api.cli.units import mwh, percent, quantity
from api.views.charts import green_html, hourly_green_png
from ledger import hourly_matched_share
from ledger.attribution.reports import (
    DEFAULT_REGION,
    direct_link_report,
    enterprise_indicators,
    find_run,
    green_report,
    hourly_matching_evidence,
    link_indicators,
    meter_indicators,
)
from ledger.attribution.totals import summarise
from ledger.energy.periods import parse_period

app = typer.Typer(help="Reports from recorded attribution runs.", no_args_is_help=True)

_LABELS = {"location_kg": "location-based emissions", "market_kg": "market-based emissions"}

RunOption = Annotated[
    int | None, typer.Option("--run", help="Attribution run seq (default: newest covering).")
]


@app.command("green")
def green(
    meter: Annotated[str, typer.Option(help="Consumer meter.")],
    period: Annotated[str, typer.Option(help="Months, e.g. 2025-01..2025-12.")],
    run: RunOption = None,
    region: Annotated[str, typer.Option(help="Grid factor region.")] = DEFAULT_REGION,
    out: Annotated[
        Path | None, typer.Option(help="Directory for the PNG chart, HTML page and hourly CSV.")
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Consumption, green shares, hourly matching and emissions of one meter; chart with --out."""
    with errors_to_exit(as_json):
        months = parse_period(period)
        ledger = open_ledger(db, home)
        with ledger.db.read_session() as s:
            rep = green_report(s, meter, months[0], months[-1], run_seq=run, region=region)
    doc = rep.to_json()
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        stem = f"green-{meter}-{months[0]}_{months[-1]}"
        title = f"{meter} {months[0]}..{months[-1]} (attribution run {rep.run_seq})"
        png = hourly_green_png(rep.hourly, title)
        (out / f"{stem}.png").write_bytes(png)
        (out / f"{stem}.html").write_text(
            green_html(
                title,
                rep.totals,
                png,
                note=(
                    f"Hourly split of consumption; region factor {region}; re-run with "
                    f"`tanji attribute verify {rep.run_seq}`."
                ),
            ),
            encoding="utf-8",
        )
        local = rep.hourly["hour"].dt.tz_convert("Asia/Shanghai")  # DESIGN: stored UTC, shown Shanghai
        rep.hourly.assign(hour_shanghai=local).to_csv(out / f"{stem}-hourly.csv", index=False)
        doc["files"] = [str(out / f"{stem}{ext}") for ext in (".png", ".html", "-hourly.csv")]
    t = rep.totals
    lines = [f"meter {meter}, {months[0]}..{months[-1]}, run {rep.run_seq}"]
    lines += [
        f"  {_LABELS.get(k, k.removesuffix('_wh')):<24} {quantity(k, v):>22}"
        for k, v in t.items()
        if k != "meter_id"
    ]
    lines += [f"  wrote {f}" for f in doc.get("files", [])]
    emit(doc, as_json, "\n".join(lines))


@app.command("direct-link")
def direct_link(
    link: Annotated[str, typer.Argument(help="Direct-supply link id.")],
    year: Annotated[int, typer.Option(help="Calendar year.")],
    run: RunOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """650号 compliance of a direct-supply link for a year: each ratio against its threshold."""
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home)
        with ledger.db.read_session() as s:
            rep = direct_link_report(s, link, year, run_seq=run)
    doc = rep.to_json()
    verdict = {True: "PASS", False: "FAIL", None: "UNDEFINED"}
    lines = [
        f"link {link} {year} (run {rep.run_seq}): {verdict[doc['passed']]}"
        + (
            ""
            if doc["complete"]
            else f" -- incomplete: {len(doc['months'])} months, {doc['gap_hours']} gap hours"
        )
    ]
    for c in doc["checks"]:
        lines.append(
            f"  {c['id']:<28} {percent(c['ratio']):>8} {c['comparison']} {100 * c['threshold']:.0f} %  "
            f"{verdict[c['passed']] if c.get('measured', True) else 'NOT MEASURED (no grid_export meter)'}"
            f"  ({mwh(c['numerator_wh'])} / {mwh(c['denominator_wh'])})"
        )
    emit(doc, as_json, "\n".join(lines))


@app.command("matching")
def matching(
    period: Annotated[str, typer.Option(help="Months, e.g. 2025-01..2025-12.")],
    link: Annotated[str | None, typer.Option(help="Direct-supply link.")] = None,
    contract: Annotated[str | None, typer.Option(help="Green-power trade (PPA).")] = None,
    run: RunOption = None,
    out: Annotated[Path | None, typer.Option(help="CSV file for the hour-by-hour table.")] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """CBAM evidence: hour-by-hour metered production vs delivery, and the matched share."""
    if (link is None) == (contract is None):
        raise typer.BadParameter("give exactly one of --link and --contract")
    with errors_to_exit(as_json):
        months = parse_period(period)
        ledger = open_ledger(db, home)
        with ledger.db.read_session() as s:
            seq = run if run is not None else find_run(s, months[0], months[-1], link=link) if link else run
            if seq is None:
                raise typer.BadParameter("--run is required with --contract")
            table = hourly_matching_evidence(s, seq, link=link, contract=contract)
    consumption = int(table["consumption_wh"].sum())
    doc = {
        "run_seq": seq,
        "link": link,
        "contract": contract,
        "hours": len(table),
        "production_wh": int(table["production_wh"].sum()),
        "delivered_wh": int(table["delivered_wh"].sum()),
        "consumption_wh": consumption,
        "matched_wh": int(table["matched_wh"].sum()),
        "matched_share": hourly_matched_share(int(table["matched_wh"].sum()), consumption),
    }
    if out is not None:
        table.to_csv(out, index=False)
        doc["file"] = str(out)
    produced, delivered, matched = (
        int(table[c].sum()) for c in ("production_wh", "delivered_wh", "matched_wh")
    )
    emit(
        doc,
        as_json,
        f"{link or contract} (run {seq}): {len(table)} hours, production {mwh(produced)}, "
        f"delivered {mwh(delivered)}, matched {mwh(matched)} "
        f"({percent(hourly_matched_share(matched, consumption))} of consumption)"
        + (f"; wrote {out}" if out else ""),
    )


@app.command("indicators")
def indicators(
    run: Annotated[int, typer.Option("--run", help="Attribution run seq.")],
    by: Annotated[str, typer.Option(help="meter, enterprise or link.")] = "meter",
    region: Annotated[str, typer.Option(help="Grid factor region.")] = DEFAULT_REGION,
    out: Annotated[Path | None, typer.Option(help="CSV file for the table.")] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Indicators of a run per meter, enterprise or link: shares, hourly matching, emissions, 650号 ratios."""
    if by not in ("meter", "enterprise", "link"):
        raise typer.BadParameter("must be meter, enterprise or link", param_hint="--by")
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home)
        with ledger.db.read_session() as s:
            if by == "meter":
                table = summarise(meter_indicators(s, run, region=region), ["meter_id", "enterprise"])
            elif by == "enterprise":
                table = enterprise_indicators(s, run, region=region)
            else:
                table = link_indicators(s, run)
    if out is not None:
        table.to_csv(out, index=False)
    rows = [
        {str(k): (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in table.to_dict(orient="records")
    ]
    emit({"run_seq": run, "by": by, "rows": rows}, as_json, table.to_string(index=False))
