"""The log: append signed entries, keep the Merkle tree and checkpoints, serve proofs.

``Ledger`` is the thin shell around the pure pieces (``entry``, ``merkle``,
``checkpoint``, the kind registry). One ``append`` call is one transaction
holding the single-writer lock: every submission is validated, signature- and
rule-checked, projected and stored, the new complete Merkle subtrees are
written, and a checkpoint is signed — or nothing at all happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ledger.errors import (
    Conflict,
    CosignatureError,
    LedgerError,
    NotFound,
    RuleViolation,
    SignatureInvalid,
)
from ledger.log import merkle
from ledger.log.checkpoint import (
    Checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    split_note,
    verifier_key,
)
from ledger.log.cosignature import WitnessKey, check_cosignature, with_cosignatures
from ledger.log.entry import Entry, Submission
from ledger.log.keys import Ed25519PrivateKey, public_key_b64, public_key_from_b64
from ledger.log.multiproof import multiproof_ranges
from ledger.log.policy import Policy
from ledger.log.signatures import MIN_BATCH, Prechecker
from ledger.log.verify import StoredCheckpoint, StoredEntry, VerifyReport, verify_log
from ledger.store.actors import get_actor, remember_actors, require_actor, signing_key
from ledger.store.db import Database, insert_tables
from ledger.store.gc_pause import cycle_collector_paused
from ledger.store.head import Head, Placed, Tip, lookup_batch, read_head
from ledger.store.plugins import load_plugins
from ledger.store.registry import REGISTRY, AppendContext
from ledger.store.tables import CheckpointRow, LedgerEntryRow, LedgerMetaRow, MerkleNodeRow
from ledger.store.tree import ConsistencyProof as ConsistencyProof  # re-exported: part of the Ledger API
from ledger.store.tree import InclusionProof as InclusionProof
from ledger.store.tree import fetch_nodes, nodes_for

_log = logging.getLogger("tanji.ledger")


@dataclass(frozen=True)
class Appended:
    """Where a submission landed. ``duplicate`` when a retry returned the original."""

    seq: int
    hash: str
    duplicate: bool = False


@dataclass(frozen=True)
class LedgerInfo:
    """Ledger-wide settings kept in ``ledger_meta``."""

    origin: str
    operator_id: str
    operator_key: str  # C2SP verifier key string of the checkpoint signer


class Ledger:
    """An open ledger on one database. Appending needs the operator's private key."""

    def __init__(self, db: Database, operator_key: Ed25519PrivateKey | None = None) -> None:
        load_plugins()
        self.db = db
        self._operator_key = operator_key
        self._info: LedgerInfo | None = None
        self._listeners: list[Callable[[int], None]] = []
        # The tree this object's last append left (``head.Tip``): used only when re-read under the lock.
        self._tip: Tip | None = None

    # -- set-up ---------------------------------------------------------------

    @classmethod
    def create(
        cls,
        db: Database,
        operator_key: Ed25519PrivateKey,
        *,
        origin: str,
        operator_id: str = "operator",
        operator_name: str = "Ledger operator",
    ) -> Ledger:
        """Migrate an empty database, record the origin and append the genesis entry."""
        db.migrate()
        ledger = cls(db, operator_key)
        pub = operator_key.public_key()
        with db.write_session() as s:
            if s.scalar(select(func.count()).select_from(LedgerEntryRow)):
                raise Conflict(f"the database at {db.url} holds a ledger already", code="ledger.exists")
            s.merge(LedgerMetaRow(key="origin", value=origin))
            s.merge(LedgerMetaRow(key="operator_id", value=operator_id))
            s.merge(LedgerMetaRow(key="operator_key", value=verifier_key(origin, pub)))
        genesis = Submission.create(
            "actor.register",
            operator_id,
            {"id": operator_id, "name": operator_name, "role": "operator", "public_key": public_key_b64(pub)},
            operator_key,
        )
        ledger.append([genesis])
        return ledger

    def info(self) -> LedgerInfo:
        """Origin, operator id and checkpoint verifier key."""
        if self._info is None:
            with self.db.read_session() as s:
                meta = {r.key: r.value for r in s.scalars(select(LedgerMetaRow))}
            if "origin" not in meta:
                raise NotFound(
                    f"no ledger in the database at {self.db.url}; run `tanji init`", code="ledger.missing"
                )
            self._info = LedgerInfo(meta["origin"], meta["operator_id"], meta["operator_key"])
        return self._info

    # -- append ---------------------------------------------------------------

    def append(self, submissions: Sequence[Submission], *, dry_run: bool = False) -> list[Appended]:
        """Append a batch atomically; returns where each submission landed.

        A submission whose ``(actor, client_id)`` is in the log already with the
        same signed content returns the original seq (``duplicate``); with other
        content it is a ``Conflict``. Any rejection raises with ``details['index']``
        naming the submission, and nothing is written.

        ``dry_run`` runs every check of a real append (schemas, signatures, roles,
        each kind's rules against the entries before it in the batch), then rolls
        the transaction back: nothing is written, no checkpoint is signed (the
        operator key is not needed) and the seqs returned are where the entries
        would land.
        """
        if self._operator_key is None and not dry_run:
            raise LedgerError("appending needs the operator key", code="ledger.read_only")
        if not submissions:
            return []
        with cycle_collector_paused(len(submissions) >= MIN_BATCH):
            return self._append(submissions, dry_run)

    def _append(self, submissions: Sequence[Submission], dry_run: bool) -> list[Appended]:
        signed: dict[int, str] = {}  # index -> the key _prepare checked its signature with
        prepared = self._prepare(submissions, signed)  # costly re-computations, before the writer lock
        digests = [sub.signed_digest() for sub in submissions]
        actor_ids = [sub.actor for sub in submissions] + [
            str(sub.payload.get("id")) for sub in submissions if sub.kind == "actor.register"
        ]
        tip: Tip | None = None
        with self.db.write_session() as s:
            # Under the lock, in one statement: the head, signed contents already in the log (replays),
            # earlier placements by client id, and every submitter and every actor a registration names.
            found = lookup_batch(
                s,
                digests,
                [(sub.actor, sub.client_id) for sub in submissions if sub.client_id is not None],
                actor_ids,
            )
            remember_actors(s, actor_ids, found.actors)
            head, batch_ids, batch_digests = found.head, found.by_client_id, found.digests
            size, prev = head.size, head.last_hash
            now = datetime.now(UTC)
            ctx = AppendContext(session=s, seq=size, recorded_at=now)
            ctx.watch()
            results: list[Appended] = []
            rows: list[dict[str, object]] = []
            prechecked = Prechecker(self._precheck_items(s, submissions, size))
            for index, sub in enumerate(submissions):
                try:
                    digest = digests[index]
                    if sub.client_id is not None:
                        seen = batch_ids.get((sub.actor, sub.client_id))
                        if seen is not None:
                            if seen.digest != digest:
                                raise Conflict(
                                    f"client_id {sub.client_id!r} of actor {sub.actor!r} was used for "
                                    f"other content at seq {seen.seq}",
                                    code="entry.client_id_reused",
                                )
                            results.append(Appended(seen.seq, seen.hash, duplicate=True))
                            continue
                    seq = size + len(rows)
                    ctx.seq = seq
                    ctx.prepared = prepared.get(index)
                    if isinstance(ctx.prepared, LedgerError):
                        raise ctx.prepared
                    entry = self._check(
                        s,
                        ctx,
                        sub,
                        seq,
                        prev,
                        now,
                        digest,
                        batch_digests,
                        prechecked,
                        index,
                        signed.get(index),
                    )
                    ctx.prepared = None
                except LedgerError as e:
                    e.details.setdefault("index", index)
                    raise
                placed = Appended(entry.seq, entry.hash)
                rows.append(
                    {
                        "seq": entry.seq,
                        "kind": entry.kind,
                        "actor": entry.actor,
                        "client_id": entry.client_id,
                        "body": entry.body,
                        "hash": entry.hash,
                        "signed_digest": digest,
                    }
                )
                batch_digests.add(digest)
                if sub.client_id is not None:
                    batch_ids[(sub.actor, sub.client_id)] = Placed(digest, entry.seq, entry.hash)
                results.append(placed)
                prev = entry.hash
            if dry_run:
                s.rollback()
                return results
            if rows:
                tip = self._extend_tree(s, ctx, head, rows)
            else:
                ctx.write_pending()
        if tip is not None:
            self._tip = tip  # committed: the next append may start from it (if it is still the head)
        if rows:
            for listener in self._listeners:
                try:
                    listener(size + len(rows))
                except Exception:  # noqa: BLE001 - the append is committed; a listener cannot undo it
                    _log.exception("append listener %r failed", listener)
        return results

    def _prepare(self, submissions: Sequence[Submission], signed: dict[int, str]) -> dict[int, object]:
        """What each kind's ``prepare`` gives for its submissions, by index, in one read transaction
        before the lock (a ``LedgerError`` it raised is kept, to be raised at that entry's turn).
        ``signed`` gets the key each prepared submission's signature verified with."""
        wanted = [(i, sub) for i, sub in enumerate(submissions) if sub.kind in REGISTRY]
        kinds = [(i, sub, REGISTRY.get(sub.kind)) for i, sub in wanted]
        todo = [(i, sub, kind) for i, sub, kind in kinds if kind.prepare is not None]
        if not todo:
            return {}
        out: dict[int, object] = {}
        with self.db.read_session() as s:
            for i, sub, kind in todo:
                assert kind.prepare is not None
                actor = get_actor(s, sub.actor)
                # only signed, permitted work is done ahead: a forged or unknown signer, or a role the
                # kind refuses, is refused under the lock
                if (
                    actor is None
                    or (kind.roles is not None and actor.role not in kind.roles)
                    or not sub.signature_valid(public_key_from_b64(actor.public_key))
                ):
                    continue
                signed[i] = actor.public_key
                try:
                    out[i] = kind.prepare(s, sub.actor, kind.validate(sub.payload))
                except LedgerError as e:
                    out[i] = e
        return out

    def _check(
        self,
        s: Session,
        ctx: AppendContext,
        sub: Submission,
        seq: int,
        prev: str,
        now: datetime,
        digest: str,
        batch_digests: set[str],
        prechecked: Prechecker,
        index: int,
        signed_with: str | None = None,
    ) -> Entry:
        kind = REGISTRY.get(sub.kind)
        model = kind.validate(sub.payload)
        key = signing_key(s, sub.kind, sub.actor, sub.payload, seq)
        keys = ctx.cache.setdefault("public_keys", {})
        if key not in keys:
            keys[key] = public_key_from_b64(key)
        # A precheck counts only if it used the key the actor holds now (so does _prepare's check).
        if signed_with != key and not prechecked.result(index, key) and not sub.signature_valid(keys[key]):
            raise SignatureInvalid(
                f"signature of {sub.kind} by {sub.actor!r} does not verify against its current key",
                code="signature.invalid",
            )
        if digest in batch_digests:
            raise RuleViolation(
                f"this signed {sub.kind} by {sub.actor!r} is in the log already (replay); "
                "resubmit with a client_id to retry idempotently, or sign new content",
                code="signature.replayed",
            )
        if kind.roles is not None and seq > 0:
            role = require_actor(s, sub.actor).role
            if role not in kind.roles:
                raise RuleViolation(
                    f"actor {sub.actor!r} with role {role!r} may not submit {sub.kind} "
                    f"(allowed: {', '.join(sorted(kind.roles))})",
                    code="actor.role_forbidden",
                )
        entry = Entry.place(sub, seq, prev, now)
        if kind.check is not None:
            kind.check(ctx, entry, model)
        if kind.apply is not None:
            kind.apply(ctx, entry, model)
        return entry

    @staticmethod
    def _precheck_items(
        s: Session, subs: Sequence[Submission], size: int
    ) -> list[tuple[bytes, str, str] | None]:
        """What to check ahead: each entry with the key its actor holds at the batch start."""
        if len(subs) < MIN_BATCH:
            return []
        items: list[tuple[bytes, str, str] | None] = []
        for sub in subs:
            actor = get_actor(s, sub.actor)
            items.append(None if actor is None else (sub.signed_bytes(), sub.sig, actor.public_key))
        return items

    def _extend_tree(self, s: Session, ctx: AppendContext, old: Head, rows: list[dict[str, object]]) -> Tip:
        """Write the entries ``rows`` after ``old`` (the head read under the lock), the projection rows
        ``ctx`` still queues, the complete subtrees the entries close and the new checkpoint; the new tip.

        The frontier of ``old`` is the one this object left if that is the head it left; else it is read
        from storage.
        """
        tip = self._tip
        if tip is not None and tip.head == old:
            frontier = list(tip.frontier)
        else:
            frontier = fetch_nodes(s, merkle.frontier_subtrees(old.size))
        s.flush()  # ORM-tracked projection changes (the queued rows go first, see AppendContext.watch)
        leaves = [bytes.fromhex(str(r["hash"])) for r in rows]
        nodes, new_frontier = merkle.append_leaves(frontier, old.size, leaves)
        new_size = old.size + len(leaves)
        root = merkle.root_from_frontier(new_frontier)
        info = self._info_in(s)
        assert self._operator_key is not None
        note = sign_checkpoint(Checkpoint(info.origin, new_size, root), info.origin, self._operator_key)
        insert_tables(
            s,
            [
                *ctx.take_pending(),
                (LedgerEntryRow, rows),
                (MerkleNodeRow, [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes]),
                (CheckpointRow, [{"size": new_size, "root_hash": root.hex(), "note": note}]),
            ],
        )
        return Tip(Head(new_size, leaves[-1].hex()), tuple(new_frontier))

    def _info_in(self, s: Session) -> LedgerInfo:
        if self._info is None:
            meta = {r.key: r.value for r in s.scalars(select(LedgerMetaRow))}
            self._info = LedgerInfo(meta["origin"], meta["operator_id"], meta["operator_key"])
        return self._info

    # -- read -----------------------------------------------------------------

    def size(self) -> int:
        """Number of entries in the log."""
        with self.db.read_session() as s:
            return read_head(s).size

    def entry(self, seq: int) -> Entry:
        """The entry at ``seq``; ``NotFound`` if there is none."""
        with self.db.read_session() as s:
            body = s.scalar(select(LedgerEntryRow.body).where(LedgerEntryRow.seq == seq))
        if body is None:
            raise NotFound(f"no entry at seq {seq}", code="entry.not_found", seq=seq)
        return Entry.from_body(body)

    def entries(self, start: int = 0, end: int | None = None, *, chunk: int = 5000) -> Iterator[Entry]:
        """Entries with ``start <= seq < end`` in order, read in chunks."""
        for _seq, body in self.rows(start, end, chunk=chunk):
            yield Entry.from_body(body)

    def entries_by_actor(self, actor: str, start: int = 0, limit: int = 100) -> list[Entry]:
        """Up to ``limit`` entries submitted by ``actor`` with ``seq >= start``, in seq order (a trail)."""
        if limit <= 0 or start < 0:
            raise ValueError(f"start {start} must be >= 0 and limit {limit} > 0")
        with self.db.read_session() as s:
            bodies = s.scalars(
                select(LedgerEntryRow.body)
                .where(LedgerEntryRow.actor == actor, LedgerEntryRow.seq >= start)
                .order_by(LedgerEntryRow.seq)
                .limit(limit)
            ).all()
        return [Entry.from_body(b) for b in bodies]

    def rows(self, start: int = 0, end: int | None = None, *, chunk: int = 5000) -> Iterator[tuple[int, str]]:
        """``(seq, body)`` pairs with ``start <= seq < end``, read in chunks (no parsing)."""
        pos = start
        while end is None or pos < end:
            stop = pos + chunk if end is None else min(pos + chunk, end)
            with self.db.read_session() as s:
                batch = s.execute(
                    select(LedgerEntryRow.seq, LedgerEntryRow.body)
                    .where(LedgerEntryRow.seq >= pos, LedgerEntryRow.seq < stop)
                    .order_by(LedgerEntryRow.seq)
                ).all()
            if not batch:
                return
            yield from ((r[0], r[1]) for r in batch)
            pos = batch[-1][0] + 1

    def latest_checkpoint(self) -> str:
        """The newest signed checkpoint note."""
        with self.db.read_session() as s:
            note = s.scalar(select(CheckpointRow.note).order_by(CheckpointRow.size.desc()).limit(1))
        if note is None:
            raise NotFound("the ledger has no checkpoint yet", code="checkpoint.not_found")
        return note

    def checkpoint(self, size: int) -> str:
        """The signed checkpoint for exactly ``size`` entries."""
        with self.db.read_session() as s:
            note = s.scalar(select(CheckpointRow.note).where(CheckpointRow.size == size))
        if note is None:
            raise NotFound(f"no checkpoint for size {size}", code="checkpoint.not_found", size=size)
        return note

    def root(self, size: int | None = None) -> bytes:
        """The Merkle tree head of the first ``size`` entries (default: all)."""
        with self.db.read_session() as s:
            size = self._resolve_size(s, size)
            return merkle.root_from_frontier(fetch_nodes(s, merkle.frontier_subtrees(size)))

    def inclusion_proof(self, seq: int, size: int | None = None) -> InclusionProof:
        """Proof that entry ``seq`` is in the tree of ``size`` entries (default: all). O(log N) reads."""
        with self.db.read_session() as s:
            size = self._resolve_size(s, size)
            if not 0 <= seq < size:
                raise NotFound(f"seq {seq} out of range for size {size}", code="proof.out_of_range")
            frontier = merkle.frontier_subtrees(size)
            parts, found = nodes_for(s, merkle.inclusion_proof_ranges(seq, size), [(0, seq), *frontier])
        path = [merkle.range_hash([found[n] for n in part]) for part in parts]
        root = merkle.root_from_frontier([found[n] for n in frontier])
        return InclusionProof(seq, size, found[(0, seq)], tuple(path), root)

    def multiproof(self, seqs: Sequence[int], size: int | None = None) -> list[bytes]:
        """One multiproof (``ledger.log.multiproof``) that the entries ``seqs`` are in the tree of ``size``
        (default: all), read in one pass. ``ProofError`` when a seq is out of range."""
        with self.db.read_session() as s:
            size = self._resolve_size(s, size)
            parts, found = nodes_for(s, multiproof_ranges(seqs, size), [])
        return [merkle.range_hash([found[n] for n in part]) for part in parts]

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> ConsistencyProof:
        """Proof that the tree of ``old_size`` is a prefix of the tree of ``new_size``. O(log N) reads."""
        with self.db.read_session() as s:
            new_size = self._resolve_size(s, new_size)
            if not 0 <= old_size <= new_size:
                raise NotFound(
                    f"old size {old_size} out of range for new size {new_size}", code="proof.out_of_range"
                )
            old_frontier, new_frontier = (
                merkle.frontier_subtrees(old_size),
                merkle.frontier_subtrees(new_size),
            )
            parts, found = nodes_for(
                s, merkle.consistency_proof_ranges(old_size, new_size), [*old_frontier, *new_frontier]
            )
        path = [merkle.range_hash([found[n] for n in part]) for part in parts]
        old_root = merkle.root_from_frontier([found[n] for n in old_frontier])
        new_root = merkle.root_from_frontier([found[n] for n in new_frontier])
        return ConsistencyProof(old_size, new_size, old_root, new_root, tuple(path))

    def verify(
        self, *, workers: int = 1, against: str | None = None, policy: Policy | None = None
    ) -> VerifyReport:
        """Recompute every body hash, chain link, signature, checkpoint and stored Merkle node.

        ``against``: a checkpoint note saved earlier that the log must extend;
        ``policy``: the witness policy the newest checkpoint must meet.
        """
        info = self.info()
        _name, operator_key = parse_verifier_key(info.operator_key)
        # The log as it stands now: appends committed while it is checked are left out, not taken
        # for an unsealed tail or for Merkle nodes beyond the entries.
        with self.db.read_session() as s:
            size = read_head(s).size
            checkpoints = [
                StoredCheckpoint(r[0], r[1])
                for r in s.execute(
                    select(CheckpointRow.size, CheckpointRow.note).where(CheckpointRow.size <= size)
                )
            ]
        return verify_log(
            self.stored_rows(end=size),
            checkpoints,
            origin=info.origin,
            operator_key=operator_key,
            merkle_nodes=self._stored_nodes(size),
            workers=workers,
            against=against,
            policy=policy,
        )

    def _stored_nodes(self, size: int) -> Iterator[tuple[int, int, bytes]]:
        """The stored Merkle nodes of the first ``size`` entries, read when the check reaches them
        (after the entries, while the workers finish)."""
        with self.db.read_session() as s:
            query = select(MerkleNodeRow.level, MerkleNodeRow.idx, MerkleNodeRow.hash)
            nodes = s.connection().execute(query).cursor.fetchall()
            now = read_head(s).size  # read after the nodes: it covers every node an append committed
        for level, idx, node in nodes:
            end = (idx + 1) << level
            if end <= size or end > now:  # a node beyond every entry is checked (and found) all the same
                yield level, idx, bytes(node)

    # -- witnesses ------------------------------------------------------------

    def add_cosignatures(self, size: int, lines: str, witnesses: Sequence[WitnessKey]) -> str:
        """Add witness cosignature lines to the stored checkpoint for ``size``; returns its new note.

        Only lines by ``witnesses`` that verify over that checkpoint are kept
        (a witness's earlier line is replaced); lines by other keys are dropped.
        ``CosignatureError`` if a line by one of ``witnesses`` does not verify,
        ``NotFound`` without a checkpoint for ``size``; nothing changes then.
        """
        with self.db.write_session() as s:
            row = s.get(CheckpointRow, size)
            if row is None:
                raise NotFound(f"no checkpoint for size {size}", code="checkpoint.not_found", size=size)
            body, _sigs = split_note(row.note)
            probe = body + "\n" + lines
            good = []
            for witness in witnesses:
                check = check_cosignature(probe, witness)
                if check.code == "cosignature.missing":
                    continue
                if not check.ok:
                    raise CosignatureError(
                        check.reason or "cosignature does not verify",
                        code=check.code or "cosignature.invalid",
                        witness=witness.name,
                        size=size,
                    )
                _b, sigs = split_note(probe)
                good += [sig for sig in sigs if sig.name == witness.name and sig.key_id == witness.key_id]
            if good:
                row.note = with_cosignatures(row.note, good)
            return row.note

    def add_append_listener(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(new size)`` after every append that wrote entries (after commit)."""
        self._listeners.append(listener)

    def witnessed_checkpoint(self, policy: Policy, *, scan: int = 64) -> str:
        """The newest checkpoint note that meets ``policy``; NotFound if none does.

        Only notes with a cosignature line are candidates (unless the quorum is
        ``none``), newest first, at most ``scan`` of them.
        """
        query = select(CheckpointRow.note).order_by(CheckpointRow.size.desc()).limit(scan)
        if not policy.satisfied_by(set()):
            query = query.where(CheckpointRow.note.like("%\n\u2014 %\n\u2014 %"))  # two signature lines
        with self.db.read_session() as s:
            notes = s.scalars(query).all()
        for note in notes:
            if policy.check(note).ok:
                return note
        raise NotFound(
            f"no cosigned checkpoint meets the witness policy ({policy.describe()})",
            code="checkpoint.not_witnessed",
        )

    def stored_rows(self, *, chunk: int = 5000, end: int | None = None) -> Iterator[StoredEntry]:
        """Every row exactly as stored (no parsing), in seq order; with ``end``, those before it."""
        query = select(LedgerEntryRow.seq, LedgerEntryRow.kind, LedgerEntryRow.body, LedgerEntryRow.hash)
        query = query.where(LedgerEntryRow.seq >= bindparam("pos"))
        if end is not None:
            query = query.where(LedgerEntryRow.seq < end)
        query = query.order_by(LedgerEntryRow.seq).limit(chunk)
        pos = 0
        while True:
            with self.db.read_session() as s:
                # the driver's tuples, without SQLAlchemy's rows: a full verify reads every entry
                batch = s.connection().execute(query, {"pos": pos}).cursor.fetchall()
            if not batch:
                return
            yield from map(StoredEntry._make, batch)
            pos = batch[-1][0] + 1

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every stored checkpoint, by size."""
        with self.db.read_session() as s:
            return [
                StoredCheckpoint(r[0], r[1])
                for r in s.execute(
                    select(CheckpointRow.size, CheckpointRow.note).order_by(CheckpointRow.size)
                )
            ]

    def _resolve_size(self, s: Session, size: int | None) -> int:
        current = read_head(s).size
        if size is None:
            return current
        if not 0 <= size <= current:
            raise NotFound(
                f"tree size {size} out of range; the log has {current} entries", code="proof.out_of_range"
            )
        return size
