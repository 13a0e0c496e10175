"""Import GEC issuance records exported from the national green-certificate platform.

The platform (国家绿证核发交易系统) exports one row per issued serial range.
Accepted headers, English or Chinese (either is fine, case-insensitive):

=================  ==========================  ===========================================
field              headers                     values
=================  ==========================  ===========================================
first serial       serial_start, 证书编号起     digits; a letter prefix is dropped
last serial        serial_end, 证书编号止       inclusive
project            project, 项目名称            text
technology         technology, 类型/发电类型    wind/风电, solar/光伏/太阳能, hydro/水电, biomass/生物质, …
production month   production_month, 生产年月   2026-01, 202601 or 2026年01月
quantity           quantity, 数量               MWh (= certificates) — must equal the range length
meter (optional)   meter_id, 计量点             Tanji meter id; else mapped from the project
holder (optional)  holder, 持有方               actor id; default the meter's owner
=================  ==========================  ===========================================

Every row is checked first (row numbers counted with the header as line 1);
then all rows are appended as one atomic batch of ``gec.issue`` entries
signed by the registry actor. A rejection names the row and the rule.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ledger.errors import BadEntry, LedgerError
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey
from ledger.store.append import Ledger

HEADERS: dict[str, tuple[str, ...]] = {
    "first": ("serial_start", "证书编号起", "起始编号"),
    "last": ("serial_end", "证书编号止", "截止编号"),
    "project": ("project", "项目名称"),
    "technology": ("technology", "类型", "发电类型"),
    "month": ("production_month", "生产年月"),
    "quantity": ("quantity", "数量", "证书数量"),
    "meter": ("meter_id", "计量点"),
    "holder": ("holder", "持有方"),
}
TECHNOLOGIES = {
    "wind": "wind",
    "风电": "wind",
    "solar": "solar",
    "光伏": "solar",
    "太阳能": "solar",
    "光伏发电": "solar",
    "hydro": "hydro",
    "水电": "hydro",
    "biomass": "biomass",
    "生物质": "biomass",
    "生物质发电": "biomass",
    "geothermal": "geothermal",
    "地热": "geothermal",
    "solar_thermal": "solar_thermal",
    "光热": "solar_thermal",
    "other": "other",
    "其他": "other",
}
_MONTH = re.compile(r"^(\d{4})\D?(\d{1,2})\D?$")
_TRAILING_DIGITS = re.compile(r"(\d+)$")


@dataclass(frozen=True)
class GecImportReport:
    """What ``import_gec`` appended (or would, with ``dry_run``)."""

    rows: int
    units: int
    first_seq: int | None
    dry_run: bool

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def row_error(row: int, message: str, code: str = "gec_import.row_invalid") -> BadEntry:
    """The error for a bad CSV row, naming its row number."""
    return BadEntry(f"row {row}: {message}", code=code, row=row)


def serial_of(row: int, text: str, what: str) -> int:
    """The serial number at the end of a certificate code (``GEC…000123`` → 123)."""
    m = _TRAILING_DIGITS.search(text.strip())
    if m is None:
        raise row_error(row, f"{what} {text!r} has no serial number")
    return int(m.group(1))


def _month(row: int, text: str) -> str:
    m = _MONTH.match(text.strip().replace("年", "-").replace("月", ""))
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise row_error(row, f"production month {text!r} is not YYYY-MM")
    return f"{m.group(1)}-{int(m.group(2)):02d}"


def parse_rows(
    path: Path, project_meters: Mapping[str, str] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """``(row number, gec.issue payload)`` for every data row; ``BadEntry`` naming the first bad row."""
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        lower = {h.strip().lower(): h for h in reader.fieldnames or []}
        cols = {
            k: next((lower[h.lower()] for h in names if h.lower() in lower), None)
            for k, names in HEADERS.items()
        }
        missing = [k for k in ("first", "last", "technology", "month", "quantity") if cols[k] is None]
        if missing:
            raise BadEntry(
                f"{path}: no column for {missing}; expected headers like {[HEADERS[k][0] for k in missing]}",
                code="gec_import.columns",
            )
        out = []
        for number, rec in enumerate(reader, start=2):

            def get(k: str, rec: dict[str, str] = rec) -> str:
                c = cols[k]
                return "" if c is None else (rec.get(c) or "").strip()

            first, last = (
                serial_of(number, get("first"), "first serial"),
                serial_of(number, get("last"), "last serial"),
            )
            tech = TECHNOLOGIES.get(get("technology").lower())
            if tech is None:
                raise row_error(
                    number, f"technology {get('technology')!r} is not one of {sorted(set(TECHNOLOGIES))}"
                )
            try:
                quantity = int(get("quantity").replace(",", ""))
            except ValueError:
                raise row_error(
                    number, f"quantity {get('quantity')!r} is not a whole number of MWh"
                ) from None
            if quantity != last - first + 1:
                raise row_error(
                    number,
                    f"quantity {quantity} MWh differs from the range length {last - first + 1} "
                    f"of {first}..{last}",
                    code="gec.mwh_mismatch",
                )
            project = get("project") or None
            meter = get("meter") or (project_meters or {}).get(project or "")
            if not meter:
                raise row_error(
                    number, f"no meter for project {project!r}: add a meter_id column or map the project"
                )
            payload: dict[str, Any] = {
                "first": first,
                "last": last,
                "mwh": quantity,
                "generator_meter": meter,
                "technology": tech,
                "vintage": _month(number, get("month")),
            }
            if project:
                payload["project"] = project
            if get("holder"):
                payload["holder"] = get("holder")
            out.append((number, payload))
    return out


def import_gec(
    ledger: Ledger,
    path: Path,
    registry: str,
    key: Ed25519PrivateKey,
    *,
    project_meters: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> GecImportReport:
    """Check every row, then append all as one atomic batch of ``gec.issue`` signed by ``registry``.

    With ``dry_run`` every row goes through every ledger rule too, and nothing is written.
    Client ids ``gec-import:<first>-<last>`` make a re-run of the same file idempotent.
    """
    rows = parse_rows(path, project_meters)
    units = sum(p["mwh"] for _n, p in rows)
    if not rows:
        return GecImportReport(0, 0, None, dry_run)
    subs = [
        Submission.create("gec.issue", registry, p, key, client_id=f"gec-import:{p['first']}-{p['last']}")
        for _n, p in rows
    ]
    first = append_rows(ledger, subs, [n for n, _p in rows], dry_run=dry_run)
    return GecImportReport(len(rows), units, first, dry_run)


def append_rows(
    ledger: Ledger, subs: list[Submission], row_numbers: list[int], *, dry_run: bool = False
) -> int | None:
    """Append ``subs`` (made from the file rows ``row_numbers``) as one atomic batch; the first seq.

    With ``dry_run`` the ledger runs every rule on them and writes nothing (None). A rejection
    names the file row it came from (``details['row']``).
    """
    try:
        placed = ledger.append(subs, dry_run=dry_run)
    except LedgerError as e:
        number = row_numbers[int(e.details.get("index", 0))]
        e.details["row"] = number
        e.message = f"row {number}: {e.message}"
        e.args = (e.message,)
        raise
    return None if dry_run else placed[0].seq
