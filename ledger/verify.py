"""Verify a log from its stored rows alone: bodies, hashes, chain, signatures, tree, checkpoints.

The core works on plain rows, so the same code checks a live database and an
exported ``log.jsonl``. Signatures (the costly part) are checked in worker
processes when ``workers > 1``; everything else runs in one ordered pass. The
report names the first bad ``seq`` (or checkpoint) and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

from ledger import merkle
from ledger.checkpoint import check_checkpoint
from ledger.entry import GENESIS_PREV, Entry
from ledger.errors import LedgerError
from ledger.keys import Ed25519PublicKey, public_key_from_b64

_CHUNK = 4000


@dataclass(frozen=True)
class StoredEntry:
    """A log row as stored: seq, kind column, canonical body text, hash column (hex)."""

    seq: int
    kind: str
    body: str
    hash: str


@dataclass(frozen=True)
class StoredCheckpoint:
    """A stored checkpoint note for ``size`` entries."""

    size: int
    note: str


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of a verification. ``ok`` only when every check passed."""

    ok: bool
    size: int
    checkpoints_checked: int
    first_bad_seq: int | None = None
    bad_checkpoint_size: int | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, object]:
        """JSON-ready form (the CLI's ``--json`` output)."""
        return asdict(self)


def _entry_problem(seq: int, body: str, key_b64: str | None) -> str | None:
    """Per-entry checks that need no order: canonical body and signature."""
    try:
        entry = Entry.from_body(body)
    except LedgerError as e:
        return f"body malformed: {e.message}"
    if key_b64 is None:
        return f"actor {entry.actor!r} is not registered before seq {seq}"
    try:
        key = public_key_from_b64(key_b64)
    except LedgerError:
        return f"actor {entry.actor!r} has a malformed registered key"
    if not entry.submission().signature_valid(key):
        return f"signature by {entry.actor!r} does not verify against its key at seq {seq}"
    return None


def _check_chunk(tasks: Sequence[tuple[int, str, str | None]]) -> tuple[int, str] | None:
    for seq, body, key in tasks:
        problem = _entry_problem(seq, body, key)
        if problem is not None:
            return seq, problem
    return None


def verify_log(
    rows: Iterable[StoredEntry],
    checkpoints: Sequence[StoredCheckpoint],
    *,
    origin: str,
    operator_key: Ed25519PublicKey,
    merkle_nodes: Iterable[tuple[int, int, bytes]] | None = None,
    workers: int = 1,
) -> VerifyReport:
    """Recompute everything the log claims and report the first failure.

    Checks, in log order: contiguous seq from 0; stored hash = leaf hash of the
    body; body canonical and well formed with the row's seq and kind; ``prev``
    = previous hash (genesis: 64 zeros); signature against the key the actor
    held at that seq; then every checkpoint's signature (by ``origin`` with
    ``operator_key``) and root; and, when given, every stored Merkle node.
    """
    from ledger.actors import KeyHistory

    history = KeyHistory()
    leaves: list[bytes] = []
    expected_prev = GENESIS_PREV
    first_bad: tuple[int, str] | None = None
    tasks: list[tuple[int, str, str | None]] = []

    for expected_seq, row in enumerate(rows):
        problem = _ordered_problem(expected_seq, row, expected_prev)
        if problem is not None:
            first_bad = (expected_seq, problem)
            break
        entry_obj = json.loads(row.body)
        light = Entry(
            seq=row.seq, kind=entry_obj["kind"], actor=entry_obj["actor"], recorded_at="",
            payload=entry_obj["payload"], prev=entry_obj["prev"], sig=entry_obj["sig"],
        )
        tasks.append((row.seq, row.body, history.key_for(light)))
        history.apply(light)
        leaves.append(bytes.fromhex(row.hash))
        expected_prev = row.hash

    # Signatures: the earliest failure among the entries before any ordered failure.
    sig_bad = _check_signatures(tasks, workers)
    if sig_bad is not None and (first_bad is None or sig_bad[0] < first_bad[0]):
        first_bad = sig_bad
    if first_bad is not None:
        return VerifyReport(False, len(leaves), 0, first_bad_seq=first_bad[0], reason=first_bad[1])

    size = len(leaves)
    return _verify_tree(leaves, checkpoints, origin, operator_key, merkle_nodes, size)


