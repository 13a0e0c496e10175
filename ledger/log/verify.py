"""Verify a log from its stored rows alone: bodies, hashes, chain, signatures, tree, checkpoints.

The core works on plain rows, so the same code checks a live database and an
exported ``log.jsonl``. One ordered pass replays the actors' keys and cuts the
log into chunks; each entry's hash, body and signature are checked chunk by
chunk (in ``workers`` processes when ``workers > 1``), while the pass builds the
Merkle tree from the stored hashes. The report names the first bad ``seq`` (or
checkpoint), a stable ``code`` and why.

Beyond recomputing what the rows claim, three rules catch what a database
writer could do without breaking any hash (DESIGN.md section 3):

- the newest checkpoint must cover the end of the log (``checkpoint.unsealed_tail``):
  deleting checkpoints or appending rows without one is found;
- signed content appears once (``entry.replayed``): a copy of a signed entry
  appended with a correct chain is found;
- with ``against`` (a checkpoint saved earlier by a buyer, a verifier or a
  witness) the log must extend it, shown by an RFC 9162 consistency proof
  from it to the newest checkpoint (``log.rollback``, ``log.fork``);
- with ``policy``, the newest checkpoint must carry a quorum of witness
  cosignatures (``policy.not_satisfied``, ``cosignature.*``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import orjson

from ledger.errors import IntegrityFailure, LedgerError
from ledger.log import merkle
from ledger.log.checkpoint import Checkpoint, check_checkpoint, parse_note
from ledger.log.consistency import check_extends
from ledger.log.entry import GENESIS_PREV, parse_body, signed_part
from ledger.log.keys import Ed25519PublicKey, public_key_from_b64, verify_b64
from ledger.log.policy import Policy

_CHUNK = 1000
# Chunks a worker process has waiting: enough that it does not wait for this process's tree check at
# the end, nor for a chunk to cross the pipe (a timeline of 200,001 entries: its idle 0.5-0.8 s with
# one waiting, 0.3-0.4 s with two). Those it has not started at the end are checked here.
_QUEUED = 2
_CHUNK_CHARS = 1_000_000  # bodies per signature chunk: big entries go out in smaller chunks


class StoredEntry(NamedTuple):
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
    """The outcome of a verification. ``ok`` only when every check passed.

    On failure ``code`` names the rule (``entry.hash_mismatch``, ``chain.broken``,
    ``checkpoint.unsealed_tail``, ``entry.replayed``, ``log.rollback``, ``log.fork``,
    ``policy.not_satisfied`` …) and ``first_bad_seq`` or ``bad_checkpoint_size``
    where. ``against_size`` is the size of the saved checkpoint the log was shown
    to extend; ``witnesses`` the policy witnesses that cosigned the newest checkpoint.
    """

    ok: bool
    size: int
    checkpoints_checked: int
    first_bad_seq: int | None = None
    bad_checkpoint_size: int | None = None
    reason: str | None = None
    code: str | None = None
    against_size: int | None = None
    witnesses: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """JSON-ready form (the CLI's ``--json`` output)."""
        out = asdict(self)
        out["witnesses"] = list(self.witnesses)
        return out


_Bad = tuple[int, str, str]  # (seq, code, reason)
# One entry's work for a worker: (seq, kind column, body, hash column, previous row's hash column, key).
_Task = tuple[int, str, str, str, str, str | None]
_ACTOR_KINDS = frozenset({"actor.register", "actor.rotate_key"})  # the kinds that change keys
_ACTOR_HEAD = re.compile(r'\{"actor":"([^"\\]*)"')  # a canonical body starts with its actor


@dataclass(frozen=True)
class _ChunkResult:
    """What a worker found in a chunk: its first problem (stage 0: found before the replay check in
    log order, 1: after it), and each entry's signed-content digest (None: body not canonical, or after
    that first problem)."""

    bad: tuple[int, int, str, str] | None  # (seq, stage, code, reason)
    digests: list[bytes | None]


def _entry_problem(
    task: _Task, keys: dict[str, Ed25519PublicKey]
) -> tuple[tuple[int, str, str] | None, bytes | None]:
    """Everything about one entry that needs no other entry's body: hash, body fields against the row
    and the previous row's hash, canonical form, signature. Its (stage, code, reason) or None, and its
    signed bytes (None: not a canonical entry)."""
    seq, kind, body, stored_hash, prev, key_b64 = task
    data = body.encode("utf-8", "surrogatepass")  # a lone surrogate (from JSON text) fails the checks
    actual = merkle.leaf_hash(data).hex()
    if actual != stored_hash:
        return (
            0,
            "entry.hash_mismatch",
            f"stored hash {stored_hash[:16]}… does not match the body's hash {actual[:16]}…",
        ), None
    try:
        fields = parse_body(body, data)
    except LedgerError as e:
        problem = _ordered_problem(seq, kind, body, prev)
        return (
            (0, *problem) if problem is not None else (1, "entry.malformed", f"body malformed: {e.message}")
        ), None
    if fields["seq"] != seq:
        return (0, "entry.seq_mismatch", f"body seq {fields['seq']!r} differs from row seq {seq}"), None
    if fields["kind"] != kind:
        return (
            0,
            "entry.kind_mismatch",
            f"body kind {fields['kind']!r} differs from row kind {kind!r}",
        ), None
    sig = fields["sig"]
    signed = signed_part(data, seq, fields["prev"], fields["recorded_at"], sig)
    if fields["prev"] != prev:
        return (
            0,
            "chain.broken",
            f"chain broken: prev {fields['prev'][:16]}… is not the hash of seq {seq - 1}",
        ), signed
    if key_b64 is None:
        return (
            1,
            "entry.actor_unknown",
            f"actor {fields['actor']!r} is not registered before seq {seq}",
        ), signed
    key = keys.get(key_b64)
    if key is None:
        try:
            key = keys[key_b64] = public_key_from_b64(key_b64)
        except LedgerError:
            return (
                1,
                "entry.actor_key_malformed",
                f"actor {fields['actor']!r} has a malformed registered key",
            ), signed
    if signed is None or not verify_b64(key, sig, signed):
        return (
            1,
            "entry.signature_invalid",
            f"signature by {fields['actor']!r} does not verify against its key at seq {seq}",
        ), signed
    return None, signed


def _ordered_problem(seq: int, kind: str, body: str, prev: str) -> tuple[str, str] | None:
    """Why a body that is not a well-formed entry breaks the log's order, if it does (for the report's
    code: a body that is JSON but not canonical is ``entry.malformed`` at the signature stage)."""
    try:
        obj = json.loads(body)
    except json.JSONDecodeError as e:
        return "entry.malformed", f"body is not JSON: {e}"
    if not isinstance(obj, dict) or obj.get("seq") != seq:
        found = obj.get("seq") if isinstance(obj, dict) else None
        return "entry.seq_mismatch", f"body seq {found!r} differs from row seq {seq}"
    if obj.get("kind") != kind:
        return "entry.kind_mismatch", f"body kind {obj.get('kind')!r} differs from row kind {kind!r}"
    if obj.get("prev") != prev:
        return (
            "chain.broken",
            f"chain broken: prev {str(obj.get('prev'))[:16]}… is not the hash of seq {seq - 1}",
        )
    if not isinstance(obj.get("payload"), dict) or not isinstance(obj.get("actor"), str):
        return "entry.malformed", "body lacks actor or payload"
    return None


def _check_chunk(tasks: Sequence[_Task]) -> _ChunkResult:
    """Each task's problem until the first, and every signed-content digest (for the replay check)."""
    digests: list[bytes | None] = []
    bad: tuple[int, int, str, str] | None = None
    keys: dict[str, Ed25519PublicKey] = {}
    sha256 = hashlib.sha256
    for task in tasks:
        if bad is not None:  # a replay after the first problem cannot come first
            digests.append(None)
            continue
        problem, signed = _entry_problem(task, keys)
        digests.append(None if signed is None else sha256(signed).digest())
        if problem is not None:
            bad = (task[0], *problem)
    return _ChunkResult(bad, digests)


def verify_log(
    rows: Iterable[StoredEntry],
    checkpoints: Sequence[StoredCheckpoint],
    *,
    origin: str,
    operator_key: Ed25519PublicKey,
    merkle_nodes: Iterable[tuple[int, int, bytes]] | None = None,
    workers: int = 1,
    against: str | None = None,
    policy: Policy | None = None,
) -> VerifyReport:
    """Recompute everything the log claims and report the first failure.

    Checks, in log order: contiguous seq from 0; stored hash = leaf hash of the
    body; body canonical and well formed with the row's seq and kind; ``prev``
    = previous hash (genesis: 64 zeros); signature against the key the actor
    held at that seq; signed content not seen before; then every checkpoint's
    signature (by ``origin`` with ``operator_key``) and root; that the newest
    checkpoint covers every entry; when given, every stored Merkle node; that
    the log extends ``against`` (a signed checkpoint note saved earlier); that
    the newest checkpoint meets ``policy``.

    One ordered pass here replays the actors' keys (it parses only the entries
    that change keys) and hands every entry with the key it must be signed with
    and the previous row's hash to ``_check_chunk``: in ``workers`` processes,
    so that hashing, parsing and signatures use every core. Each stored hash is
    checked against its body, so checking ``prev`` against the previous row's
    stored hash checks the chain.
    """
    from ledger.log.key_history import KeyHistory

    history = KeyHistory()
    leaves: list[bytes] = []
    expected_prev = GENESIS_PREV
    gap: _Bad | None = None
    chunk: list[_Task] = []
    chars = 0
    checker = _Checker(workers)
    for expected_seq, (seq, kind, body, hash_hex) in enumerate(rows):
        if seq != expected_seq:
            gap = (expected_seq, "entry.seq_gap", f"seq gap: expected {expected_seq}, found {seq}")
            break
        head = _ACTOR_HEAD.match(body)
        actor = head.group(1) if head is not None else ""
        if kind in _ACTOR_KINDS:
            payload = _actor_payload(body)
            key = history.step(seq, kind, actor, payload) if payload is not None else None
        else:
            key = history.keys.get(actor)
        chunk.append((seq, kind, body, hash_hex, expected_prev, key))
        chars += len(body)
        if len(chunk) >= _CHUNK or chars >= _CHUNK_CHARS:  # meter-month readings are ~20 kB each
            checker.submit(chunk)
            chunk, chars = [], 0
        try:
            leaf = bytes.fromhex(hash_hex)
        except ValueError:
            leaf = b""
        leaves.append(leaf if len(leaf) == 32 else b"")  # else the workers report entry.hash_mismatch
        expected_prev = hash_hex
    size = len(leaves)
    # The tree and checkpoints are checked here while the workers finish the entries (it only counts
    # if every entry is good: each stored hash is then its body's).
    tree = (
        _verify_tree(leaves, checkpoints, origin, operator_key, merkle_nodes, size)
        if gap is None and b"" not in leaves
        else None
    )
    first_bad = checker.finish(chunk)
    if gap is not None and (first_bad is None or gap[0] <= first_bad[0]):
        first_bad = gap
    if first_bad is not None:
        return VerifyReport(
            False, size, 0, first_bad_seq=first_bad[0], code=first_bad[1], reason=first_bad[2]
        )
    assert tree is not None  # no gap, and every hash column is its body's leaf hash
    report, newest = tree
    if not report.ok or newest is None:
        return report
    if against is not None:
        report = _verify_against(report, leaves, newest, against, origin, operator_key)
        if not report.ok:
            return report
    if policy is not None:
        result = policy.check(newest.note)
        if not result.ok:
            return VerifyReport(
                False,
                size,
                report.checkpoints_checked,
                bad_checkpoint_size=newest.size,
                code=result.code,
                reason=f"witness policy: {result.reason}",
                against_size=report.against_size,
                witnesses=result.cosigned,
            )
        report = VerifyReport(
            True,
            size,
            report.checkpoints_checked,
            against_size=report.against_size,
            witnesses=result.cosigned,
        )
    return report


def _actor_payload(body: str) -> dict[str, Any] | None:
    """The payload of an actor entry, for ``KeyHistory`` (None: not JSON; the workers report it)."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    payload = obj.get("payload") if isinstance(obj, dict) else None
    return payload if isinstance(payload, dict) else None


@dataclass
class _Slot:
    """A chunk of the ordered pass and its check: in a worker (``future``) or done here (``result``)."""

    chunk: list[_Task]
    future: Future[_ChunkResult] | None = None
    result: _ChunkResult | None = None

    def get(self) -> _ChunkResult:
        if self.result is None:
            self.result = _check_chunk(self.chunk) if self.future is None else self.future.result()
        return self.result


class _Checker:
    """``_check_chunk`` over the chunks of the ordered pass on ``workers`` cores, the results taken in
    log order: the first chunk with a problem or a replayed signed content decides.

    This process is one of the ``workers``: it hands chunks to ``workers - 1`` processes and checks a
    chunk itself whenever each of them has ``_QUEUED`` waiting behind the one it is checking, and at
    the end every chunk they have not started; so no more processes than cores run, and only their
    chunks are pickled.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._slots: deque[_Slot] = deque()
        self._seen: dict[bytes, int] = {}
        self._offset = 0
        self._first: _Bad | None = None

    def submit(self, chunk: list[_Task]) -> None:
        """Check ``chunk`` (the entries after the previous chunk's)."""
        if self._workers <= 1:
            self._take(_check_chunk(chunk))
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self._workers - 1)
        busy = sum(1 for slot in self._slots if slot.future is not None and not slot.future.done())
        if busy >= (1 + _QUEUED) * (self._workers - 1):
            self._slots.append(_Slot(chunk, result=_check_chunk(chunk)))
        else:
            self._slots.append(_Slot(chunk, future=self._pool.submit(_check_chunk, chunk)))
        # results are taken as soon as they are in order; the bodies in flight stay a few chunks
        while self._slots and (
            len(self._slots) > 4 * self._workers
            or self._slots[0].result is not None
            or (self._slots[0].future is not None and self._slots[0].future.done())
        ):
            self._take(self._slots.popleft().get())

    def finish(self, rest: list[_Task]) -> _Bad | None:
        """Check the last entries, and the chunks no worker has started, here; wait for the others;
        return the earliest failure."""
        try:
            if rest:
                self._slots.append(_Slot(rest))
            for slot in reversed(self._slots):  # workers take chunks in order: steal from the end
                if slot.future is not None and not slot.future.cancel():
                    break
                slot.future = None
                slot.get()
            while self._slots:
                self._take(self._slots.popleft().get())
            return self._first
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)

    def _take(self, result: _ChunkResult) -> None:
        if self._first is not None:
            return
        replay = _first_replay(result.digests, self._offset, self._seen)
        self._offset += len(result.digests)
        bad = result.bad
        # at the same seq, what the ordered pass found before the replay check comes first
        if replay is not None and (bad is None or replay[0] < bad[0] or (replay[0] == bad[0] and bad[1])):
            self._first = replay
        elif bad is not None:
            self._first = bad[0], bad[2], bad[3]


