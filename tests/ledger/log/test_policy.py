"""Tests for ledger.log.policy: parsing, quorum arithmetic, and every way a cosigned note can fail."""

from __future__ import annotations

import itertools

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import CheckpointError, CosignatureError, PolicyError
from ledger.log import checkpoint as cp
from ledger.log import cosignature as co
from ledger.log import merkle
from ledger.log.policy import Policy, verify_cosigned

ORIGIN = "tanji.example/log"
OPERATOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LOG_VKEY = cp.verifier_key(ORIGIN, OPERATOR.public_key())
KEYS = {label: Ed25519PrivateKey.from_private_bytes(bytes([i + 1]) * 32) for i, label in enumerate("abcd")}
WKEYS = {label: co.WitnessKey(f"{label}.witness.example", k.public_key()) for label, k in KEYS.items()}


def _policy(quorum_lines: str) -> Policy:
    lines = [f"log {LOG_VKEY} https://log.example", *(f"witness {n} {w.vkey()}" for n, w in WKEYS.items())]
    return Policy.from_text("# test policy\n" + "\n".join(lines) + "\n" + quorum_lines)


def _note(size: int = 5, signers: str = "", origin: str = ORIGIN) -> str:
    root = merkle.root([merkle.leaf_hash(bytes([i])) for i in range(size)])
    note = cp.sign_checkpoint(cp.Checkpoint(origin, size, root), origin, OPERATOR)
    body, _ = cp.split_note(note)
    return co.with_cosignatures(note, [co.cosign(body, WKEYS[s].name, KEYS[s], 1000) for s in signers])


def test_parse_round_trip_and_describe() -> None:
    policy = _policy("group ab 1 a b\ngroup cd all c d\ngroup q 2 ab cd d\nquorum q\n")
    assert Policy.from_text(policy.text()) == policy
    assert policy.describe() == "2 of (1 of (a, b), 2 of (c, d), d)"
    assert policy.logs[0].url == "https://log.example"
    assert policy.urls() == {}


def test_k_of_n_quorum_over_every_subset() -> None:
    policy = _policy("group two 2 a b c\nquorum two\n")
    for r in range(4):
        for subset in itertools.combinations("abc", r):
            result = policy.check(_note(signers="".join(subset)))
            assert result.ok == (r >= 2), (subset, result)
            assert set(result.cosigned) == set(subset)
    assert _policy("quorum none\n").check(_note()).ok
    assert _policy("quorum a\n").check(_note(signers="a")).ok


def test_nested_groups() -> None:
    policy = _policy("group ab any a b\ngroup both all ab c\nquorum both\n")
    assert not policy.check(_note(signers="ab")).ok
    assert policy.check(_note(signers="bc")).ok


def test_witness_key_not_in_policy_does_not_count() -> None:
    policy = _policy("group two 2 a b\nquorum two\n")
    outsider = Ed25519PrivateKey.generate()
    note = _note(signers="a")
    body, _ = cp.split_note(note)
    # an outsider signs under a policy witness's name, and under its own name
    note = co.with_cosignatures(
        note,
        [co.cosign(body, WKEYS["b"].name, outsider, 1000), co.cosign(body, "rogue.example", outsider, 1000)],
    )
    result = policy.check(note)
    assert not result.ok and result.code == "policy.not_satisfied"
    assert result.cosigned == ("a",) and len(result.ignored) == 2
    assert "not in the policy" in (result.reason or "")
    with pytest.raises(PolicyError) as e:
        verify_cosigned(note, policy)
    assert e.value.code == "policy.not_satisfied"


def test_forged_cosignature_by_a_policy_witness_fails_the_note() -> None:
    policy = _policy("group one 1 a b\nquorum one\n")
    note = _note(signers="a")
    body, _ = cp.split_note(note)
    good = co.cosign(body, WKEYS["b"].name, KEYS["b"], 1000)
    forged = co.Cosignature(good.name, good.key_id, good.timestamp, bytes(64))
    bad = co.with_cosignatures(note, [forged])
    result = policy.check(bad)
    assert not result.ok and result.code == "cosignature.forged"  # even though a alone meets the quorum
    with pytest.raises(CosignatureError):
        verify_cosigned(bad, policy)


def test_cosignature_over_another_checkpoint() -> None:
    policy = _policy("quorum a\n")
    other = _note(6, "a")
    line = other.splitlines()[-1] + "\n"
    moved = _note(5) + line
    assert policy.check(moved).code == "cosignature.forged"


def test_other_origin_and_bad_log_signature() -> None:
    policy = _policy("quorum none\n")
    result = policy.check(_note(origin="other.example/log"))
    assert result.code == "policy.unknown_log"
    with pytest.raises(PolicyError):
        verify_cosigned(_note(origin="other.example/log"), policy)
    impostor = Ed25519PrivateKey.generate()
    root = merkle.root([merkle.leaf_hash(b"x")])
    forged = cp.sign_checkpoint(cp.Checkpoint(ORIGIN, 1, root), ORIGIN, impostor)
    assert policy.check(forged).code == "checkpoint.invalid"
    with pytest.raises(CheckpointError):
        verify_cosigned(forged, policy)
    assert policy.check("garbage").code == "checkpoint.invalid"


def test_future_cosignature() -> None:
    policy = _policy("quorum a\n")
    assert policy.check(_note(signers="a"), now=0).code == "cosignature.future"
    assert verify_cosigned(_note(signers="a"), policy, now=1000).size == 5


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("quorum none\n", "names no log"),
        (f"log {LOG_VKEY}\n", "no quorum line"),
        (f"log {LOG_VKEY}\nquorum x\n", "not defined"),
        (f"log {LOG_VKEY}\nquorum none\nquorum none\n", "second quorum"),
        (
            f"log {LOG_VKEY}\nwitness a {WKEYS['a'].vkey()}\nwitness a {WKEYS['b'].vkey()}\nquorum a\n",
            "defined twice",
        ),
        (
            f"log {LOG_VKEY}\nwitness a {WKEYS['a'].vkey()}\nwitness b {WKEYS['a'].vkey()}\nquorum a\n",
            "key of another",
        ),
        (f"log {LOG_VKEY}\nwitness a {WKEYS['a'].vkey()}\ngroup g 2 a\nquorum g\n", "threshold"),
        (f"log {LOG_VKEY}\nwitness a {WKEYS['a'].vkey()}\ngroup g 1 a a\nquorum g\n", "twice"),
        (f"log {LOG_VKEY}\ngroup g 1 a\nquorum g\n", "not defined on an earlier line"),
        (f"log {LOG_VKEY}\nwitness a {LOG_VKEY}\nquorum a\n", "algorithm"),
        (f"log {WKEYS['a'].vkey()}\nquorum none\n", "verifier key"),
        (f"log {LOG_VKEY}\nwitnesses a b\nquorum none\n", "unknown keyword"),
        (f"log {LOG_VKEY}\nwitness none {WKEYS['a'].vkey()}\nquorum none\n", "reserved"),
    ],
)
def test_malformed_policies_name_the_line(text: str, fragment: str) -> None:
    with pytest.raises(PolicyError) as e:
        Policy.from_text(text)
    assert e.value.code == "policy.malformed" and fragment in e.value.message, e.value.message
