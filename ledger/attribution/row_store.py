"""The committed result rows of recorded runs: their projection, the GEC serials they name, reads.

``attribution_rows`` keeps every row of every run that commits to its rows
(``rows_format`` in the ``attribution.run`` payload) as its canonical JSON, with
its leaf index, so a row and its inclusion proof are served without re-running
anything (:func:`run_row`). Runs recorded before rows existed have none: their
payload has no ``rows_root`` and :func:`run_row` says so
(``attribution.run_without_rows``).

:func:`retirement_serials` reads the serial pieces of the retirements a month
used, keyed by the retirement ids of :mod:`ledger.energy.gec`
(``"<retire seq>/<issue seq>[/<trade>]"``, as ``retirements_for_month`` makes them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Table, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.attribution.records import MonthInputs
from ledger.attribution.result import MonthResult
from ledger.attribution.rows import ResultRow, RowProof, month_result_rows, row_proof, rows_root
from ledger.energy.gec import GecRetirementRow
from ledger.errors import IntegrityFailure, NotFound, RuleViolation
from ledger.store.db import bulk_insert
from ledger.store.queries import entry_at
from ledger.store.tables import Base

__all__ = [
    "AttributionResultRow",
    "ProvenRow",
    "RowCollector",
    "has_rows",
    "insert_rows",
    "retirement_serials",
    "run_row",
    "run_rows",
    "stored_rows",
]

_CHUNK = 1000


class AttributionResultRow(Base):
    """Projection: one committed result row of a run (``body``: its RFC 8785 JSON)."""

    __tablename__ = "attribution_rows"

    run_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    meter_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)


def retirement_serials(
    session: Session, retirement_ids: Iterable[str]
) -> dict[str, tuple[tuple[int, int], ...]]:
    """The retired serial pieces ``(first, last)`` of each retirement id, in serial order.

    An id that names no retired piece is left out (the caller names it).
    """
    wanted = set(retirement_ids)
    seqs = sorted({int(rid.split("/", 1)[0]) for rid in wanted})
    t: Table = GecRetirementRow.__table__  # type: ignore[assignment]
    out: dict[str, list[tuple[int, int]]] = {}
    for i in range(0, len(seqs), _CHUNK):
        q = select(t.c.retire_seq, t.c.issue_seq, t.c.via_trade, t.c.first, t.c.last).where(
            t.c.retire_seq.in_(seqs[i : i + _CHUNK])
        )
        for rs, iss, trade, first, last in session.execute(q):
            rid = f"{rs}/{iss}" + (f"/{trade}" if trade else "")
            if rid in wanted:
                out.setdefault(rid, []).append((int(first), int(last)))
    return {rid: tuple(sorted(pieces)) for rid, pieces in out.items()}


def insert_rows(session: Session, run_seq: int, rows: Sequence[ResultRow]) -> None:
    """Store a run's rows (sorted as committed) with their leaf indexes."""
    values = [
        {
            "run_seq": run_seq,
            "month": r.month,
            "meter_id": r.meter_id,
            "idx": i,
            "body": r.canonical_bytes().decode(),
        }
        for i, r in enumerate(rows)
    ]
    bulk_insert(session, AttributionResultRow, values)


def _commitment(session: Session, run_seq: int) -> Mapping[str, Any]:
    entry = entry_at(session, run_seq)
    if entry is None or entry.kind != "attribution.run":
        raise NotFound(
            f"entry {run_seq} is not an attribution.run", code="attribution.not_a_run", seq=run_seq
        )
    if entry.payload.get("rows_root") is None:
        raise NotFound(
            f"attribution run {run_seq} was recorded before runs committed to result rows "
            "(no rows_root): re-run the attribution",
            code="attribution.run_without_rows",
            seq=run_seq,
        )
    return entry.payload


