"""Re-run a published footprint from the ledger alone: ``tanji footprint verify``.

:func:`check_footprint` reads the ``footprint.publish`` entry, the
``footprint.model`` its publisher recorded under the cited hash, and the
cited run's committed result rows (checked against the run's ``rows_root``
with the ledger's Merkle code), re-computes the footprint (``lca.recompute``,
the rule the ledger applied on append) and compares every figure. It never
raises for a footprint that does not reproduce: the result names the
differing fields, or the input that could not be used.

Who may run it: with ``reader`` given, the model must be readable by that
actor (``lca.model_kind.read_model``: the publisher, the operator, a verifier
granted the publisher's trail).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from lca.kinds import FootprintPublishEntry, get_footprint
from lca.model_kind import read_model
from lca.recompute import Difference, differences, load_inputs, model_meters, recompute
from ledger import LedgerError, NotFound, entry_at, rows_root, run_rows

__all__ = ["FootprintCheck", "check_footprint"]


@dataclass(frozen=True)
class FootprintCheck:
    """Outcome of :func:`check_footprint`: ``same`` when every figure re-computes equal."""

    footprint_id: str
    seq: int
    publisher: str
    model_sha256: str
    attribution_run_seq: int | None
    background_version: str
    same: bool
    differences: tuple[Difference, ...] = ()
    error: dict[str, Any] | None = None
    rows: int = 0
    checks: dict[str, bool] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "footprint_id": self.footprint_id,
            "seq": self.seq,
            "publisher": self.publisher,
            "model_sha256": self.model_sha256,
            "attribution_run_seq": self.attribution_run_seq,
            "background_version": self.background_version,
            "same": self.same,
            "differences": [d.to_json() for d in self.differences],
            "error": self.error,
            "rows": self.rows,
            "checks": dict(self.checks),
        }


def _rows_committed(session: Session, run_seq: int, rows_count: int) -> bool:
    """The run's stored rows give the root and count its entry recorded."""

    entry = entry_at(session, run_seq)
    if entry is None:
        return False
    rows = run_rows(session, run_seq)
    return bool(
        rows_root(rows).hex() == entry.payload.get("rows_root")
        and len(rows) == entry.payload.get("row_count")
        and rows_count <= len(rows)
    )


def check_footprint(session: Session, footprint_id: str, *, reader: str | None = None) -> FootprintCheck:
    """Re-compute footprint ``footprint_id`` from the ledger as ``session`` sees it and compare.

    ``NotFound`` (``footprint.not_found``) for an unknown id; ``ModelForbidden`` when ``reader`` may
    not read the model. Every other failure is in the result (``error``).
    """
    record = get_footprint(session, footprint_id)
    if record is None:
        raise NotFound(f"no footprint {footprint_id}", code="footprint.not_found")
    entry = entry_at(session, record.seq)
    assert entry is not None  # the projection row names its entry
    claimed = FootprintPublishEntry.model_validate(entry.payload)
    if reader is not None:
        read_model(session, claimed.model_sha256, reader, publisher=record.actor)

    def result(same: bool, **rest: Any) -> FootprintCheck:
        return FootprintCheck(
            footprint_id=footprint_id,
            seq=record.seq,
            publisher=record.actor,
            model_sha256=claimed.model_sha256,
            attribution_run_seq=claimed.attribution_run_seq,
            background_version=claimed.background_version,
            same=same,
            **rest,
        )

    checks: dict[str, bool] = {}
    try:
        inputs = load_inputs(session, record.actor, claimed.model_sha256, claimed.attribution_run_seq)
        checks["model.hash"] = inputs.recorded.model.sha256() == claimed.model_sha256
        if model_meters(inputs.recorded.model) and inputs.run_seq is not None:
            checks["rows.committed"] = _rows_committed(session, inputs.run_seq, len(inputs.rows))
        expected = recompute(inputs, lot=claimed.lot)
    except LedgerError as e:
        return result(False, error=e.diagnostics(), checks=checks)
    found = tuple(differences(expected, claimed))
    return result(not found and all(checks.values()), differences=found, rows=len(inputs.rows), checks=checks)
