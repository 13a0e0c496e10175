"""``tanji schema export DIR``: a JSON Schema per entry kind."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import JsonOption, emit
from ledger.kinds.schemas import export_schemas

app = typer.Typer(help="Published JSON Schemas of the entry kinds.", no_args_is_help=True)


@app.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="Where to write <kind>.schema.json files.")],
    as_json: JsonOption = False,
) -> None:
    """Write entry.schema.json and one <kind>.schema.json per registered kind."""
    paths = export_schemas(directory)
    emit([str(p) for p in paths], as_json, f"wrote {len(paths)} schemas to {directory}")
