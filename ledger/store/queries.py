"""Read queries over the log for the other packages, so they never touch the table classes.

DESIGN.md section 2: packages above the ledger reach it through the functions
``ledger/__init__.py`` exports. Each query takes a ``source``: an open
``Session`` (a kind's rule inside the append transaction, or a caller's read
session — the query sees what that transaction sees), a ``Ledger`` or a
``Database`` (the query opens its own read session).

Entries of the batch being appended are not visible to a rule's query until
the batch is written: rows are inserted after every entry of the batch passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeAlias

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ledger.log import merkle
from ledger.log.entry import Entry
from ledger.store.actors import ActorRow
from ledger.store.append import Ledger
from ledger.store.db import Database
from ledger.store.tables import CheckpointRow, LedgerEntryRow, MerkleNodeRow

__all__ = [
    "Source",
    "actors_by_public_key",
    "authors",
    "checkpoint_root",
    "entries_of_kind",
    "entry_at",
    "entry_hash",
    "entry_kind",
    "kind_version",
    "log_size",
    "store_placeholder_log",
]

Source: TypeAlias = Session | Ledger | Database

# Keeps IN lists well under SQLite's and PostgreSQL's parameter limits.
_IN_CHUNK = 500


@contextmanager
def _reading(source: Source) -> Iterator[Session]:
    if isinstance(source, Session):
        yield source
        return
    db = source.db if isinstance(source, Ledger) else source
    with db.read_session() as s:
        yield s


def log_size(source: Source) -> int:
    """The number of entries in the log as ``source`` sees it."""
    with _reading(source) as s:
        last = s.scalar(select(func.max(LedgerEntryRow.seq)))
    return 0 if last is None else int(last) + 1


def entry_at(source: Source, seq: int) -> Entry | None:
    """The entry at ``seq``, or None when the log has none there."""
    with _reading(source) as s:
        body = s.scalar(select(LedgerEntryRow.body).where(LedgerEntryRow.seq == seq))
    return None if body is None else Entry.from_body(body)


def entries_at(source: Source, seqs: Iterable[int]) -> dict[int, Entry]:
    """seq -> entry for those of ``seqs`` that are in the log (one query per 500 seqs)."""
    wanted = sorted(set(seqs))
    out: dict[int, Entry] = {}
    with _reading(source) as s:
        for i in range(0, len(wanted), _IN_CHUNK):
            part = wanted[i : i + _IN_CHUNK]
            for body in s.scalars(select(LedgerEntryRow.body).where(LedgerEntryRow.seq.in_(part))):
                e = Entry.from_body(body)
                out[e.seq] = e
    return out


def entry_kind(source: Source, seq: int) -> str | None:
    """The kind of the entry at ``seq``, or None; reads one column, parses nothing."""
    with _reading(source) as s:
        found: str | None = s.scalar(select(LedgerEntryRow.kind).where(LedgerEntryRow.seq == seq))
    return found


def entry_hash(source: Source, seq: int) -> str | None:
    """The stored hash (hex) of the entry at ``seq``, or None; reads one column, parses nothing."""
    with _reading(source) as s:
        found: str | None = s.scalar(select(LedgerEntryRow.hash).where(LedgerEntryRow.seq == seq))
    return found


def entries_of_kind(
    source: Source, kinds: str | Iterable[str], *, start: int = 0, end: int | None = None
) -> list[Entry]:
    """Entries of ``kinds`` (one kind or several) with ``start <= seq < end``, in seq order.

    One indexed query on the kind column.
    """
    wanted = [kinds] if isinstance(kinds, str) else sorted(set(kinds))
    q = select(LedgerEntryRow.body).where(LedgerEntryRow.kind.in_(wanted), LedgerEntryRow.seq >= start)
    if end is not None:
        q = q.where(LedgerEntryRow.seq < end)
    with _reading(source) as s:
        bodies = s.scalars(q.order_by(LedgerEntryRow.seq)).all()
    return [Entry.from_body(b) for b in bodies]


def kind_version(source: Source, kind: str) -> tuple[int | None, int]:
    """(newest seq, count) of the entries of ``kind``: changes exactly when one is appended."""
    with _reading(source) as s:
        row = s.execute(
            select(func.max(LedgerEntryRow.seq), func.count()).where(LedgerEntryRow.kind == kind)
        ).one()
    return (None if row[0] is None else int(row[0]), int(row[1]))


def authors(source: Source, seqs: Iterable[int]) -> dict[int, str]:
    """seq -> submitting actor for those of ``seqs`` that are in the log."""
    wanted = sorted(set(seqs))
    out: dict[int, str] = {}
    with _reading(source) as s:
        for i in range(0, len(wanted), _IN_CHUNK):
            part = wanted[i : i + _IN_CHUNK]
            rows = s.execute(
                select(LedgerEntryRow.seq, LedgerEntryRow.actor).where(LedgerEntryRow.seq.in_(part))
            )
            out.update((int(seq), str(actor)) for seq, actor in rows)
    return out


def kinds_of(source: Source, seqs: Iterable[int]) -> dict[int, str]:
    """seq -> entry kind for those of ``seqs`` that are in the log (one indexed query per chunk)."""
    wanted = sorted(set(seqs))
    out: dict[int, str] = {}
    with _reading(source) as s:
        for i in range(0, len(wanted), _IN_CHUNK):
            part = wanted[i : i + _IN_CHUNK]
            q = select(LedgerEntryRow.seq, LedgerEntryRow.kind).where(LedgerEntryRow.seq.in_(part))
            rows = s.execute(q)
            out.update((int(seq), str(kind)) for seq, kind in rows)
    return out


def checkpoint_root(source: Source, size: int) -> str | None:
    """The root hash (hex) of the stored checkpoint for exactly ``size`` entries, or None."""
    with _reading(source) as s:
        root: str | None = s.scalar(select(CheckpointRow.root_hash).where(CheckpointRow.size == size))
    return root


def actors_by_public_key(source: Source, public_key: str) -> list[str]:
    """Ids of the registered actors whose *current* key is ``public_key`` (base64), sorted."""
    with _reading(source) as s:
        return sorted(s.scalars(select(ActorRow.actor_id).where(ActorRow.public_key == public_key)))


def store_placeholder_log(db: Database, leaves: list[bytes], *, chunk: int = 50_000) -> None:
    """Store a synthetic log for proof benchmarks: ``leaves`` as entry hashes, and their Merkle nodes.

    The bodies are placeholders (``{}``) and no checkpoint is written: the
    result is *not* a valid ledger (``verify`` fails); ``Ledger.root`` and the
    proofs work on it. Precondition: ``db`` is migrated and its log is empty.
    """
    nodes, _ = merkle.append_leaves([], 0, leaves)
    n = len(leaves)
    with db.write_session() as s:
        for i in range(0, n, chunk):
            s.execute(
                insert(LedgerEntryRow),
                [
                    {
                        "seq": j,
                        "kind": "bench.placeholder",
                        "actor": "bench",
                        "client_id": None,
                        "body": "{}",
                        "hash": leaves[j].hex(),
                        "signed_digest": f"{j:064x}",
                    }
                    for j in range(i, min(n, i + chunk))
                ],
            )
        for i in range(0, len(nodes), chunk):
            s.execute(
                insert(MerkleNodeRow),
                [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes[i : i + chunk]],
            )
