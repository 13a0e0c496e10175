"""What an append reads under the writer lock before it checks its batch, in one statement.

The log's head (its size and last entry hash), which of the batch's signed
digests are in the log already (replays), where its ``(actor, client_id)``
pairs were placed before (idempotent retries), and the actors it names.
These four reads were four statements; a single append spent more time on
their round trips and on building them than on the work itself, so they go
as one ``UNION ALL`` of plain SQL, one row shape tagged by what it answers.
A batch naming more than ``IN_CHUNK`` of any of them takes one statement per
chunk, the head in the first.

``Tip`` is what the writer remembers of the tree it left behind: an append
under the lock uses it only when the head it has just read is the tip's (same
size and same last hash; the hash chains every earlier entry, so the leaves and
the frontier are the same too), and reads the frontier from storage otherwise
(another process appended in between).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.log.entry import GENESIS_PREV
from ledger.store.actors import Actor

# Keeps IN lists well under SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 500


@dataclass(frozen=True)
class Head:
    """The log's size and the hash of its last entry (``GENESIS_PREV`` when empty)."""

    size: int
    last_hash: str


@dataclass(frozen=True)
class Tip:
    """The head a writer left and the hashes of its Merkle frontier (``merkle.frontier_subtrees``)."""

    head: Head
    frontier: tuple[bytes, ...]


@dataclass(frozen=True)
class Placed:
    """An earlier entry with a client id: its signed digest, seq and hash."""

    digest: str
    seq: int
    hash: str


@dataclass
class BatchLookup:
    """The head and what the log holds already of one batch's digests, client ids and actors."""

    head: Head
    digests: set[str] = field(default_factory=set)
    by_client_id: dict[tuple[str, str], Placed] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)


_HEAD_SQL = "SELECT seq, hash FROM ledger_entries WHERE seq = (SELECT max(seq) FROM ledger_entries)"


def read_head(s: Session) -> Head:
    """The log's head as ``s`` sees it."""
    row = s.connection().execute(text(_HEAD_SQL)).first()
    return Head(0, GENESIS_PREV) if row is None else Head(int(row[0]) + 1, str(row[1]))


def lookup_batch(
    s: Session, digests: Sequence[str], client_ids: Sequence[tuple[str, str]], actor_ids: Sequence[str]
) -> BatchLookup:
    """Read the head and the log's rows for ``digests`` (signed digests), ``client_ids`` ((actor,
    client_id) pairs) and ``actor_ids`` in one statement per ``IN_CHUNK`` of each.

    Runs on ``s``'s connection (Core, no ORM flush): call it before anything is queued in the batch.
    """
    ds, cs, as_ = sorted(set(digests)), sorted(set(client_ids)), sorted(set(actor_ids))
    out = BatchLookup(Head(0, GENESIS_PREV))
    connection = s.connection()
    rounds = max(1, *((len(x) + IN_CHUNK - 1) // IN_CHUNK for x in (ds, cs, as_)))
    for r in range(rounds):
        sql, params = _statement(
            first=r == 0,
            digests=ds[r * IN_CHUNK : (r + 1) * IN_CHUNK],
            client_ids=cs[r * IN_CHUNK : (r + 1) * IN_CHUNK],
            actor_ids=as_[r * IN_CHUNK : (r + 1) * IN_CHUNK],
        )
        if connection.dialect.name == "sqlite":  # sqlite3 reads ``:name`` itself: no SQLAlchemy layer
            driver = connection.connection.driver_connection
            assert driver is not None
            rows = driver.execute(sql, params).fetchall()
        else:
            rows = connection.execute(text(sql), params).all()
        for tag, n, a, b, c, d, e in rows:
            if tag == "h":
                out.head = Head(int(n) + 1, str(a))
            elif tag == "d":
                out.digests.add(str(a))
            elif tag == "c":
                out.by_client_id[(str(c), str(d))] = Placed(str(b), int(n), str(a))
            else:
                out.actors[str(a)] = Actor(str(a), str(b), str(c), str(e), None if d is None else str(d))
    return out


def _statement(
    *, first: bool, digests: list[str], client_ids: list[tuple[str, str]], actor_ids: list[str]
) -> tuple[str, dict[str, str]]:
    # Every part answers the same seven columns: tag, an integer, five strings.
    parts: list[str] = []
    params: dict[str, str] = {}
    if first:
        parts.append(
            "SELECT 'h' AS tag, seq AS n, hash AS a, NULL AS b, NULL AS c, NULL AS d, NULL AS e "
            "FROM ledger_entries WHERE seq = (SELECT max(seq) FROM ledger_entries)"
        )
    if digests:
        names = _bind(params, "d", digests)
        parts.append(
            "SELECT 'd', seq, signed_digest, NULL, NULL, NULL, NULL "
            f"FROM ledger_entries WHERE signed_digest IN ({names})"
        )
    if client_ids:
        actors = _bind(params, "ca", [a for a, _ in client_ids]).split(", ")
        ids = _bind(params, "ci", [c for _, c in client_ids]).split(", ")
        # OR of pairs, not a row-value IN: SQLite scans the whole table for that one
        pairs = " OR ".join(f"(actor = {a} AND client_id = {c})" for a, c in zip(actors, ids, strict=True))
        parts.append(
            f"SELECT 'c', seq, hash, signed_digest, actor, client_id, NULL FROM ledger_entries WHERE {pairs}"
        )
    if actor_ids:
        names = _bind(params, "a", actor_ids)
        parts.append(
            "SELECT 'a', registered_seq, actor_id, name, role, uscc, public_key "
            f"FROM actors WHERE actor_id IN ({names})"
        )
    return " UNION ALL ".join(parts), params


def _bind(params: dict[str, str], prefix: str, values: list[str]) -> str:
    """Add ``values`` as bound parameters ``prefix0, prefix1, …``; their placeholders, comma-separated."""
    for i, v in enumerate(values):
        params[f"{prefix}{i}"] = v
    return ", ".join(f":{prefix}{i}" for i in range(len(values)))