def _first_replay(digests: list[bytes | None], offset: int, seen: dict[bytes, int]) -> _Bad | None:
    for i, digest in enumerate(digests):
        if digest is None:
            continue
        seq = offset + i
        if digest in seen:
            return (
                seq,
                "entry.replayed",
                f"signed content of seq {seen[digest]} appears again (a replayed signature)",
            )
        seen[digest] = seq
    return None


def _verify_tree(
    leaves: list[bytes],
    checkpoints: Sequence[StoredCheckpoint],
    origin: str,
    operator_key: Ed25519PublicKey,
    merkle_nodes: Iterable[tuple[int, int, bytes]] | None,
    size: int,
) -> tuple[VerifyReport, StoredCheckpoint | None]:
    """Every checkpoint's signature and root, the sealed end, the stored nodes; and the newest checkpoint."""
    ordered = sorted(checkpoints, key=lambda c: c.size)
    tree = merkle.levels(leaves)  # each node hashed once; every checkpoint's root is read from it

    def bad(cp: StoredCheckpoint, code: str, reason: str) -> tuple[VerifyReport, None]:
        return VerifyReport(False, size, 0, bad_checkpoint_size=cp.size, code=code, reason=reason), None

    for cp in ordered:
        check = check_checkpoint(cp.note, origin, operator_key)
        if not check.ok or check.checkpoint is None:
            return bad(cp, "checkpoint.invalid", f"checkpoint: {check.reason}")
        if check.checkpoint.size != cp.size or check.checkpoint.origin != origin:
            return bad(
                cp,
                "checkpoint.mismatch",
                f"checkpoint note says size {check.checkpoint.size}, origin {check.checkpoint.origin!r}",
            )
        if cp.size > size:
            return bad(
                cp, "checkpoint.beyond_log", f"checkpoint for size {cp.size} but the log has {size} entries"
            )
        frontier = [tree[lv][ix] for lv, ix in merkle.frontier_subtrees(cp.size)]
        if merkle.root_from_frontier(frontier) != check.checkpoint.root_hash:
            return bad(
                cp,
                "checkpoint.root_mismatch",
                f"checkpoint root does not match the log's first {cp.size} entries",
            )
    covered = ordered[-1].size if ordered else 0
    if covered < size:
        where = f"the newest checkpoint covers {covered}" if ordered else "there is no checkpoint"
        return VerifyReport(
            False,
            size,
            len(ordered),
            first_bad_seq=covered,
            code="checkpoint.unsealed_tail",
            reason=(
                f"unsealed tail of {size - covered} entries: the log has {size} entries "
                f"but {where} (deleted checkpoints, or rows added without one)"
            ),
        ), None
    if merkle_nodes is not None:
        problem = _stored_nodes_problem(tree, merkle_nodes)
        if problem is not None:
            first, code, reason = problem
            return VerifyReport(
                False, size, len(ordered), first_bad_seq=first, code=code, reason=reason
            ), None
    return VerifyReport(True, size, len(ordered)), (ordered[-1] if ordered else None)


