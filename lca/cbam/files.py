"""Write a CBAM export as CSV and XLSX (formatting only; the figures come from :mod:`lca.cbam.rules`)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from lca.cbam.ledger import CbamExport
from lca.cbam.rules import NUMERIC_FIELDS

__all__ = ["write_cbam"]


def _table(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    header = list(rows[0]) if rows else []
    return header, [[r.get(h, "") for h in header] for r in rows]


def _cell(name: str, value: Any) -> tuple[Any, str | None]:
    """An XLSX cell value and number format: the decimals of numeric fields as numbers, shown with
    the places they were rounded to; an empty figure as an empty cell."""
    if name not in NUMERIC_FIELDS or not isinstance(value, str):
        return value, None
    if value == "":
        return None, None
    number = Decimal(value)
    places = max(0, -int(number.as_tuple().exponent))
    return number, "0." + "0" * places if places else "0"


def write_cbam(export: CbamExport, out: Path) -> list[Path]:
    """Write ``cbam-<enterprise>-<year>-installations.csv``, ``…-electricity.csv`` and ``….xlsx``
    (sheets installations, electricity, sources) into ``out`` (created); returns the paths.

    CSV holds the decimals as written (exact text); XLSX holds them as numbers (the exact decimal
    digits, displayed with the places they were rounded to), empty where a figure is not declared.
    """
    out.mkdir(parents=True, exist_ok=True)
    stem = f"cbam-{export.enterprise}-{export.year}"
    installations = [r.row() for r in export.records]
    electricity = [row for r in export.records for row in r.electricity_rows]
    sources = [
        {
            "id": k,
            **{f: ("" if v.get(f) is None else str(v.get(f))) for f in ("kind", "title", "url", "retrieved")},
        }
        for k, v in export.rules.sources.items()
    ]
    sheets = {"installations": installations, "electricity": electricity, "sources": sources}
    paths = []
    for name in ("installations", "electricity"):
        path = out / f"{stem}-{name}.csv"
        header, body = _table(sheets[name])
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(body)
        paths.append(path)
    wb = Workbook()
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = name
        first = False
        header, body = _table(rows)
        ws.append(header)
        for r, line in enumerate(body, start=2):
            for c, (name, value) in enumerate(zip(header, line, strict=True), start=1):
                cell_value, number_format = _cell(name, value)
                cell = ws.cell(row=r, column=c, value=cell_value)
                if number_format is not None:
                    cell.number_format = number_format
    xlsx = out / f"{stem}.xlsx"
    wb.save(xlsx)
    paths.append(xlsx)
    return paths
