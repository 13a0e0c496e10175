"""Write a CBAM export as CSV and XLSX (formatting only; the figures come from :mod:`lca.cbam.rules`)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from lca.cbam.ledger import CbamExport

__all__ = ["write_cbam"]


def _table(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    header = list(rows[0]) if rows else []
    return header, [[r.get(h, "") for h in header] for r in rows]


def write_cbam(export: CbamExport, out: Path) -> list[Path]:
    """Write ``cbam-<enterprise>-<year>-installations.csv``, ``…-electricity.csv`` and ``….xlsx``
    (sheets installations, electricity, sources) into ``out`` (created); returns the paths.

    Decimals are written as text so no spreadsheet rounds them again.
    """
    out.mkdir(parents=True, exist_ok=True)
    stem = f"cbam-{export.enterprise}-{export.year}"
    installations = [r.row() for r in export.records]
    electricity = [row for r in export.records for row in r.electricity_rows]
    sources = [
        {"id": k, **{f: ("" if v.get(f) is None else str(v.get(f))) for f in ("title", "url", "retrieved")}}
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
        for line in body:
            ws.append(line)
    xlsx = out / f"{stem}.xlsx"
    wb.save(xlsx)
    paths.append(xlsx)
    return paths
