"""Import GEC transfers and retirements from CSV exports (绿证划转 / 绿证核销记录).

The national green-certificate platform (国家绿证核发交易系统) keeps each holder's
account: transfers (划转) between accounts and retirements (核销) for a consumer.
Its export headers were not confirmed from a public specification, so Tanji accepts
the columns below, in English or Chinese (case-insensitive), as it does for issuance
(:mod:`ledger.energy.gec_import`); rename the columns of another layout to these.

Transfers (``kind="transfer"``), one row per serial range:

=================  ==========================================  ==============================
field              headers                                     values
=================  ==========================================  ==============================
first serial       serial_start, 证书编号起, 起始编号            digits; a letter prefix is dropped
last serial        serial_end, 证书编号止, 截止编号              inclusive
quantity           quantity, 数量, 证书数量                      MWh = range length (optional)
from               from, holder, 转出方, 出让方                  Tanji actor id of the holder
to                 to, 转入方, 受让方                            Tanji actor id of the new holder
=================  ==========================================  ==============================

Retirements (``kind="retire"``), one row per serial range:

=================  ==========================================  ==============================
first/last/qty     as for transfers
holder             holder, from, 持有方, 核销方                  Tanji actor id that retires
beneficiary        beneficiary, 受益方, 使用方                   default: the holder
consumer meters    consumer_meters, meters, 计量点, 用电计量点    Tanji meter ids, ``;`` or ``,``
period             period, 消费期间, 使用期间                    2025-03, 2025 or 2025-01..2025-12
                                                               (park-local months), or
period start/end   period_start/period_end, 开始时间/结束时间     ISO 8601 instants with offset
=================  ==========================================  ==============================

Every row is checked first (rows numbered with the header as line 1); each row
is signed by its holder (a key per holder) and all are appended as one atomic
batch. Client ids ``gec-transfer:<first>-<last>:<to>`` and
``gec-retire:<first>-<last>`` make a re-run of the same file idempotent.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from ledger.energy.gec_import import append_rows, row_error, serial_of
from ledger.energy.periods import format_instant, parse_period, period_bounds
from ledger.errors import BadEntry, LedgerError
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey
from ledger.store.append import Ledger

MoveKind = Literal["transfer", "retire"]
_SERIAL = {
    "first": ("serial_start", "证书编号起", "起始编号"),
    "last": ("serial_end", "证书编号止", "截止编号"),
    "quantity": ("quantity", "数量", "证书数量"),
}
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "transfer": {
        **_SERIAL,
        "from": ("from", "holder", "转出方", "出让方"),
        "to": ("to", "转入方", "受让方"),
    },
    "retire": {
        **_SERIAL,
        "holder": ("holder", "from", "持有方", "核销方"),
        "beneficiary": ("beneficiary", "受益方", "使用方"),
        "meters": ("consumer_meters", "meters", "计量点", "用电计量点"),
        "period": ("period", "消费期间", "使用期间"),
        "period_start": ("period_start", "开始时间"),
        "period_end": ("period_end", "结束时间"),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "transfer": ("first", "last", "from", "to"),
    "retire": ("first", "last", "holder", "meters"),
}
_LIST = re.compile(r"[;,，；\s]+")


@dataclass(frozen=True)
class GecMove:
    """One parsed row: its line, the actor who signs, the kind and payload of its entry."""

    row: int
    actor: str
    kind: str
    payload: dict[str, Any]
    client_id: str


@dataclass(frozen=True)
class GecMovesReport:
    """What :func:`import_gec_moves` appended (or would, with ``dry_run``)."""

    kind: str
    rows: int
    units: int
    first_seq: int | None
    dry_run: bool

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def retirement_period(period: str) -> tuple[str, str]:
    """``(period_start, period_end)`` instants of a period of park-local months (``2025-03``,
    ``2025``, ``2025-01..2025-12``); ``RuleViolation`` ``period.invalid`` if malformed."""
    start, end = period_bounds(parse_period(period))
    return format_instant(start), format_instant(end)


def _range(row: int, get: Callable[[str], str]) -> tuple[int, int]:
    first, last = serial_of(row, get("first"), "first serial"), serial_of(row, get("last"), "last serial")
    if get("quantity"):
        try:
            quantity = int(get("quantity").replace(",", ""))
        except ValueError:
            raise row_error(row, f"quantity {get('quantity')!r} is not a whole number of MWh") from None
        if quantity != last - first + 1:
            raise row_error(
                row,
                f"quantity {quantity} MWh differs from the range length {last - first + 1} "
                f"of {first}..{last}",
                code="gec.mwh_mismatch",
            )
    return first, last


def _move(kind: MoveKind, row: int, get: Callable[[str], str]) -> GecMove:
    first, last = _range(row, get)
    if kind == "transfer":
        payload: dict[str, Any] = {"first": first, "last": last, "to": get("to")}
        return GecMove(row, get("from"), "gec.transfer", payload, f"gec-transfer:{first}-{last}:{get('to')}")
    meters = [m for m in _LIST.split(get("meters")) if m]
    if get("period"):
        try:
            start, end = retirement_period(get("period"))
        except LedgerError as e:
            raise row_error(row, e.message, code=e.code) from None
    elif get("period_start") and get("period_end"):
        start, end = get("period_start"), get("period_end")
    else:
        raise row_error(row, "no consumption period: give a period column or period_start and period_end")
    payload = {
        "first": first,
        "last": last,
        "beneficiary": get("beneficiary") or get("holder"),
        "consumer_meters": meters,
        "period_start": start,
        "period_end": end,
    }
    return GecMove(row, get("holder"), "gec.retire", payload, f"gec-retire:{first}-{last}")


def parse_moves(path: Path, kind: MoveKind) -> list[GecMove]:
    """Every data row of a transfer or retirement export; ``BadEntry`` naming the first bad row."""
    headers = HEADERS[kind]
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        lower = {h.strip().lower(): h for h in reader.fieldnames or []}
        cols = {
            k: next((lower[h.lower()] for h in names if h.lower() in lower), None)
            for k, names in headers.items()
        }
        missing = [k for k in REQUIRED[kind] if cols[k] is None]
        if missing:
            raise BadEntry(
                f"{path}: no column for {missing}; expected headers like {[headers[k][0] for k in missing]}",
                code="gec_import.columns",
            )
        out = []
        for number, rec in enumerate(reader, start=2):

            def get(k: str, rec: dict[str, str] = rec) -> str:
                c = cols.get(k)
                return "" if c is None else (rec.get(c) or "").strip()

            for k in REQUIRED[kind]:
                if not get(k):
                    raise row_error(number, f"empty {headers[k][0]}")
            out.append(_move(kind, number, get))
    return out


def import_gec_moves(
    ledger: Ledger,
    path: Path,
    kind: MoveKind,
    key_of: Callable[[str], Ed25519PrivateKey],
    *,
    dry_run: bool = False,
) -> GecMovesReport:
    """Check every row, then sign each with its holder's key (``key_of(actor)``) and append all as one
    atomic batch. With ``dry_run`` every row goes through every ledger rule too, and nothing is
    written."""
    moves = parse_moves(path, kind)
    units = sum(m.payload["last"] - m.payload["first"] + 1 for m in moves)
    subs = []
    for m in moves:
        try:
            subs.append(Submission.create(m.kind, m.actor, m.payload, key_of(m.actor), client_id=m.client_id))
        except LedgerError as e:
            raise row_error(m.row, e.message, code=e.code) from None
    if not moves:
        return GecMovesReport(kind, 0, 0, None, dry_run)
    first = append_rows(ledger, subs, [m.row for m in moves], dry_run=dry_run)
    return GecMovesReport(kind, len(moves), units, first, dry_run)
