"""Which ledger entries a certificate rests on.

The evidence of a footprint is what ``traceability.EvidenceGraph.evidence``
returns for its node (as of the footprint's own seq). Two additions make the
set checkable offline:

- a cited verification statement and its signer;
- the **key closure**: for every actor that signed an entry in the set, its
  ``actor.register`` and every ``actor.rotate_key`` up to the checkpoint, and
  the same for whoever signed those, down to the operator's self-registration
  at seq 0 — so the verifier can check every entry's signature.

Adapter (say so: the traceability mapping table still reads ``footprint.publish``
as ``id``/``runs``/``product``/``lots``, while the payload has ``footprint_id``,
``attribution_run_seq``, ``product_id`` and ``lot``): ``graph_entries`` feeds
the graph the ledger's entries with those keys *added* to footprint payloads
(nothing removed), so it works with the table as it is and after it is aligned.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from certificates.errors import NotIssuable
from ledger.entry import Entry
from ledger.log import Ledger
from traceability.errors import TraceabilityError
from traceability.graph import EvidenceGraph

__all__ = ["GraphEntry", "evidence_seqs", "footprint_graph", "graph_entries", "key_closure"]

_KEY_KINDS = frozenset({"actor.register", "actor.rotate_key"})
_CITED_KINDS = frozenset({"footprint.publish", "verification.statement"})


@dataclass(frozen=True)
class GraphEntry:
    """What the evidence graph reads of an entry (``traceability.plan.EntryLike``)."""

    seq: int
    kind: str
    actor: str
    payload: Mapping[str, Any]


def _footprint_aliases(payload: Mapping[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if "id" not in payload and isinstance(payload.get("footprint_id"), str):
        extra["id"] = payload["footprint_id"]
    if "product" not in payload and isinstance(payload.get("product_id"), str):
        extra["product"] = payload["product_id"]
    if "runs" not in payload and isinstance(payload.get("attribution_run_seq"), int):
        extra["runs"] = [str(payload["attribution_run_seq"])]
    return {**payload, **extra}


def graph_entries(entries: Iterable[Entry | GraphEntry]) -> Iterator[GraphEntry]:
    """The entries as graph records, with footprint payload aliases added (see module doc)."""
    for e in entries:
        payload: Mapping[str, Any] = e.payload
        if e.kind == "footprint.publish":
            payload = _footprint_aliases(payload)
        yield GraphEntry(e.seq, e.kind, e.actor, payload)


def _records(rows: Iterable[tuple[int, str]]) -> Iterator[tuple[GraphEntry, str]]:
    """Graph records parsed from stored ``(seq, body)`` rows (plain ``json.loads``: no canonical check)."""
    for seq, body in rows:
        obj = json.loads(body)
        yield GraphEntry(seq, obj["kind"], obj["actor"], obj["payload"]), body


def footprint_graph(ledger: Ledger, size: int) -> EvidenceGraph:
    """The evidence graph of the first ``size`` entries (lenient: entries it cannot map are listed, not fatal)."""
    graph = EvidenceGraph()
    graph.apply(graph_entries(r for r, _ in _records(ledger.rows(0, size))), strict=False)
    return graph


def key_closure(seqs: Iterable[int], entries: Mapping[int, Entry | GraphEntry], size: int) -> set[int]:
    """``seqs`` plus the key entries (``actor.register``/``rotate_key``, seq < ``size``) of every signer.

    Precondition: ``entries`` holds every entry with seq < ``size`` that is an
    ``actor.*`` entry and every entry in ``seqs``.
    """
    by_actor: dict[str, list[int]] = {}
    for seq, e in entries.items():
        if e.kind in _KEY_KINDS and seq < size:
            target = e.payload.get("id") if e.kind == "actor.register" else e.payload.get("actor_id")
            if isinstance(target, str):
                by_actor.setdefault(target, []).append(seq)
    out = set(seqs)
    todo = list(out)
    done_actors: set[str] = set()
    while todo:
        actor = entries[todo.pop()].actor
        if actor in done_actors:
            continue
        done_actors.add(actor)
        for seq in by_actor.get(actor, []):
            if seq not in out:
                out.add(seq)
                todo.append(seq)
    return out


def evidence_seqs(
    ledger: Ledger, footprint_id: str, size: int, *, statement_seq: int | None = None
) -> tuple[list[int], dict[int, Entry]]:
    """The sorted seqs a certificate of ``footprint_id`` rests on, in the tree of ``size``, and those entries.

    Reads the first ``size`` entries once. ``NotIssuable`` if the footprint is
    not among them or the graph cannot take the log.
    """
    graph = EvidenceGraph()
    keep: dict[int, tuple[GraphEntry, str]] = {}

    def feed() -> Iterator[GraphEntry]:
        for record, body in _records(ledger.rows(0, size)):
            if record.kind in _KEY_KINDS or record.kind in _CITED_KINDS:
                keep[record.seq] = (record, body)
            yield record

    try:
        graph.apply(graph_entries(feed()), strict=False)
        seqs = set(graph.evidence(f"footprint:{footprint_id}"))
    except TraceabilityError as e:
        raise NotIssuable(f"no evidence for footprint {footprint_id}: {e}", code="certificate.no_evidence") from e
    if statement_seq is not None:
        seqs.add(statement_seq)
    read: dict[int, Entry] = {}
    for seq in seqs - keep.keys():  # other evidence (meters, batches, runs …): read one by one
        if not 0 <= seq < size:
            raise NotIssuable(f"evidence entry {seq} is not in the tree of {size}", code="certificate.no_evidence")
        read[seq] = ledger.entry(seq)
    records: dict[int, Entry | GraphEntry] = {**{seq: r for seq, (r, _) in keep.items()}, **read}
    closed = key_closure(seqs, records, size)
    # Only the entries that go into the certificate are parsed with the canonical check.
    entries = {seq: read[seq] if seq in read else Entry.from_body(keep[seq][1]) for seq in closed}
    return sorted(closed), entries