def _stored_nodes_problem(
    tree: list[list[bytes]], merkle_nodes: Iterable[tuple[int, int, bytes]]
) -> tuple[int | None, str, str] | None:
    """Whether storage holds exactly the tree's nodes of level >= 1 (what proofs are served from)."""
    stored = 0
    for lv, ix, h in merkle_nodes:
        if not (0 < lv < len(tree) and 0 <= ix < len(tree[lv]) and tree[lv][ix] == h):
            return (
                ix << lv if lv >= 0 and ix >= 0 else None,
                "merkle.node_mismatch",
                f"stored Merkle node (level {lv}, index {ix}) does not match the entries",
            )
        stored += 1
    expected = sum(len(layer) for layer in tree[1:])
    if stored != expected:  # (level, index) is the table's key: no node is stored twice
        return None, "merkle.node_missing", f"{expected - stored} Merkle nodes missing from storage"
    return None


def _verify_against(
    report: VerifyReport,
    leaves: list[bytes],
    newest: StoredCheckpoint,
    against: str,
    origin: str,
    operator_key: Ed25519PublicKey,
) -> VerifyReport:
    """Whether the log (whose newest checkpoint is ``newest``) extends the saved checkpoint ``against``."""
    size, n_cp = report.size, report.checkpoints_checked
    saved_check = check_checkpoint(against, origin, operator_key)
    if not saved_check.ok or saved_check.checkpoint is None:
        # Not ours: name another log's checkpoint as such, anything else as a bad note.
        try:
            other = parse_note(against)[0].origin
        except LedgerError:
            other = None
        code = "log.other_origin" if other is not None and other != origin else "against.invalid"
        return VerifyReport(
            False,
            size,
            n_cp,
            code=code,
            reason=f"saved checkpoint is not a checkpoint of {origin!r} signed by the operator: "
            f"{saved_check.reason}",
        )
    saved = saved_check.checkpoint
    latest = Checkpoint(origin, newest.size, merkle.root(leaves[: newest.size]))
    proof = merkle.consistency_proof(leaves[: newest.size], saved.size) if saved.size <= newest.size else []
    result = check_extends(saved, latest, proof)
    if not result.ok:
        code, reason = result.code or "log.fork", result.reason or ""
        if code == "log.inconsistent":  # we built the proof from the log itself: its prefix differs
            code = "log.fork"
            reason = (
                f"fork: the log's first {saved.size} entries are not the ones the saved checkpoint "
                f"signed (history rewritten); no consistency proof from {saved.size} to {newest.size} exists"
            )
        return VerifyReport(False, size, n_cp, bad_checkpoint_size=saved.size, code=code, reason=reason)
    return VerifyReport(True, size, n_cp, against_size=saved.size)


def read_jsonl(lines: Iterable[str]) -> Iterable[StoredEntry]:
    """Rows from an exported ``log.jsonl`` (one ``{"seq","kind","body","hash"}`` object a line).

    ``IntegrityFailure(export.malformed)`` naming the line when one is not such an object.
    """
    for n, line in enumerate(lines, start=1):
        if line.strip():
            try:
                obj = json.loads(line)
                yield StoredEntry(int(obj["seq"]), str(obj["kind"]), str(obj["body"]), str(obj["hash"]))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise IntegrityFailure(
                    f"log line {n} is not a stored row: {e}", code="export.malformed", line=n
                ) from e
