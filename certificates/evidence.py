"""Which ledger entries and attribution rows a certificate carries: what its claims rest on, nothing more.

The evidence of a certificate of footprint ``F`` by issuer ``I``, in the tree of the checkpoint it
is pinned to (``select_evidence``):

- the ``footprint.publish`` entry of ``F`` (which the ledger re-computed on append; the model is
  named by its hash only);
- the ``attribution.run`` entry ``F`` cites, and — when ``F`` names a lot whose ``lot.produce``
  (by ``I``) lists meters — that ``lot.produce`` entry and ``I``'s committed result rows of those
  meters for every park-local month of ``F``'s period, with one multiproof into the run's
  ``rows_root`` (``ledger.log.multiproof``): the rows re-derive the green figures
  (``certificates.green``);
- the ``gec.retire`` entries the rows' GEC ranges name (the retirements backing the claims; their
  issue and transfer chain is summarised by the rows' serial ranges, not carried);
- a cited verification statement;
- the **key closure**: for every actor that signed an entry in the set, its ``actor.register`` and
  every ``actor.rotate_key`` before the checkpoint, and the same for whoever signed those, down to
  the operator's self-registration at seq 0 — so the verifier can check every entry's signature
  and knows the key the issuer held when it signed.

No readings, meters or rows of anyone else: what another enterprise authored appears only where
the claim rests on it (a retirement made for the issuer, a registrar's key registration). All
entries are proven together by one multiproof against the checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from certificates.errors import NotIssuable
from certificates.green import LotBasis, declared_unit_green, derive_green, period_months
from lca.kinds import get_footprint
from ledger import Entry, Ledger, ResultRow, entries_at, entries_of_kind, run_rows
from ledger.log.multiproof import multiproof

__all__ = [
    "KeyRecord",
    "SelectedEvidence",
    "evidence_seqs",
    "green_of_footprint",
    "key_closure",
    "key_records",
    "select_evidence",
]

KEY_KINDS = frozenset({"actor.register", "actor.rotate_key"})


@dataclass(frozen=True)
class KeyRecord:
    """An ``actor.*`` entry as the key closure reads it: seq, signer, the actor whose key it sets."""

    seq: int
    actor: str
    target: str
    body: str


def key_records(ledger: Ledger, size: int) -> dict[int, KeyRecord]:
    """Every ``actor.register``/``actor.rotate_key`` entry with seq < ``size`` (one indexed query)."""
    out: dict[int, KeyRecord] = {}
    for e in entries_of_kind(ledger, KEY_KINDS, end=size):
        target = e.payload.get("id") if e.kind == "actor.register" else e.payload.get("actor_id")
        if isinstance(target, str):
            out[e.seq] = KeyRecord(e.seq, e.actor, target, e.body)
    return out


def key_closure(signers: Mapping[int, str], keys: Mapping[int, KeyRecord]) -> set[int]:
    """The seqs of ``signers`` (seq → signing actor) plus the key entries of every signer, transitively.

    Precondition: ``keys`` holds every key entry before the checkpoint (``key_records``).
    """
    by_actor: dict[str, list[int]] = {}
    for seq, k in keys.items():
        by_actor.setdefault(k.target, []).append(seq)
    out = set(signers)
    todo = list(signers.values())
    done: set[str] = set()
    while todo:
        actor = todo.pop()
        if actor in done:
            continue
        done.add(actor)
        for seq in by_actor.get(actor, []):
            if seq not in out:
                out.add(seq)
                todo.append(keys[seq].actor)
    return out


def _entries(
    ledger: Ledger, seqs: Iterable[int], keys: Mapping[int, KeyRecord], size: int
) -> dict[int, Entry]:
    out: dict[int, Entry] = {}
    wanted = set(seqs)
    for seq in wanted:
        if not 0 <= seq < size:
            raise NotIssuable(
                f"evidence entry {seq} is not in the tree of {size}", code="certificate.no_evidence"
            )
        if seq in keys:
            out[seq] = Entry.from_body(keys[seq].body)
    out.update(entries_at(ledger, wanted - out.keys()))  # one read for the rest
    return out


@dataclass(frozen=True)
class SelectedEvidence:
    """The evidence of one certificate: entries and their multiproof, rows and theirs, the lot basis."""

    size: int
    entries: dict[int, Entry]
    proof: list[bytes]
    run_seq: int | None
    rows: list[tuple[int, ResultRow]]  # (leaf index in the run, row), in index order
    row_proof: list[bytes]
    basis: LotBasis | None

    @property
    def seqs(self) -> list[int]:
        return sorted(self.entries)


def _lot_entry(ledger: Ledger, lot: str, issuer: str, size: int) -> Entry | None:
    """The issuer's one ``lot.produce`` of ``lot`` that lists meters, before ``size``; None when there is
    none (or several: their shares hold over different periods, which one basis cannot say)."""
    found = [
        e
        for e in entries_of_kind(ledger, "lot.produce", end=size)
        if e.actor == issuer and e.payload.get("lot_id") == lot and e.payload.get("meters")
    ]
    return found[0] if len(found) == 1 else None


def _rows(ledger: Ledger, run_seq: int, basis: LotBasis) -> tuple[list[tuple[int, ResultRow]], list[bytes]]:
    with ledger.db.read_session() as s:
        every = run_rows(s, run_seq)
    where = {r.key: i for i, r in enumerate(every)}
    chosen = []
    for meter, _ in basis.meters:
        for month in basis.months:
            index = where.get((month, meter))
            if index is None:
                raise NotIssuable(
                    f"attribution run {run_seq} has no committed row of meter {meter} in {month}",
                    code="certificate.rows_missing",
                    meter=meter,
                    month=month,
                )
            chosen.append((index, every[index]))
    chosen.sort(key=lambda x: x[0])
    proof = multiproof([r.leaf_hash() for r in every], [i for i, _ in chosen])
    return chosen, proof


def select_evidence(
    ledger: Ledger, footprint_id: str, size: int, *, statement_seq: int | None = None
) -> SelectedEvidence:
    """The evidence of a certificate of ``footprint_id`` in the tree of ``size`` (module docstring).

    ``NotIssuable``: ``certificate.footprint_unknown``, ``certificate.no_evidence`` (an entry outside
    the tree), ``certificate.rows_missing`` (the run has no row for a lot meter-month).
    """
    with ledger.db.read_session() as s:
        fp = get_footprint(s, footprint_id)
    if fp is None:
        raise NotIssuable(f"footprint {footprint_id} is not published", code="certificate.footprint_unknown")
    keys = key_records(ledger, size)
    publish = _entries(ledger, [fp.seq], keys, size)[fp.seq]
    payload = publish.payload
    run_seq = payload.get("attribution_run_seq")
    seqs = {fp.seq} | ({run_seq} if isinstance(run_seq, int) else set())
    if statement_seq is not None:
        seqs.add(statement_seq)
    lot = payload.get("lot")
    lot_entry = _lot_entry(ledger, lot, fp.actor, size) if isinstance(lot, str) else None
    basis = None
    rows: list[tuple[int, ResultRow]] = []
    row_proof: list[bytes] = []
    if lot_entry is not None and isinstance(run_seq, int):
        months = period_months(str(payload["period_start"]), str(payload["period_end"]))
        basis = LotBasis.of(str(lot), lot_entry.payload["meters"], months)
        rows, row_proof = _rows(ledger, run_seq, basis)
        seqs.add(lot_entry.seq)
        seqs |= {g.retire_seq for _, r in rows for g in r.gec}
    entries = _entries(ledger, seqs, keys, size)
    closed = key_closure({seq: e.actor for seq, e in entries.items()}, keys)
    entries.update(_entries(ledger, closed - entries.keys(), keys, size))
    return SelectedEvidence(
        size=size,
        entries=entries,
        proof=ledger.multiproof(sorted(entries), size),
        run_seq=run_seq if isinstance(run_seq, int) else None,
        rows=rows,
        row_proof=row_proof,
        basis=basis,
    )


def evidence_seqs(
    ledger: Ledger, footprint_id: str, size: int, *, statement_seq: int | None = None
) -> tuple[list[int], dict[int, Entry]]:
    """The sorted seqs a certificate of ``footprint_id`` rests on, in the tree of ``size``, and those
    entries (:func:`select_evidence` without the rows and proofs)."""
    selected = select_evidence(ledger, footprint_id, size, statement_seq=statement_seq)
    return selected.seqs, selected.entries


def green_of_footprint(ledger: Ledger, footprint_id: str) -> dict[str, Any]:
    """The ``green_electricity`` a certificate of ``footprint_id`` issued now states (labels, pages):
    derived from the lot's rows, else from the footprint's electricity per declared unit."""
    with ledger.db.read_session() as s:
        fp = get_footprint(s, footprint_id)
    if fp is None:
        raise NotIssuable(f"footprint {footprint_id} is not published", code="certificate.footprint_unknown")
    payload = ledger.entry(fp.seq).payload
    size = ledger.size()
    lot, run_seq = payload.get("lot"), payload.get("attribution_run_seq")
    lot_entry = _lot_entry(ledger, lot, fp.actor, size) if isinstance(lot, str) else None
    if lot_entry is None or not isinstance(run_seq, int):
        return declared_unit_green(payload["results"]["electricity"])
    months = period_months(str(payload["period_start"]), str(payload["period_end"]))
    basis = LotBasis.of(str(lot), lot_entry.payload["meters"], months)
    rows, _ = _rows(ledger, run_seq, basis)
    return derive_green(basis, [r for _, r in rows])