def stored_rows(
    session: Session,
    run_seq: int,
    *,
    meters: Sequence[str] | None = None,
    months: tuple[str, str] | None = None,
) -> list[ResultRow]:
    """The rows the projection holds for run ``run_seq`` (of ``meters`` and inside ``months =
    (first, last)`` when given), in commitment order; none for a run without rows.

    Reads the projection only, so a rule sees the rows of a run appended earlier in its batch.
    """
    t = AttributionResultRow
    q = select(t.body).where(t.run_seq == run_seq).order_by(t.idx)
    if meters is not None:
        q = q.where(t.meter_id.in_(sorted(set(meters))))
    if months is not None:
        q = q.where(t.month >= months[0], t.month <= months[1])
    return [ResultRow.from_json(json.loads(body)) for body in session.scalars(q)]


def has_rows(session: Session, run_seq: int) -> bool:
    """Whether the projection holds committed rows of run ``run_seq``."""
    t = AttributionResultRow
    return session.scalar(select(t.idx).where(t.run_seq == run_seq).limit(1)) is not None


def run_rows(
    session: Session,
    run_seq: int,
    *,
    meters: Sequence[str] | None = None,
    months: tuple[str, str] | None = None,
) -> list[ResultRow]:
    """:func:`stored_rows` of a recorded run that commits to its rows.

    ``NotFound``: ``attribution.not_a_run``, ``attribution.run_without_rows``.
    """
    _commitment(session, run_seq)
    return stored_rows(session, run_seq, meters=meters, months=months)


@dataclass(frozen=True)
class ProvenRow:
    """A committed row, its inclusion proof and the run it belongs to."""

    run_seq: int
    row: ResultRow
    proof: RowProof

    def to_json(self) -> dict[str, Any]:
        return {"run_seq": self.run_seq, "row": self.row.to_json(), "proof": self.proof.to_json()}


def run_row(session: Session, run_seq: int, meter_id: str, month: str) -> ProvenRow:
    """The row of ``(meter_id, month)`` of run ``run_seq`` with its inclusion proof into the run's
    ``rows_root``.

    ``NotFound``: as :func:`run_rows`, and ``attribution.row_not_found``. ``IntegrityFailure``
    (``attribution.rows_corrupt``) when the stored rows do not give the recorded root.
    """
    payload = _commitment(session, run_seq)
    rows = run_rows(session, run_seq)
    if not any(r.key == (month, meter_id) for r in rows):
        raise NotFound(
            f"run {run_seq} has no row for meter {meter_id!r} in {month}",
            code="attribution.row_not_found",
            seq=run_seq,
            meter=meter_id,
            month=month,
        )
    proof = row_proof(rows, month, meter_id)
    if proof.root.hex() != payload["rows_root"] or proof.size != payload.get("row_count"):
        raise IntegrityFailure(
            f"the stored rows of run {run_seq} give root {proof.root.hex()} over {proof.size} rows; "
            f"the run recorded {payload['rows_root']} over {payload.get('row_count')}",
            code="attribution.rows_corrupt",
            seq=run_seq,
        )
    assert rows_root(rows) == proof.root
    return ProvenRow(run_seq, rows[proof.index], proof)


class RowCollector:
    """Collects the result rows of a run month by month (a ``compute`` sink feeds it) and checks
    them against a commitment."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: list[ResultRow] = []

    def add(self, inputs: MonthInputs, result: MonthResult) -> None:
        """Add the rows of one month (months in order)."""
        used = {u.retirement_id for u in result.certificate_uses if u.units}
        serials = retirement_serials(self.session, used) if used else {}
        self.rows.extend(month_result_rows(inputs, result, serials))

    def root(self) -> str:
        """Hex RFC 9162 root over the rows collected so far."""
        return rows_root(self.rows).hex()

    def check(self, root: str, count: int | None) -> None:
        """``RuleViolation`` (``attribution.rows_mismatch``) unless the rows give ``root`` over
        ``count`` rows."""
        actual = self.root()
        if actual != root or count != len(self.rows):
            raise RuleViolation(
                f"result rows re-computed give root {actual} over {len(self.rows)} rows; "
                f"the entry says {root} over {count}",
                code="attribution.rows_mismatch",
                expected=root,
                actual=actual,
                rows=len(self.rows),
            )
