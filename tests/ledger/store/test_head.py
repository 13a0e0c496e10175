"""The append's one-statement read under the lock, and the tree a writer remembers between appends."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger.errors import Conflict, RuleViolation
from ledger.log import merkle
from ledger.log.entry import GENESIS_PREV, Submission
from ledger.log.keys import generate_key, public_key_b64
from ledger.store import head
from ledger.store.append import Ledger
from ledger.store.db import Database
from ledger.store.head import Head, lookup_batch, read_head
from tests.conftest import Park


def _buyer(park: Park, actor_id: str, client_id: str | None = None) -> Submission:
    payload: dict[str, object] = {
        "id": actor_id,
        "name": actor_id,
        "role": "buyer",
        "public_key": public_key_b64(generate_key().public_key()),
    }
    return park.sign("actor.register", "operator", payload, client_id=client_id)


def _tree_holds(ledger: Ledger) -> None:
    leaves = [bytes.fromhex(row.hash) for row in ledger.stored_rows()]
    assert ledger.root() == merkle.root(leaves)
    report = ledger.verify()
    assert report.ok, report


def test_lookup_reads_head_replays_placements_and_actors(make_park: Callable[[], Park]) -> None:
    park = make_park()
    first = _buyer(park, "B-1", client_id="c-1")
    placed = park.ledger.append([first])[0]
    with park.ledger.db.read_session() as s:
        empty = lookup_batch(s, [], [], [])
        got = lookup_batch(
            s,
            [first.signed_digest(), "0" * 64],
            [("operator", "c-1"), ("operator", "c-2")],
            ["B-1", "nobody", "operator"],
        )
        assert read_head(s) == got.head == empty.head == Head(placed.seq + 1, placed.hash)
    assert got.digests == {first.signed_digest()}
    assert {k: (p.digest, p.seq, p.hash) for k, p in got.by_client_id.items()} == {
        ("operator", "c-1"): (first.signed_digest(), placed.seq, placed.hash)
    }
    assert set(got.actors) == {"B-1", "operator"}
    assert got.actors["B-1"].role == "buyer" and got.actors["B-1"].uscc is None
    assert empty.digests == set() and not empty.by_client_id and not empty.actors


def test_lookup_of_an_empty_log(db_url: str) -> None:
    db = Database(db_url)
    db.migrate()
    with db.read_session() as s:
        assert lookup_batch(s, ["a" * 64], [("x", "y")], ["x"]).head == Head(0, GENESIS_PREV)
        assert read_head(s) == Head(0, GENESIS_PREV)
    db.dispose()


@pytest.mark.parametrize("chunk", [1, 2, 500])
def test_batches_read_in_chunks_keep_every_rule(
    make_park: Callable[[], Park], monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(head, "IN_CHUNK", chunk)
    park = make_park()
    earlier = [_buyer(park, f"B-{i}", client_id=f"c-{i}") for i in range(3)]
    placed = park.ledger.append(earlier)
    # retries of earlier ones, new ones, and one retried inside the batch
    fresh = [_buyer(park, f"N-{i}", client_id=f"n-{i}") for i in range(3)]
    again = park.ledger.append([earlier[2], fresh[0], earlier[0], fresh[1], fresh[2], fresh[1]])
    assert [(a.seq, a.duplicate) for a in again] == [
        (placed[2].seq, True),
        (placed[2].seq + 1, False),
        (placed[0].seq, True),
        (placed[2].seq + 2, False),
        (placed[2].seq + 3, False),
        (placed[2].seq + 2, True),
    ]
    size = park.ledger.size()
    with pytest.raises(Conflict) as conflict:
        park.ledger.append([_buyer(park, "X-1"), _buyer(park, "X-2", client_id="c-1")])
    assert conflict.value.code == "entry.client_id_reused" and conflict.value.details["index"] == 1
    replay = _buyer(park, "R-1")
    park.ledger.append([replay])
    with pytest.raises(RuleViolation) as replayed:
        park.ledger.append([_buyer(park, "X-3"), replay])
    assert replayed.value.code == "signature.replayed" and replayed.value.details["index"] == 1
    with pytest.raises(RuleViolation) as exists:
        park.ledger.append([_buyer(park, "X-4"), _buyer(park, "B-1")])
    assert exists.value.code == "actor.exists"
    assert park.ledger.size() == size + 1  # only the replayed entry's first landing
    _tree_holds(park.ledger)


def test_a_writer_reads_the_tree_again_after_another_appended(make_park: Callable[[], Park]) -> None:
    park = make_park()
    one = park.ledger
    other = Ledger(Database(one.db.url), park.keys["operator"])
    for i, (writer, n) in enumerate(
        [(one, 1), (one, 1), (other, 1), (one, 3), (other, 2), (other, 1), (one, 1)]
    ):
        writer.append([_buyer(park, f"B-{i}-{j}") for j in range(n)])
        _tree_holds(one)
    # a failed append leaves the remembered tree as it was
    with pytest.raises(RuleViolation):
        one.append([_buyer(park, "B-0-0")])
    one.append([_buyer(park, "B-last")])
    _tree_holds(one)
    other.db.dispose()
