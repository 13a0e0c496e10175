"""Tests for ledger.log.witness (the add-checkpoint decision) and ledger.log.consistency."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import LogInconsistent, WitnessRefused
from ledger.log import checkpoint as cp
from ledger.log import merkle
from ledger.log.consistency import check_extends, require_extends
from ledger.log.witness import MAX_PROOF_LINES, AddCheckpoint, LogKey, witness_checkpoint

ORIGIN = "tanji.example/log"
OPERATOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LOG = LogKey(ORIGIN, ORIGIN, OPERATOR.public_key())
LOGS = {ORIGIN: [LOG]}
LEAVES = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(64)]
FORKED = LEAVES[:20] + [merkle.leaf_hash(f"other {i}".encode()) for i in range(20, 64)]


def _cp(size: int, leaves: list[bytes] = LEAVES, origin: str = ORIGIN) -> cp.Checkpoint:
    return cp.Checkpoint(origin, size, merkle.root(leaves[:size]))


def _note(
    size: int, leaves: list[bytes] = LEAVES, key: Ed25519PrivateKey = OPERATOR, origin: str = ORIGIN
) -> str:
    return cp.sign_checkpoint(_cp(size, leaves, origin), origin, key)


def _request(
    old: int, size: int, leaves: list[bytes] = LEAVES, key: Ed25519PrivateKey = OPERATOR, origin: str = ORIGIN
) -> AddCheckpoint:
    proof = merkle.consistency_proof(leaves[:size], old) if 0 < old <= size else []
    return AddCheckpoint(old, tuple(proof), _note(size, leaves, key, origin))


def _refused(request: AddCheckpoint, latest: dict[str, cp.Checkpoint]) -> WitnessRefused:
    with pytest.raises(WitnessRefused) as e:
        witness_checkpoint(request, LOGS, latest)
    return e.value


def test_first_checkpoint_then_growth() -> None:
    first = witness_checkpoint(_request(0, 10), LOGS, {})
    assert first == _cp(10)
    second = witness_checkpoint(_request(10, 30), LOGS, {ORIGIN: first})
    assert second == _cp(30)
    same = witness_checkpoint(_request(30, 30), LOGS, {ORIGIN: second})  # re-cosign the same head
    assert same == second


def test_request_text_round_trip_matches_spec_layout() -> None:
    req = _request(10, 30)
    text = req.text()
    lines = text.split("\n")
    assert lines[0] == "old 10" and all(len(base64.b64decode(x)) == 32 for x in lines[1 : 1 + len(req.proof)])
    assert lines[1 + len(req.proof)] == ""
    assert AddCheckpoint.from_text(text) == req
    assert AddCheckpoint.from_text(text.encode()) == req


@pytest.mark.parametrize(
    "body",
    [
        "old 01\n\n",
        "old -1\n\n",
        "new 1\n\n",
        "old 1\nnot-base64!\n\n",
        "old 1\nAAAA\n\n",
        "old 1\n",
        "old 1\n" + "\n".join([base64.b64encode(bytes(32)).decode()] * (MAX_PROOF_LINES + 1)) + "\n\n",
    ],
)
def test_malformed_requests(body: str) -> None:
    with pytest.raises(WitnessRefused) as e:
        AddCheckpoint.from_text(body + _note(3))
    assert e.value.code == "witness.malformed"
    with pytest.raises(WitnessRefused):
        AddCheckpoint.from_text(b"\xff\xfe")


def test_unknown_origin_and_untrusted_key() -> None:
    assert _refused(_request(0, 5, origin="other.example/log"), {}).code == "witness.unknown_origin"
    assert _refused(_request(0, 5, key=Ed25519PrivateKey.generate()), {}).code == "witness.untrusted"
    # a note whose trusted line is tampered with
    note = _note(5)
    bad = note.replace(note.splitlines()[-1][-6:], "AAAAA=")
    assert _refused(AddCheckpoint(0, (), bad), {}).code in ("witness.untrusted", "witness.malformed")


def test_rollback_is_refused_and_names_what_the_witness_holds() -> None:
    held = {ORIGIN: _cp(40)}
    for req in (_request(40, 30), _request(30, 30), _request(0, 30)):
        err = _refused(req, held)
        assert err.code == "witness.rollback" and err.details["latest_size"] == 40


def test_old_size_rules() -> None:
    held = {ORIGIN: _cp(20)}
    assert _refused(AddCheckpoint(50, (), _note(40)), held).code == "witness.old_size_too_large"
    err = _refused(_request(10, 40), held)
    assert err.code == "witness.old_size_mismatch" and err.details["latest_size"] == 20
    err = _refused(_request(10, 40), {})
    assert err.code == "witness.old_size_mismatch" and err.details["latest_size"] == 0


def test_fork_shown_to_a_witness() -> None:
    """The operator shows the witness one history, then another that shares only a prefix."""
    held = {ORIGIN: witness_checkpoint(_request(0, 30), LOGS, {})}
    # same size, other root
    assert _refused(AddCheckpoint(30, (), _note(30, FORKED)), held).code == "witness.fork"
    # larger, with an honest proof of the forked tree: it does not lead from the root the witness holds
    assert _refused(_request(30, 50, FORKED), held).code == "witness.inconsistent"
    # larger, with the proof of the true tree attached to the forked checkpoint
    true_proof = tuple(merkle.consistency_proof(LEAVES[:50], 30))
    assert _refused(AddCheckpoint(30, true_proof, _note(50, FORKED)), held).code == "witness.inconsistent"
    # a non-empty proof from size 0
    assert _refused(AddCheckpoint(0, true_proof, _note(50)), {}).code == "witness.inconsistent"


def test_check_extends_names_each_failure() -> None:
    assert check_extends(_cp(10), _cp(30), merkle.consistency_proof(LEAVES[:30], 10)).ok
    assert check_extends(_cp(10), _cp(10), []).ok
    assert check_extends(_cp(30), _cp(10), []).code == "log.rollback"
    assert check_extends(_cp(30), _cp(30, FORKED), []).code == "log.fork"
    assert (
        check_extends(_cp(30), _cp(40, FORKED), merkle.consistency_proof(FORKED[:40], 30)).code
        == "log.inconsistent"
    )
    assert check_extends(_cp(10), _cp(10, origin="x"), []).code == "log.other_origin"
    assert check_extends(_cp(10), _cp(10), [bytes(32)]).code == "log.inconsistent"
    with pytest.raises(LogInconsistent) as e:
        require_extends(_cp(30), _cp(20), [])
    assert e.value.code == "log.rollback" and "10 entries gone" in e.value.message


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=64), st.integers(min_value=1, max_value=64), st.integers(0, 31))
def test_property_witness_accepts_exactly_the_consistent_growth(a: int, b: int, bit: int) -> None:
    old, new = min(a, b), max(a, b)
    held = {ORIGIN: _cp(old)}
    assert witness_checkpoint(_request(old, new), LOGS, held) == _cp(new)
    proof = list(merkle.consistency_proof(LEAVES[:new], old))
    if proof:  # any flipped bit in any proof hash is refused
        i = bit % len(proof)
        proof[i] = bytes([proof[i][0] ^ (1 << (bit % 8))]) + proof[i][1:]
        err = _refused(AddCheckpoint(old, tuple(proof), _note(new)), held)
        assert err.code == "witness.inconsistent"
