"""Committed attribution results: one canonical row per (consumer meter, month), a Merkle root over them.

An ``attribution.run`` commits to its result twice: the month hashes
(:mod:`ledger.attribution.encoding`, every hour of every meter) and, since
rows format 1, an RFC 9162 Merkle root over **result rows** -- one per
consumer meter and park-local month, sorted by ``(month, meter_id)``. A row
holds what a footprint, a certificate or a buyer needs of one meter-month,
and nothing of anyone else's:

- Wh of each class: ``consumption``, ``direct`` (physical) and its
  ``claimable_direct`` part, ``contracted`` and ``claimable_contracted``,
  ``certificate``, ``grid``; ``hourly_matched`` (Σ_h min(C_h, direct_h +
  contracted_h), :func:`ledger.attribution.shares.hourly_matched_wh`) and the
  ``gap_hours`` without readings;
- the green Wh by technology of each green class (``by_technology``);
- the GEC serial ranges given to the meter that month (``gec``): each
  retirement's serial pieces, in serial order, are dealt to its meters in
  meter-id order, as many units each as the attribution gave them.

The row's bytes are its RFC 8785 JSON (:meth:`ResultRow.canonical_bytes`);
its leaf hash is RFC 9162's ``SHA-256(0x00 ‖ bytes)`` and the root is the
ledger's own Merkle tree head over the leaves (:mod:`ledger.log.merkle`), so
one row can be shown with an inclusion proof (:func:`row_proof`) and checked
with :func:`verify_row` without disclosing any other row.

Everything here is pure; :mod:`ledger.attribution.row_store` keeps the rows
of recorded runs and reads the GEC serials.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ledger.attribution.records import MonthInputs
from ledger.attribution.result import MonthResult
from ledger.attribution.totals import meter_totals, technology_totals
from ledger.errors import ProofError
from ledger.log import merkle
from ledger.log.canonical import canonical_bytes

__all__ = [
    "GREEN_KINDS",
    "ROWS_FORMAT",
    "ROW_FORMAT",
    "GecRange",
    "ResultRow",
    "RowProof",
    "month_result_rows",
    "root_from_row_proof",
    "row_proof",
    "rows_root",
    "verify_row",
]

#: Format of one row's JSON (its ``format`` field).
ROW_FORMAT: Final = "tanji.attribution.row/1"
#: Format of the commitment an ``attribution.run`` records (``rows_format``): the sort order and
#: the RFC 9162 tree over :data:`ROW_FORMAT` rows.
ROWS_FORMAT: Final = "tanji.attribution.rows/1"
#: The green classes of ``by_technology``, in order.
GREEN_KINDS = ("direct", "claimable_direct", "contracted", "claimable_contracted", "certificate")

_WH_FIELDS = (
    "consumption_wh",
    "direct_wh",
    "claimable_direct_wh",
    "contracted_wh",
    "claimable_contracted_wh",
    "certificate_wh",
    "grid_wh",
    "hourly_matched_wh",
    "gap_hours",
)


@dataclass(frozen=True)
class GecRange:
    """Serials ``first..last`` (inclusive) of one GEC retirement given to a meter-month."""

    first: int
    last: int
    retire_seq: int
    generator: str
    technology: str
    vintage: str

    def __post_init__(self) -> None:
        if not 0 <= self.first <= self.last:
            raise ValueError(f"serial range {self.first}..{self.last} is reversed or negative")

    @property
    def units(self) -> int:
        return self.last - self.first + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "last": self.last,
            "retire_seq": self.retire_seq,
            "generator": self.generator,
            "technology": self.technology,
            "vintage": self.vintage,
        }


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {value!r}")
    return value


@dataclass(frozen=True)
class ResultRow:
    """One consumer meter's attribution in one park-local month (Wh; ``gap_hours`` in hours).

    Invariants (checked on construction, ``ValueError`` naming the values):
    ``direct + contracted + certificate + grid = consumption``; each claimable
    part is at most its physical class; ``by_technology`` of each green class
    sums to that class; ``hourly_matched <= consumption``.
    """

    month: str
    meter_id: str
    consumption_wh: int
    direct_wh: int
    claimable_direct_wh: int
    contracted_wh: int
    claimable_contracted_wh: int
    certificate_wh: int
    grid_wh: int
    hourly_matched_wh: int
    gap_hours: int
    by_technology: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    gec: tuple[GecRange, ...] = ()

    def __post_init__(self) -> None:
        for name in _WH_FIELDS:
            _int(getattr(self, name), name)
        where = f"row {self.meter_id} {self.month}"
        parts = self.direct_wh + self.contracted_wh + self.certificate_wh + self.grid_wh
        if parts != self.consumption_wh:
            raise ValueError(
                f"{where}: direct + contracted + certificate + grid = {parts} Wh, "
                f"consumption is {self.consumption_wh} Wh"
            )
        if self.claimable_direct_wh > self.direct_wh or self.claimable_contracted_wh > self.contracted_wh:
            raise ValueError(f"{where}: a claimable part exceeds its physical class")
        if self.hourly_matched_wh > self.consumption_wh:
            raise ValueError(f"{where}: hourly-matched {self.hourly_matched_wh} Wh exceeds consumption")
        unknown = set(self.by_technology) - set(GREEN_KINDS)
        if unknown:
            raise ValueError(f"{where}: unknown green classes {sorted(unknown)}")
        frozen: dict[str, Mapping[str, int]] = {}
        for kind in GREEN_KINDS:
            techs = {
                str(t): _int(wh, f"{where} {kind}[{t}]") for t, wh in self.by_technology.get(kind, {}).items()
            }
            if sum(techs.values()) != getattr(self, f"{kind}_wh"):
                raise ValueError(
                    f"{where}: {kind} by technology sums to {sum(techs.values())} Wh, "
                    f"the row says {getattr(self, f'{kind}_wh')} Wh"
                )
            frozen[kind] = dict(sorted((t, wh) for t, wh in techs.items() if wh))
        object.__setattr__(self, "by_technology", frozen)
        object.__setattr__(self, "gec", tuple(sorted(self.gec, key=lambda g: (g.first, g.retire_seq))))

    @property
    def key(self) -> tuple[str, str]:
        """The sort key of the row in its run: ``(month, meter_id)``."""
        return self.month, self.meter_id

    @property
    def gec_backed_wh(self) -> int:
        """Claimable direct + claimable contracted + certificate (``shares.gec_backed_wh``)."""
        return self.claimable_direct_wh + self.claimable_contracted_wh + self.certificate_wh

    def to_json(self) -> dict[str, Any]:
        """The row as JSON (what :meth:`canonical_bytes` encodes)."""
        out: dict[str, Any] = {"format": ROW_FORMAT, "month": self.month, "meter": self.meter_id}
        out.update({name: getattr(self, name) for name in _WH_FIELDS})
        out["by_technology"] = {k: dict(v) for k, v in self.by_technology.items()}
        out["gec"] = [g.to_json() for g in self.gec]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResultRow:
        """Parse a row's JSON; ``ValueError`` when it is not a row of :data:`ROW_FORMAT`."""
        try:
            if data.get("format") != ROW_FORMAT:
                raise ValueError(f"row format {data.get('format')!r} is not {ROW_FORMAT!r}")
            expected = {"format", "month", "meter", "by_technology", "gec", *_WH_FIELDS}
            if set(data) != expected:
                raise ValueError(f"row fields {sorted(set(data) ^ expected)} missing or unexpected")
            return cls(
                month=str(data["month"]),
                meter_id=str(data["meter"]),
                **{name: data[name] for name in _WH_FIELDS},
                by_technology={str(k): dict(v) for k, v in dict(data["by_technology"]).items()},
                gec=tuple(GecRange(**g) for g in data["gec"]),
            )
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"not an attribution row: {e!r}") from e

    def canonical_bytes(self) -> bytes:
        """RFC 8785 (JCS) bytes of :meth:`to_json`: the leaf data of the row."""
        return canonical_bytes(self.to_json())  # the ledger's one canonicaliser (same bytes, faster)

    def leaf_hash(self) -> bytes:
        """RFC 9162 leaf hash of the row: SHA-256(0x00 ‖ canonical bytes)."""
        return merkle.leaf_hash(self.canonical_bytes())


