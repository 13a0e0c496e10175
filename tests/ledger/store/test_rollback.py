"""Attacks by someone who can write the database, and how ``verify`` catches each.

Deleting checkpoints, rolling back N entries (found against a saved checkpoint),
rolling back and rewriting (a fork), appending a replayed signed entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, select

from ledger.log import merkle
from ledger.log.canonical import canonical_text
from ledger.log.checkpoint import Checkpoint, sign_checkpoint
from ledger.log.entry import Entry, Submission
from ledger.log.keys import generate_key, public_key_b64
from ledger.store.append import Ledger
from ledger.store.tables import CheckpointRow, LedgerEntryRow, MerkleNodeRow
from ledger.store.tree import fetch_nodes
from tests.conftest import Park
from tests.ledger.energy_helpers import issue, metered


def _registrations(park: Park, tag: str, n: int) -> None:
    pub = public_key_b64(generate_key().public_key())
    park.ledger.append(
        [
            park.sign(
                "actor.register",
                "operator",
                {"id": f"{tag}-{i}", "name": f"Buyer {tag}-{i}", "role": "buyer", "public_key": pub},
            )
            for i in range(n)
        ]
    )


def _truncate(ledger: Ledger, size: int) -> None:
    """What a rollback does to the rows: entries, their checkpoints and Merkle nodes from ``size`` on."""
    with ledger.db.write_session() as s:
        s.execute(delete(LedgerEntryRow).where(LedgerEntryRow.seq >= size))
        s.execute(delete(CheckpointRow).where(CheckpointRow.size > size))
        for level, idx in s.execute(select(MerkleNodeRow.level, MerkleNodeRow.idx)).all():
            if (idx + 1) << level > size:
                s.execute(delete(MerkleNodeRow).where(MerkleNodeRow.level == level, MerkleNodeRow.idx == idx))


@pytest.fixture
def log_515(make_park: Callable[[], Park]) -> Park:
    """515 entries with checkpoints at 1, 15, 505, 514 and 515 (so rollbacks of 1, 10, 500 land on one)."""
    park = make_park()
    for tag, n in (("a", 14), ("b", 490), ("c", 9), ("d", 1)):
        _registrations(park, tag, n)
    assert park.ledger.size() == 515
    return park


def test_deleted_checkpoints_leave_an_unsealed_tail(make_park: Callable[[], Park]) -> None:
    park = make_park()
    _registrations(park, "a", 3)
    _registrations(park, "b", 4)
    ledger = park.ledger
    with ledger.db.write_session() as s:
        s.execute(delete(CheckpointRow).where(CheckpointRow.size == 8))
    report = ledger.verify()
    assert not report.ok and report.code == "checkpoint.unsealed_tail" and report.first_bad_seq == 4
    assert "unsealed tail of 4 entries" in (report.reason or "")
    with ledger.db.write_session() as s:
        s.execute(delete(CheckpointRow))
    report = ledger.verify()
    assert (
        not report.ok
        and report.code == "checkpoint.unsealed_tail"
        and "no checkpoint" in (report.reason or "")
    )


@pytest.mark.parametrize("n", [1, 10, 500])
def test_rollback_of_n_entries_is_found_against_a_saved_checkpoint(log_515: Park, n: int) -> None:
    ledger = log_515.ledger
    saved = ledger.latest_checkpoint()  # what a buyer kept
    assert ledger.verify(against=saved).ok
    _truncate(ledger, 515 - n)
    assert ledger.verify().ok  # the rolled-back log is consistent in itself ...
    report = ledger.verify(against=saved)  # ... but not with what was seen
    assert not report.ok and report.code == "log.rollback"
    assert f"{n} entries gone" in (report.reason or "")


def test_rollback_and_rewrite_is_a_fork(log_515: Park) -> None:
    ledger = log_515.ledger
    saved = ledger.checkpoint(514)
    _truncate(ledger, 505)
    _registrations(log_515, "x", 20)  # new history on top of the rolled-back log, longer than the saved one
    assert ledger.size() == 525 and ledger.verify().ok
    report = ledger.verify(against=saved)
    assert not report.ok and report.code == "log.fork" and "first 514 entries" in (report.reason or "")
    # an older checkpoint still inside the common prefix is fine
    assert ledger.verify(against=ledger.checkpoint(505)).ok


def test_saved_checkpoint_of_another_log_or_unsigned(log_515: Park) -> None:
    ledger = log_515.ledger
    other = sign_checkpoint(
        Checkpoint("other.example/log", 3, bytes(32)), "other.example/log", generate_key()
    )
    assert ledger.verify(against=other).code == "log.other_origin"
    forged = sign_checkpoint(
        Checkpoint(ledger.info().origin, 515, ledger.root()), ledger.info().origin, generate_key()
    )
    assert ledger.verify(against=forged).code == "against.invalid"
    assert ledger.verify(against="not a checkpoint").code == "against.invalid"


def _append_raw(ledger: Ledger, body_obj: dict[str, object]) -> int:
    """Append a row as a database writer would: correct seq, chain, hash and Merkle nodes; no checkpoint."""
    size = ledger.size()
    prev = ledger.entry(size - 1).hash
    body_obj = {**body_obj, "seq": size, "prev": prev, "recorded_at": "2026-02-01T00:00:00.000000Z"}
    body = canonical_text(body_obj)
    entry = Entry.from_body(body)
    with ledger.db.write_session() as s:
        s.execute(
            insert(LedgerEntryRow),
            [
                {
                    "seq": size,
                    "kind": entry.kind,
                    "actor": entry.actor,
                    "client_id": None,
                    "body": body,
                    "hash": entry.hash,
                    "signed_digest": "f" * 64,
                }
            ],
        )
        frontier = [fetch_nodes(s, [n])[0] for n in merkle.frontier_subtrees(size)]
        nodes, _ = merkle.append_leaves(frontier, size, [bytes.fromhex(entry.hash)])
        if nodes:
            s.execute(insert(MerkleNodeRow), [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes])
    return size


def test_appended_replay_of_a_signed_transfer(make_energy_park: Callable[[], Park]) -> None:
    park = metered(make_energy_park())  # GEC are issued only for metered generation
    park.ledger.append([park.sign("gec.issue", "R-1", issue(1001, 1100))])
    park.ledger.append([park.sign("gec.transfer", "G-1", {"first": 1021, "last": 1030, "to": "E-1"})])
    ledger = park.ledger
    transfer_seq = ledger.size() - 1
    original = json.loads(ledger.entry(transfer_seq).body)
    seq = _append_raw(ledger, original)
    report = ledger.verify()
    assert not report.ok and report.code == "entry.replayed" and report.first_bad_seq == seq
    assert f"seq {transfer_seq}" in (report.reason or "")
    # even with a checkpoint over it (an operator replaying its own users' signatures)
    key = park.keys["operator"]
    origin = ledger.info().origin
    with ledger.db.write_session() as s:
        root = merkle.root_from_frontier([fetch_nodes(s, [n])[0] for n in merkle.frontier_subtrees(seq + 1)])
        s.add(
            CheckpointRow(
                size=seq + 1,
                root_hash=root.hex(),
                note=sign_checkpoint(Checkpoint(origin, seq + 1, root), origin, key),
            )
        )
    report = ledger.verify()
    assert not report.ok and report.code == "entry.replayed"


def test_unsealed_tail_of_raw_appended_row(make_park: Callable[[], Park]) -> None:
    """A new signed entry (not a replay) added to the rows without a checkpoint."""
    park = make_park()
    key = generate_key()
    sub = Submission.create(
        "actor.register",
        "operator",
        {"id": "Z", "name": "Z", "role": "buyer", "public_key": public_key_b64(key.public_key())},
        park.keys["operator"],
    )
    placed = Entry.place(sub, 0, "0" * 64, datetime(2026, 1, 1, tzinfo=UTC))
    seq = _append_raw(park.ledger, json.loads(placed.body))
    report = park.ledger.verify()
    assert not report.ok and report.code == "checkpoint.unsealed_tail" and report.first_bad_seq == seq
    assert "unsealed tail of 1 entries" in (report.reason or "")
