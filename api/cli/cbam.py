"""``tanji cbam export``: EU CBAM installation data of an enterprise for a year, as CSV and XLSX."""

from __future__ import annotations

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
    resolve_home,
)
from lca.cbam.files import write_cbam
from lca.cbam.ledger import CbamExport, cbam_records
from lca.cbam.rules import records_json
from lca.errors import LcaError
from lca.model import ProductModel, default_models, load_model

app = typer.Typer(help="EU CBAM data for exporters (installation, CN code, year).", no_args_is_help=True)


def _text(export: CbamExport, paths: list[Path]) -> str:
    lines = [
        f"CBAM {export.enterprise} {export.year}: {len(export.records)} record(s); grid default "
        f"{export.grid.value} t CO2/MWh ({export.grid.source}; {export.grid.status})"
    ]
    for r in export.records:
        ind = "not declared" if r.see_indirect is None else f"{r.see_indirect} t/t"
        lines.append(
            f"  CN {r.goods.cn_code} {r.goods.product}: {r.net_mass_t} t, direct {r.see_direct} t/t, "
            f"electricity {r.electricity_mwh_per_t} MWh/t ({r.electricity_factor_source}), "
            f"indirect {ind} [{r.declare}]"
        )
    lines.extend(f"  skipped {s}" for s in export.skipped)
    lines.extend(f"  wrote {p}" for p in paths)
    return "\n".join(lines)


@app.command()
def export(
    enterprise: Annotated[str, typer.Option("--enterprise", help="Enterprise (operator) actor id.")],
    year: Annotated[int, typer.Option("--year", help="Reporting year.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the CSV and XLSX files.")],
    cn: Annotated[
        str | None, typer.Option("--cn", help="Only goods whose CN code starts with this (e.g. 7601).")
    ] = None,
    model: Annotated[
        list[Path] | None,
        typer.Option(
            "--model",
            help="Product model file (repeatable); default: the models in DATA_DIR/models "
            "(the demo writes its models there), else the shipped examples.",
        ),
    ] = None,
    grid_factor: Annotated[
        str | None,
        typer.Option(
            "--grid-factor",
            help="Grid default electricity factor, t CO2/MWh (the Commission's value for China).",
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Per installation, CN code and year: net mass, specific direct and indirect embedded emissions,
    electricity per tonne with its factor and source (grid default, direct technical link, PPA)."""
    with errors_to_exit(as_json):
        try:
            data_dir = resolve_home(home)
            models: list[ProductModel] = [load_model(p) for p in model] if model else default_models(data_dir)
            factor = None if grid_factor is None else Decimal(grid_factor)
            ledger = open_ledger(db, home)
            with ledger.db.read_session() as session:
                result = cbam_records(
                    session, enterprise, year, models, cn=cn, grid_factor=factor, data_dir=data_dir
                )
        except InvalidOperation as e:
            raise LcaError(f"--grid-factor {grid_factor!r} is not a number", code="cbam.bad_factor") from e
        paths = write_cbam(result, out)
        emit(
            records_json(result.records, result.rules) | {"files": [str(p) for p in paths]},
            as_json,
            _text(result, paths),
        )