def _deal(
    result: MonthResult, serials: Mapping[str, Sequence[tuple[int, int]]], inputs: MonthInputs
) -> dict[str, list[GecRange]]:
    """Each retirement's serial pieces dealt to its meters in meter-id order, ``units`` each."""
    by_id = {r.retirement_id: r for r in inputs.retirements}
    uses: dict[str, list[tuple[str, int]]] = {}
    for u in result.certificate_uses:
        if u.units:
            uses.setdefault(u.retirement_id, []).append((u.meter_id, u.units))
    out: dict[str, list[GecRange]] = {}
    for rid, given in sorted(uses.items()):
        if rid not in serials:
            raise ValueError(f"no serial ranges known for retirement {rid!r}")
        r = by_id[rid]
        retire_seq = int(rid.split("/", 1)[0])
        pieces = [list(p) for p in sorted(serials[rid])]
        for meter_id, units in sorted(given):
            need = units
            while need:
                if not pieces:
                    raise ValueError(f"retirement {rid!r} has fewer serials than the units it gave")
                first, last = pieces[0]
                take = min(need, last - first + 1)
                out.setdefault(meter_id, []).append(
                    GecRange(first, first + take - 1, retire_seq, r.generator_id, r.technology, r.vintage)
                )
                need -= take
                if first + take > last:
                    pieces.pop(0)
                else:
                    pieces[0][0] = first + take
    return out


