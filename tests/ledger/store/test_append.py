"""The log's storage contract, run on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from ledger.errors import Conflict, LedgerError, RuleViolation, SchemaViolation, SignatureInvalid
from ledger.log import merkle
from ledger.log.checkpoint import parse_note, parse_verifier_key, verify_checkpoint
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey, generate_key, public_key_b64
from ledger.log.signatures import MIN_BATCH
from ledger.store.actors import get_actor
from ledger.store.append import Ledger
from ledger.store.tables import CheckpointRow
from tests.conftest import Park


def _register(
    park: Park, actor_id: str, role: str = "enterprise", client_id: str | None = None
) -> Submission:
    key = generate_key()
    park.keys[actor_id] = key
    return park.sign(
        "actor.register",
        "operator",
        {"id": actor_id, "name": actor_id, "role": role, "public_key": public_key_b64(key.public_key())},
        client_id=client_id,
    )


def _state(ledger: Ledger) -> tuple[int, bytes, int]:
    with ledger.db.read_session() as s:
        checkpoints = s.scalar(select(func.count()).select_from(CheckpointRow)) or 0
    return ledger.size(), ledger.root(), checkpoints


def test_create_appends_genesis_and_checkpoint(make_park: Callable[[], Park]) -> None:
    park = make_park()
    assert park.ledger.size() == 1
    genesis = park.ledger.entry(0)
    assert genesis.kind == "actor.register" and genesis.prev == "0" * 64
    info = park.ledger.info()
    name, key = parse_verifier_key(info.operator_key)
    cp = verify_checkpoint(park.ledger.latest_checkpoint(), name, key)
    assert cp.size == 1 and cp.root_hash == merkle.leaf_hash(genesis.body.encode())
    with pytest.raises(Conflict) as e:
        Ledger.create(park.ledger.db, park.keys["operator"], origin="again")
    assert e.value.code == "ledger.exists"


def test_batch_append_chain_and_proofs(make_park: Callable[[], Park]) -> None:
    park = make_park()
    placed = park.ledger.append([_register(park, f"E-{i}") for i in range(37)])
    assert [p.seq for p in placed] == list(range(1, 38))
    entries = list(park.ledger.entries())
    assert [e.seq for e in entries] == list(range(38))
    for a, b in zip(entries, entries[1:], strict=False):
        assert b.prev == a.hash
    leaves = [bytes.fromhex(e.hash) for e in entries]
    assert park.ledger.root() == merkle.root(leaves)
    for size in (1, 2, 5, 16, 37, 38):
        root = merkle.root(leaves[:size])
        assert park.ledger.root(size) == root
        for seq in {0, size // 2, size - 1}:
            p = park.ledger.inclusion_proof(seq, size)
            assert list(p.path) == merkle.inclusion_proof(leaves[:size], seq)
            assert merkle.verify_inclusion(p.leaf_hash, seq, size, p.path, root)
        for old in (0, 1, size // 3, size):
            c = park.ledger.consistency_proof(old, size)
            assert list(c.path) == merkle.consistency_proof(leaves[:size], old)
            assert merkle.verify_consistency(old, size, c.old_root, c.new_root, c.path)
    cp, _ = parse_note(park.ledger.latest_checkpoint())
    assert (cp.size, cp.root_hash) == (38, merkle.root(leaves))
    assert park.ledger.verify().ok


def test_idempotent_retry_returns_original_seq(make_park: Callable[[], Park]) -> None:
    park = make_park()
    sub = _register(park, "E-1", client_id="req-1")
    first = park.ledger.append([sub])[0]
    again = park.ledger.append([sub])[0]
    assert again.duplicate and (again.seq, again.hash) == (first.seq, first.hash)
    assert park.ledger.size() == 2
    # a retry inside one batch also returns the first placement
    sub2 = _register(park, "E-2", client_id="req-2")
    both = park.ledger.append([sub2, sub2])
    assert both[0].seq == both[1].seq == 2 and both[1].duplicate
    # same client id, other content: a conflict, nothing written
    before = _state(park.ledger)
    other = _register(park, "E-3", client_id="req-1")
    with pytest.raises(Conflict) as e:
        park.ledger.append([other])
    assert e.value.code == "entry.client_id_reused"
    assert _state(park.ledger) == before


def test_replayed_signature_rejected(make_park: Callable[[], Park]) -> None:
    park = make_park()
    key = generate_key()
    park.keys["E-1"] = key
    park.ledger.append([_register(park, "E-1")])
    rotate = park.sign(
        "actor.rotate_key",
        "E-1",
        {"actor_id": "E-1", "public_key": public_key_b64(generate_key().public_key())},
    )
    park.ledger.append([rotate])
    before = _state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([rotate])  # a captured entry sent again
    assert e.value.code in {"signature.replayed", "signature.invalid"}
    assert _state(park.ledger) == before


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("wrong_key", "signature.invalid"),
        ("unknown_actor", "actor.unknown"),
        ("bad_schema", "schema.invalid"),
        ("unknown_kind", "kind.unknown"),
        ("duplicate_actor", "actor.exists"),
        ("not_authorised", "actor.not_authorised"),
        ("bad_key", "schema.invalid"),
    ],
)
def test_rejections_name_the_rule_and_write_nothing(
    make_park: Callable[[], Park], case: str, code: str
) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    good = _register(park, "E-OK")
    if case == "wrong_key":
        sub = Submission.create("actor.register", "operator", _register(park, "E-2").payload, generate_key())
    elif case == "unknown_actor":
        sub = Submission.create("actor.register", "nobody", _register(park, "E-2").payload, generate_key())
    elif case == "bad_schema":
        sub = park.sign(
            "actor.register", "operator", {"id": "E-2", "role": "wizard", "name": "x", "public_key": "AA"}
        )
    elif case == "unknown_kind":
        sub = park.sign("gec.frobnicate", "operator", {})
    elif case == "duplicate_actor":
        sub = _register(park, "E-1")
    elif case == "not_authorised":
        sub = park.sign("actor.register", "E-1", _register(park, "E-2").payload)
    else:
        sub = park.sign(
            "actor.register", "operator", {"id": "E-2", "role": "buyer", "name": "x", "public_key": "AAAA"}
        )
    before = _state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([good, sub])  # the good first entry must not land either
    assert e.value.code == code, e.value
    assert e.value.details.get("index") == 1
    assert isinstance(e.value, SchemaViolation | RuleViolation | SignatureInvalid)
    assert _state(park.ledger) == before
    assert park.ledger.verify().ok


def test_key_rotation(make_park: Callable[[], Park]) -> None:
    park = make_park()
    old = park.register("E-1", "enterprise")
    new = generate_key()
    park.ledger.append(
        [
            park.sign(
                "actor.rotate_key", "E-1", {"actor_id": "E-1", "public_key": public_key_b64(new.public_key())}
            )
        ]
    )
    # the old key no longer signs for E-1
    stale = Submission.create(
        "actor.rotate_key",
        "E-1",
        {"actor_id": "E-1", "public_key": public_key_b64(generate_key().public_key())},
        old,
    )
    with pytest.raises(SignatureInvalid):
        park.ledger.append([stale])
    fresh = Submission.create(
        "actor.rotate_key",
        "E-1",
        {"actor_id": "E-1", "public_key": public_key_b64(generate_key().public_key())},
        new,
    )
    park.ledger.append([fresh])
    # nobody else rotates E-1's key, except the operator
    park.register("E-2", "enterprise")
    with pytest.raises(RuleViolation) as e:
        park.ledger.append(
            [
                park.sign(
                    "actor.rotate_key",
                    "E-2",
                    {"actor_id": "E-1", "public_key": public_key_b64(generate_key().public_key())},
                )
            ]
        )
    assert e.value.code == "actor.not_authorised"
    park.ledger.append(
        [
            park.sign(
                "actor.rotate_key",
                "operator",
                {"actor_id": "E-1", "public_key": public_key_b64(generate_key().public_key())},
            )
        ]
    )
    report = park.ledger.verify()
    assert report.ok, report


def test_big_batch_signature_precheck_matches_ordered_checking(make_park: Callable[[], Park]) -> None:
    from ledger.log import signatures

    park = make_park()
    old = park.register("E-1", "enterprise")
    new = generate_key()
    batch = [_register(park, f"B-{i}", role="buyer") for i in range(signatures.MIN_BATCH + 10)]
    # E-1 rotates its key inside the batch and then signs with the new one: the ahead
    # check used the old key, so this must be checked again in order, and pass.
    batch.insert(
        5,
        park.sign(
            "actor.rotate_key", "E-1", {"actor_id": "E-1", "public_key": public_key_b64(new.public_key())}
        ),
    )
    batch.insert(
        7,
        Submission.create(
            "actor.rotate_key",
            "E-1",
            {"actor_id": "E-1", "public_key": public_key_b64(generate_key().public_key())},
            new,
        ),
    )
    park.ledger.append(batch)
    assert park.ledger.verify().ok
    # a stale signature deep in a big batch is still caught, at its index
    batch = [_register(park, f"C-{i}", role="buyer") for i in range(signatures.MIN_BATCH + 10)]
    batch[signatures.MIN_BATCH - 3] = Submission.create(
        "actor.rotate_key",
        "E-1",
        {"actor_id": "E-1", "public_key": public_key_b64(generate_key().public_key())},
        old,
    )
    before = _state(park.ledger)
    with pytest.raises(SignatureInvalid) as e:
        park.ledger.append(batch)
    assert e.value.details["index"] == signatures.MIN_BATCH - 3
    assert _state(park.ledger) == before


def test_entries_by_actor_is_a_trail_in_order(make_park: Callable[[], Park]) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    park.ledger.append(
        [
            park.sign(
                "actor.rotate_key",
                "E-1",
                {"actor_id": "E-1", "public_key": public_key_b64(generate_key().public_key())},
            )
        ]
    )
    trail = park.ledger.entries_by_actor("E-1")
    assert [e.kind for e in trail] == ["actor.rotate_key"] and trail[0].actor == "E-1"
    ops = park.ledger.entries_by_actor("operator", start=1, limit=1)
    assert [e.seq for e in ops] == [1]
    with pytest.raises(ValueError):
        park.ledger.entries_by_actor("E-1", limit=0)


def test_big_batch_sees_its_own_registrations_and_rotations(make_park: Callable[[], Park]) -> None:
    """A batch past the signature worker's threshold and PostgreSQL's COPY threshold: actors registered
    in it are queued as rows (``AppendContext.insert``), read back by a rotation later in the same batch,
    and an entry signed with the rotated key is checked against it, not against the precheck's key."""
    park = make_park()
    subs = [_register(park, f"B-{i}") for i in range(MIN_BATCH + 100)]
    rotated, newest = generate_key(), generate_key()
    subs.append(
        park.sign(
            "actor.rotate_key", "B-5", {"actor_id": "B-5", "public_key": public_key_b64(rotated.public_key())}
        )
    )
    park.keys["B-5"] = rotated
    subs.append(
        park.sign(
            "actor.rotate_key", "B-5", {"actor_id": "B-5", "public_key": public_key_b64(newest.public_key())}
        )
    )
    placed = park.ledger.append(subs)
    assert len(placed) == len(subs) and not any(p.duplicate for p in placed)
    with park.ledger.db.read_session() as s:
        actor = get_actor(s, "B-5")
        assert actor is not None and actor.public_key == public_key_b64(newest.public_key())
        assert get_actor(s, f"B-{MIN_BATCH + 99}") is not None
    assert park.ledger.verify(workers=2).ok