def _ordered_problem(expected_seq: int, row: StoredEntry, expected_prev: str) -> str | None:
    if row.seq != expected_seq:
        return f"seq gap: expected {expected_seq}, found {row.seq}"
    actual = merkle.leaf_hash(row.body.encode("utf-8")).hex()
    if actual != row.hash:
        return f"stored hash {row.hash[:16]}… does not match the body's hash {actual[:16]}…"
    try:
        obj = json.loads(row.body)
    except json.JSONDecodeError as e:
        return f"body is not JSON: {e}"
    if not isinstance(obj, dict) or obj.get("seq") != row.seq:
        return f"body seq {obj.get('seq') if isinstance(obj, dict) else None!r} differs from row seq {row.seq}"
    if obj.get("kind") != row.kind:
        return f"body kind {obj.get('kind')!r} differs from row kind {row.kind!r}"
    if obj.get("prev") != expected_prev:
        return f"chain broken: prev {str(obj.get('prev'))[:16]}… is not the hash of seq {row.seq - 1}"
    if not isinstance(obj.get("payload"), dict) or not isinstance(obj.get("actor"), str):
        return "body lacks actor or payload"
    return None


def _check_signatures(tasks: list[tuple[int, str, str | None]], workers: int) -> tuple[int, str] | None:
    chunks = [tasks[i : i + _CHUNK] for i in range(0, len(tasks), _CHUNK)]
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            bad = _check_chunk(chunk)
            if bad is not None:
                return bad
        return None
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for bad in pool.map(_check_chunk, chunks):
            if bad is not None:
                return bad  # chunks come back in order, so this is the earliest
    return None


def _verify_tree(
    leaves: list[bytes],
    checkpoints: Sequence[StoredCheckpoint],
    origin: str,
    operator_key: Ed25519PublicKey,
    merkle_nodes: Iterable[tuple[int, int, bytes]] | None,
    size: int,
) -> VerifyReport:
    ordered = sorted(checkpoints, key=lambda c: c.size)
    frontier: list[bytes] = []
    built = 0
    all_nodes: dict[tuple[int, int], bytes] = {}
    for cp in ordered:
        check = check_checkpoint(cp.note, origin, operator_key)
        if not check.ok or check.checkpoint is None:
            return VerifyReport(False, size, 0, bad_checkpoint_size=cp.size, reason=f"checkpoint: {check.reason}")
        if check.checkpoint.size != cp.size or check.checkpoint.origin != origin:
            return VerifyReport(False, size, 0, bad_checkpoint_size=cp.size,
                                reason=f"checkpoint note says size {check.checkpoint.size}, origin {check.checkpoint.origin!r}")
        if cp.size > size:
            return VerifyReport(False, size, 0, bad_checkpoint_size=cp.size,
                                reason=f"checkpoint for size {cp.size} but the log has {size} entries")
        nodes, frontier = merkle.append_leaves(frontier, built, leaves[built : cp.size])
        all_nodes.update(((lv, ix), h) for lv, ix, h in nodes)
        built = cp.size
        if merkle.root_from_frontier(frontier) != check.checkpoint.root_hash:
            return VerifyReport(False, size, 0, bad_checkpoint_size=cp.size,
                                reason=f"checkpoint root does not match the log's first {cp.size} entries")
    if merkle_nodes is not None:
        nodes, frontier = merkle.append_leaves(frontier, built, leaves[built:])
        all_nodes.update(((lv, ix), h) for lv, ix, h in nodes)
        stored = 0
        for lv, ix, h in merkle_nodes:
            stored += 1
            if all_nodes.get((lv, ix)) != h:
                first = ix << lv
                return VerifyReport(False, size, len(ordered), first_bad_seq=first,
                                    reason=f"stored Merkle node (level {lv}, index {ix}) does not match the entries")
        if stored != len(all_nodes):
            return VerifyReport(False, size, len(ordered), reason=f"{len(all_nodes) - stored} Merkle nodes missing from storage")
    return VerifyReport(True, size, len(ordered))


def read_jsonl(lines: Iterable[str]) -> Iterable[StoredEntry]:
    """Rows from an exported ``log.jsonl`` (one ``{"seq","kind","body","hash"}`` object a line)."""
    for line in lines:
        if line.strip():
            obj = json.loads(line)
            yield StoredEntry(int(obj["seq"]), str(obj["kind"]), str(obj["body"]), str(obj["hash"]))

