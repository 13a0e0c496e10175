"""Which ledger entries a certificate rests on.

The evidence of a footprint is what the traceability graph's
``EvidenceGraph.evidence`` returns for its node, taken as of the footprint's
own seq (``traceability.ledger_graph.ledger_graph``: built from the log,
cached per database and caught up incrementally). Two additions make the set
checkable offline:

- a cited verification statement;
- the **key closure**: for every actor that signed an entry in the set, its
  ``actor.register`` and every ``actor.rotate_key`` before the checkpoint, and
  the same for whoever signed those, down to the operator's self-registration
  at seq 0 — so the verifier can check every entry's signature and knows the
  key the issuer held when it signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from certificates.errors import NotIssuable
from ledger import Entry, Ledger, entries_of_kind
from traceability.errors import TraceabilityError
from traceability.ledger_graph import ledger_graph

__all__ = ["KeyRecord", "evidence_seqs", "key_closure", "key_records"]

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
    for seq in seqs:
        if not 0 <= seq < size:
            raise NotIssuable(
                f"evidence entry {seq} is not in the tree of {size}", code="certificate.no_evidence"
            )
        out[seq] = Entry.from_body(keys[seq].body) if seq in keys else ledger.entry(seq)
    return out


def evidence_seqs(
    ledger: Ledger, footprint_id: str, size: int, *, statement_seq: int | None = None
) -> tuple[list[int], dict[int, Entry]]:
    """The sorted seqs a certificate of ``footprint_id`` rests on, in the tree of ``size``, and those entries.

    ``NotIssuable`` if the footprint is not in the graph or not in the tree of ``size``.
    """
    try:
        seqs = set(ledger_graph(ledger).evidence(f"footprint:{footprint_id}"))
    except TraceabilityError as e:
        raise NotIssuable(
            f"no evidence for footprint {footprint_id}: {e}", code="certificate.no_evidence"
        ) from e
    if statement_seq is not None:
        seqs.add(statement_seq)
    keys = key_records(ledger, size)
    entries = _entries(ledger, seqs, keys, size)
    closed = key_closure({seq: e.actor for seq, e in entries.items()}, keys)
    entries.update(_entries(ledger, closed - entries.keys(), keys, size))
    return sorted(closed), entries
