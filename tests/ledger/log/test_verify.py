"""Tamper evidence: any changed byte of a stored body, hash or checkpoint is found where it is."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from ledger.log import merkle
from ledger.log.keys import generate_key, public_key_b64
from ledger.store.append import Ledger
from ledger.store.export import export_ledger, verify_export
from ledger.store.tables import CheckpointRow, LedgerEntryRow, MerkleNodeRow
from tests.conftest import Park


def _build(park: Park, n: int = 12) -> Ledger:
    for i in range(n):
        park.register(f"E-{i}", "enterprise")
    park.ledger.append(
        [
            park.sign(
                "actor.rotate_key",
                "E-3",
                {"actor_id": "E-3", "public_key": public_key_b64(generate_key().public_key())},
            )
        ]
    )
    return park.ledger


def _flip(text: str, pos: int) -> str:
    ch = text[pos]
    repl = "0" if ch != "0" else "1"
    if ch.isalpha():
        repl = "x" if ch != "x" else "y"
    return text[:pos] + repl + text[pos + 1 :]


def _set(ledger: Ledger, column: str, seq: int, value: str) -> None:
    with ledger.db.write_session() as s:
        s.execute(update(LedgerEntryRow).where(LedgerEntryRow.seq == seq).values({column: value}))


def test_every_body_and_hash_flip_is_found_at_its_seq(make_park: Callable[[], Park]) -> None:
    ledger = _build(make_park())
    assert ledger.verify().ok
    rng = random.Random(7)
    rows = list(ledger.stored_rows())
    for row in rows:
        for column, original in (("body", row.body), ("hash", row.hash)):
            pos = rng.randrange(len(original))
            _set(ledger, column, row.seq, _flip(original, pos))
            report = ledger.verify()
            assert not report.ok
            assert report.first_bad_seq == row.seq, (column, pos, report)
            _set(ledger, column, row.seq, original)
    assert ledger.verify().ok


def test_body_and_hash_rewritten_together_break_the_chain_or_checkpoint(
    make_park: Callable[[], Park],
) -> None:
    ledger = _build(make_park())
    rows = list(ledger.stored_rows())
    from ledger.log import merkle

    for row in (rows[2], rows[-1]):
        body = (
            row.body.replace('"name":"E-', '"name":"F-', 1)
            if '"name":"E-' in row.body
            else row.body.replace('"v":1', '"v":1 ', 1)
        )
        _set(ledger, "body", row.seq, body)
        _set(ledger, "hash", row.seq, merkle.leaf_hash(body.encode()).hex())
        report = ledger.verify()
        assert not report.ok
        # a forged middle entry breaks its signature; a forged last entry also breaks the checkpoints
        assert report.first_bad_seq == row.seq or report.bad_checkpoint_size is not None
        _set(ledger, "body", row.seq, row.body)
        _set(ledger, "hash", row.seq, row.hash)
    assert ledger.verify().ok


def test_every_checkpoint_flip_is_found_at_its_size(make_park: Callable[[], Park]) -> None:
    ledger = _build(make_park(), n=4)
    rng = random.Random(11)
    with ledger.db.read_session() as s:
        notes = list(s.execute(select(CheckpointRow.size, CheckpointRow.note)))
    for size, note in notes:
        for pos in rng.sample(range(len(note)), 5):
            if note[pos] == "\n":
                continue
            with ledger.db.write_session() as s:
                s.execute(
                    update(CheckpointRow).where(CheckpointRow.size == size).values(note=_flip(note, pos))
                )
            report = ledger.verify()
            assert not report.ok and report.bad_checkpoint_size == size, (size, pos, report)
            with ledger.db.write_session() as s:
                s.execute(update(CheckpointRow).where(CheckpointRow.size == size).values(note=note))
    assert ledger.verify().ok


def test_stored_merkle_node_flip_is_found(make_park: Callable[[], Park]) -> None:
    ledger = _build(make_park())
    with ledger.db.write_session() as s:
        level, idx, h = s.execute(
            select(MerkleNodeRow.level, MerkleNodeRow.idx, MerkleNodeRow.hash).limit(1)
        ).one()
        s.execute(
            update(MerkleNodeRow)
            .where(MerkleNodeRow.level == level, MerkleNodeRow.idx == idx)
            .values(hash=bytes([h[0] ^ 1]) + h[1:])
        )
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == idx << level
    assert report.code == "merkle.node_mismatch"


@pytest.mark.parametrize("change", ["delete", "add"])
def test_stored_merkle_nodes_deleted_or_invented_are_found(
    make_park: Callable[[], Park], change: str
) -> None:
    """Proofs are served from the stored nodes: a missing one, or one beyond the tree, is named."""
    ledger = _build(make_park())
    size = ledger.size()
    with ledger.db.write_session() as s:
        if change == "delete":
            s.execute(delete(MerkleNodeRow).where(MerkleNodeRow.level == 1, MerkleNodeRow.idx == 0))
        else:  # a node of a tree twice the size: no entry backs it
            s.execute(insert(MerkleNodeRow).values(level=size.bit_length() + 1, idx=0, hash=bytes(32)))
    report = ledger.verify(workers=2)
    assert not report.ok
    assert report.code == ("merkle.node_missing" if change == "delete" else "merkle.node_mismatch")


def test_export_verifies_offline_and_detects_tampering(make_park: Callable[[], Park], tmp_path: Path) -> None:
    park = make_park()
    ledger = _build(park, n=5)
    export_ledger(ledger, tmp_path)
    trust = park.keys["operator"].public_key()
    assert verify_export(tmp_path / "log.jsonl", trust, workers=2).ok
    assert not verify_export(tmp_path / "log.jsonl", generate_key().public_key()).ok
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace("E-2", "E-9")
    (tmp_path / "log.jsonl").write_text("\n".join(lines) + "\n")
    report = verify_export(tmp_path / "log.jsonl", trust)
    assert not report.ok and report.first_bad_seq == 3


def test_two_workers_in_small_chunks_find_the_same_first_bad_signature(
    make_park: Callable[[], Park], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signature chunks go to the workers during the ordered pass; the earliest failure still wins."""
    import ledger.log.verify as verify

    ledger = _build(make_park())
    monkeypatch.setattr(verify, "_CHUNK", 2)
    assert ledger.verify(workers=2).ok
    last = list(ledger.stored_rows())[-1]
    start = last.body.index('"sig":"') + len('"sig":"')
    body = _flip(last.body, start + 3)  # another signature, same length: hash recomputed to match
    _set(ledger, "body", last.seq, body)
    _set(ledger, "hash", last.seq, merkle.leaf_hash(body.encode()).hex())
    for workers in (1, 2):
        report = ledger.verify(workers=workers)
        assert (report.ok, report.first_bad_seq, report.code) == (False, last.seq, "entry.signature_invalid")


def test_appends_during_a_verify_are_left_out(
    make_park: Callable[[], Park], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live log keeps growing while it is verified: the entries, checkpoints and Merkle nodes
    committed meanwhile are not taken for an unsealed tail or for nodes beyond the entries."""
    park = make_park()
    ledger = _build(park)
    size = ledger.size()
    rows = ledger.stored_rows

    def rows_while_appending(**kw: Any) -> Iterator[Any]:
        for i, row in enumerate(rows(**kw)):
            if i == 1:  # another writer appends once the check has begun
                for j in range(5):
                    park.register(f"LATE-{j}", "buyer")
            yield row

    monkeypatch.setattr(ledger, "stored_rows", rows_while_appending)
    report = ledger.verify(workers=2)
    assert report.ok, report
    assert report.size == size and ledger.size() == size + 5
    monkeypatch.undo()
    assert ledger.verify().size == size + 5