def month_result_rows(
    inputs: MonthInputs, result: MonthResult, serials: Mapping[str, Sequence[tuple[int, int]]]
) -> list[ResultRow]:
    """The rows of one month: one per consumer meter of ``result``, sorted by meter id.

    Preconditions: ``result`` was computed from ``inputs``; ``serials`` maps the
    id of every retirement that gave units to a meter to its retired serial
    pieces ``(first, last)`` (``ValueError`` naming the retirement otherwise).
    """
    totals: dict[str, dict[Any, Any]] = {
        str(r["meter_id"]): r for r in meter_totals(result).to_dict(orient="records")
    }
    techs = technology_totals(inputs, result)
    by_tech: dict[str, dict[str, dict[str, int]]] = {}
    for meter_id, kind, tech, wh in techs[["meter_id", "kind", "technology", "wh"]].itertuples(index=False):
        by_tech.setdefault(str(meter_id), {}).setdefault(str(kind), {})[str(tech)] = int(wh)
    gec = _deal(result, serials, inputs)
    rows = []
    for meter_id in sorted(result.consumer_ids):
        t = totals[meter_id]
        rows.append(
            ResultRow(
                month=result.month,
                meter_id=meter_id,
                **{name: int(t[name]) for name in _WH_FIELDS},
                by_technology=by_tech.get(meter_id, {}),
                gec=tuple(gec.get(meter_id, ())),
            )
        )
    return rows


def _leaves(rows: Sequence[ResultRow]) -> list[bytes]:
    keys = [r.key for r in rows]
    if keys != sorted(set(keys)):
        raise ProofError("rows must be sorted by (month, meter_id) without repeats")
    return [r.leaf_hash() for r in rows]


def rows_root(rows: Sequence[ResultRow]) -> bytes:
    """RFC 9162 Merkle tree head over the rows' leaf hashes.

    Precondition: ``rows`` sorted by ``(month, meter_id)``, no key twice (``ProofError``).
    """
    return merkle.root(_leaves(rows))


@dataclass(frozen=True)
class RowProof:
    """An inclusion proof of one row (leaf ``index`` of ``size``) into a run's rows root."""

    index: int
    size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    root: bytes

    def to_json(self) -> dict[str, Any]:
        """Hex-encoded form (CLI, API, certificates)."""
        return {
            "index": self.index,
            "size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "path": [h.hex() for h in self.path],
            "root": self.root.hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RowProof:
        """Parse :meth:`to_json`; ``ValueError`` when malformed."""
        try:
            return cls(
                int(data["index"]),
                int(data["size"]),
                bytes.fromhex(str(data["leaf_hash"])),
                tuple(bytes.fromhex(str(h)) for h in data["path"]),
                bytes.fromhex(str(data["root"])),
            )
        except (KeyError, TypeError) as e:
            raise ValueError(f"not a row proof: {e!r}") from e


def row_proof(rows: Sequence[ResultRow], month: str, meter_id: str) -> RowProof:
    """The inclusion proof of the row of ``(month, meter_id)`` among ``rows``.

    Preconditions: as :func:`rows_root`; the row exists (``ProofError`` naming it).
    """
    leaves = _leaves(rows)
    index = next((i for i, r in enumerate(rows) if r.key == (month, meter_id)), None)
    if index is None:
        raise ProofError(f"no row for meter {meter_id!r} in {month} among {len(rows)} rows")
    path = merkle.inclusion_proof(leaves, index)
    return RowProof(index, len(leaves), leaves[index], tuple(path), merkle.root(leaves))


def root_from_row_proof(row: ResultRow, proof: RowProof) -> bytes:
    """The root ``proof`` leads to from ``row`` (``ProofError`` for a malformed proof or a row
    whose leaf hash is not the proof's)."""
    leaf = row.leaf_hash()
    if not hmac.compare_digest(leaf, proof.leaf_hash):
        raise ProofError(f"row {row.meter_id} {row.month} does not hash to the proof's leaf")
    return merkle.root_from_inclusion_proof(leaf, proof.index, proof.size, proof.path)


def verify_row(row: ResultRow, proof: RowProof, root: bytes | str, size: int) -> bool:
    """Whether ``row`` is leaf ``proof.index`` of the tree of ``size`` rows with head ``root`` (bytes
    or hex): ``root`` and ``size`` are the run's commitment (``rows_root``, ``row_count``), never the
    proof's own -- an RFC 9162 path may also fit a tree of another size. Never raises for bad evidence."""
    try:
        want = bytes.fromhex(root) if isinstance(root, str) else root
        return proof.size == size and hmac.compare_digest(root_from_row_proof(row, proof), want)
    except (ProofError, ValueError):
        return False
