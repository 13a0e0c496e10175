"""A witness's durable state, and cosignatures stored with the ledger's checkpoints."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.errors import Conflict, CosignatureError, NotFound, WitnessRefused
from ledger.log.checkpoint import Checkpoint, parse_note, sign_checkpoint, verifier_key
from ledger.log.cosignature import (
    Cosignature,
    WitnessKey,
    check_cosignature,
    cosign,
    with_cosignatures,
)
from ledger.log.keys import generate_key, public_key_b64
from ledger.log.policy import Policy
from ledger.log.witness import AddCheckpoint
from ledger.store.append import Ledger
from ledger.store.witness_home import STATE_FILE, WitnessHome
from tests.conftest import Park


def _grow(park: Park, n: int, tag: str) -> None:
    pub = public_key_b64(generate_key().public_key())
    park.ledger.append(
        [
            park.sign(
                "actor.register",
                "operator",
                {"id": f"{tag}-{i}", "name": tag, "role": "buyer", "public_key": pub},
            )
            for i in range(n)
        ]
    )


def _request(ledger: Ledger, home: WitnessHome) -> AddCheckpoint:
    note = ledger.latest_checkpoint()
    held = home.latest().get(ledger.info().origin)
    old = 0 if held is None else held.size
    proof = ledger.consistency_proof(old).path if old else ()
    return AddCheckpoint(old, tuple(proof), note)


@pytest.fixture
def home(tmp_path: Path) -> WitnessHome:
    return WitnessHome.create(tmp_path / "w", "park-admin.example/witness")


def test_create_open_trust(tmp_path: Path, home: WitnessHome) -> None:
    assert (home.path / "witness.pem").stat().st_mode & 0o777 == 0o600
    assert WitnessKey.from_vkey((home.path / "witness.vkey").read_text()) == home.witness_key
    with pytest.raises(Conflict):
        WitnessHome.create(home.path, "again.example")
    with pytest.raises(NotFound):
        WitnessHome.open(tmp_path / "nowhere")
    key = generate_key()
    vkey = verifier_key("log.example", key.public_key())
    home.trust(vkey)
    home.trust(vkey)  # idempotent
    again = WitnessHome.open(home.path)
    assert again.witness_key == home.witness_key and list(again.logs()) == ["log.example"]


def test_cosigns_a_growing_ledger_and_keeps_state(make_park: Callable[[], Park], home: WitnessHome) -> None:
    park = make_park()
    ledger = park.ledger
    home.trust(ledger.info().operator_key)
    lines = home.add_checkpoint(_request(ledger, home), now=1000)
    assert len(lines) == 1
    note = ledger.add_cosignatures(1, "".join(c.line() for c in lines), [home.witness_key])
    assert check_cosignature(note, home.witness_key).ok
    assert ledger.latest_checkpoint() == note
    _grow(park, 7, "a")
    cosigned = home.cosign_note(ledger.latest_checkpoint(), ledger.consistency_proof(1).path, now=1001)
    assert check_cosignature(cosigned, home.witness_key).timestamp == 1001
    assert WitnessHome.open(home.path).latest()[ledger.info().origin].size == 8  # durable
    assert ledger.verify().ok  # cosignature lines do not disturb verification


def test_refusals_leave_the_state_file_unchanged(make_park: Callable[[], Park], home: WitnessHome) -> None:
    park = make_park()
    ledger = park.ledger
    origin = ledger.info().origin
    home.trust(ledger.info().operator_key)
    _grow(park, 9, "a")
    home.add_checkpoint(_request(ledger, home))
    before = (home.path / STATE_FILE).read_bytes()
    operator = park.keys["operator"]
    small = sign_checkpoint(Checkpoint(origin, 5, ledger.root(5)), origin, operator)
    forked = sign_checkpoint(Checkpoint(origin, 10, bytes(32)), origin, operator)
    cases = {
        "witness.rollback": AddCheckpoint(10, (), small),
        "witness.fork": AddCheckpoint(10, (), forked),
        "witness.old_size_mismatch": AddCheckpoint(3, (), ledger.latest_checkpoint()),
        "witness.untrusted": AddCheckpoint(
            10, (), sign_checkpoint(Checkpoint(origin, 10, ledger.root()), origin, generate_key())
        ),
        "witness.unknown_origin": AddCheckpoint(
            0, (), sign_checkpoint(Checkpoint("x.example", 1, bytes(32)), "x.example", operator)
        ),
        "witness.malformed": AddCheckpoint(0, (), "garbage"),
    }
    for code, request in cases.items():
        with pytest.raises(WitnessRefused) as e:
            home.add_checkpoint(request)
        assert e.value.code == code
        assert (home.path / STATE_FILE).read_bytes() == before, code


def test_concurrent_requests_never_roll_the_state_back(
    make_park: Callable[[], Park], home: WitnessHome
) -> None:
    """Requests for sizes 2..21 raced from many threads: the state only grows (tlog-witness race)."""
    park = make_park()
    ledger = park.ledger
    home.trust(ledger.info().operator_key)
    home.add_checkpoint(_request(ledger, home))
    for i in range(20):
        _grow(park, 1, f"r{i}")
    notes = {size: ledger.checkpoint(size) for size in range(1, 22)}
    seen: list[int] = []
    lock = threading.Lock()

    def submit(size: int) -> None:
        for old in range(1, size + 1):  # a client that does not know the witness's size tries them all
            proof = ledger.consistency_proof(old, size).path
            try:
                home.add_checkpoint(AddCheckpoint(old, tuple(proof), notes[size]))
            except WitnessRefused:
                continue
            with lock:
                seen.append(size)
                assert home.latest()[ledger.info().origin].size >= size
            return

    threads = [threading.Thread(target=submit, args=(size,)) for size in range(2, 22)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert home.latest()[ledger.info().origin].size == max(seen)


def test_ledger_keeps_only_good_cosignatures(make_park: Callable[[], Park], home: WitnessHome) -> None:
    ledger = make_park().ledger
    home.trust(ledger.info().operator_key)
    other = WitnessKey("other.example/w", generate_key().public_key())
    good = home.add_checkpoint(_request(ledger, home), now=5)[0]
    before = ledger.latest_checkpoint()
    forged = Cosignature(good.name, good.key_id, good.timestamp, bytes(64))
    with pytest.raises(CosignatureError) as e:
        ledger.add_cosignatures(1, forged.line(), [home.witness_key])
    assert e.value.code == "cosignature.forged" and ledger.latest_checkpoint() == before
    stray = cosign(parse_note(before)[0].body(), "stray.example", generate_key(), 5)
    note = ledger.add_cosignatures(1, good.line() + stray.line(), [home.witness_key, other])
    assert "stray.example" not in note and good.line() in note
    with pytest.raises(NotFound):
        ledger.add_cosignatures(99, good.line(), [home.witness_key])
    policy = Policy.from_text(
        f"log {ledger.info().operator_key}\nwitness w {home.witness_key.vkey()}\nquorum w\n"
    )
    assert ledger.witnessed_checkpoint(policy) == note
    assert ledger.verify(policy=policy).witnesses == ("w",)
    assert with_cosignatures(note, [good]) == note  # idempotent