def test_big_batch_with_one_forged_signature_writes_nothing(make_park: Callable[[], Park]) -> None:
    """Signatures checked ahead in the worker or inline by the append loop: a forgery deep in a big batch
    is named by its index and the whole batch is refused."""
    park = make_park()
    subs = [_register(park, f"F-{i}") for i in range(MIN_BATCH + 100)]
    bad = MIN_BATCH - 7
    forged = Submission(
        kind=subs[bad].kind, actor=subs[bad].actor, payload=subs[bad].payload, sig=subs[bad + 1].sig
    )
    subs[bad] = forged
    before = _state(park.ledger)
    with pytest.raises(SignatureInvalid) as e:
        park.ledger.append(subs)
    assert e.value.details["index"] == bad
    assert _state(park.ledger) == before


def _append_registrations(url: str, operator: Ed25519PrivateKey, n: int) -> None:
    from ledger.store.db import Database

    ledger = Ledger(Database(url), operator)
    pub = public_key_b64(generate_key().public_key())
    payloads = [{"id": f"M-{i}", "name": "m", "role": "buyer", "public_key": pub} for i in range(n)]
    ledger.append([Submission.create("actor.register", "operator", p, operator) for p in payloads])


def test_a_multiprocessing_child_appending_a_big_batch_exits(make_park: Callable[[], Park]) -> None:
    """A child process (which leaves without running atexit) checks its signatures inline instead of
    starting a worker it would then wait for forever."""
    import multiprocessing as mp

    park = make_park()
    # forked: the arguments are inherited, not pickled
    child = mp.get_context("fork").Process(
        target=_append_registrations, args=(park.ledger.db.url, park.keys["operator"], MIN_BATCH + 10)
    )
    child.start()
    child.join(timeout=120)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive and child.exitcode == 0
    assert park.ledger.size() == 1 + MIN_BATCH + 10
