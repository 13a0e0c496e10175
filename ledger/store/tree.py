"""The stored Merkle tree: reading perfect-subtree hashes for proofs and for the append's frontier,
and the proofs as values.

Leaves are the entries' hashes in ``ledger_entries``; complete subtrees of
level ≥ 1 are rows of ``merkle_nodes``. Proof reads run at every API request
and the frontier read at every append: the SQL is written out directly (every
value is an int we computed, so nothing is interpolated from outside) because
building the expression with SQLAlchemy costs more than the query itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.errors import NotFound
from ledger.log import merkle


@dataclass(frozen=True)
class InclusionProof:
    """An RFC 9162 inclusion proof of entry ``seq`` in the tree of ``size`` entries."""

    seq: int
    size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    root: bytes

    def to_json(self) -> dict[str, object]:
        """Hex-encoded form for the CLI, API and certificates."""
        return {
            "seq": self.seq,
            "size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "path": [h.hex() for h in self.path],
            "root": self.root.hex(),
        }


@dataclass(frozen=True)
class ConsistencyProof:
    """An RFC 9162 consistency proof from ``old_size`` to ``new_size``."""

    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    path: tuple[bytes, ...]

    def to_json(self) -> dict[str, object]:
        """Hex-encoded form for the CLI, API and certificates."""
        return {
            "old_size": self.old_size,
            "new_size": self.new_size,
            "old_root": self.old_root.hex(),
            "new_root": self.new_root.hex(),
            "path": [h.hex() for h in self.path],
        }


def fetch_nodes(s: Session, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
    """Hashes of perfect subtrees (level, idx): leaves from the log, the rest from merkle_nodes.

    ``NotFound`` (``merkle.node_missing``) when one is not stored.
    """
    leaves = [ix for lv, ix in nodes if lv == 0]
    inner = [(lv, ix) for lv, ix in nodes if lv > 0]
    got: dict[tuple[int, int], bytes] = {}
    if leaves:
        q = f"SELECT seq, hash FROM ledger_entries WHERE seq IN ({','.join(str(int(i)) for i in leaves)})"
        for seq, hex_hash in s.execute(text(q)):
            got[(0, int(seq))] = bytes.fromhex(hex_hash)
    if inner:
        by_level: dict[int, list[int]] = {}
        for lv, ix in inner:
            by_level.setdefault(int(lv), []).append(int(ix))
        # One (level = L AND idx IN …) term per level: both SQLite and PostgreSQL
        # answer it from the primary key, which a row-value IN does not always do.
        where = " OR ".join(
            f"(level = {lv} AND idx IN ({','.join(map(str, ixs))}))" for lv, ixs in by_level.items()
        )
        for lv, ix, node in s.execute(text(f"SELECT level, idx, hash FROM merkle_nodes WHERE {where}")):
            got[(int(lv), int(ix))] = bytes(node)
    missing = [n for n in nodes if n not in got]
    if missing:
        raise NotFound(f"Merkle nodes missing from storage: {missing[:5]}", code="merkle.node_missing")
    return [got[n] for n in nodes]


def nodes_for(
    s: Session, ranges: Sequence[tuple[int, int]], extra: Sequence[tuple[int, int]]
) -> tuple[list[list[tuple[int, int]]], dict[tuple[int, int], bytes]]:
    """The perfect subtrees of each proof range, and the hashes of those and ``extra``, in one read."""
    parts = [merkle.perfect_subtrees(a, b) for a, b in ranges]
    wanted = sorted({node for part in parts for node in part} | set(extra))
    return parts, dict(zip(wanted, fetch_nodes(s, wanted), strict=True))
