"""Tests for ledger.log.checkpoint: signed-note vectors from golang.org/x/mod, round trips, tampering."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import CheckpointError, IntegrityFailure
from ledger.log import checkpoint as cp
from ledger.log import merkle

V: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "signed_note.json").read_text(encoding="utf-8")
)
TEXT: str = V["text"]
PETER, ENOCH = V["peter"], V["enoch"]


def peter_private_key() -> Ed25519PrivateKey:
    """Go's PRIVATE+KEY+<name>+<id>+<base64(0x01 ‖ seed)> signer key, decoded in the test."""
    parts = PETER["signer_key"].split("+", 4)
    assert parts[:2] == ["PRIVATE", "KEY"] and parts[2] == PETER["name"]
    raw = base64.b64decode(parts[4])
    assert raw[0] == cp.ALG_ED25519 and len(raw) == 33
    return Ed25519PrivateKey.from_private_bytes(raw[1:])


PETER_NAME, PETER_KEY = cp.parse_verifier_key(PETER["verifier_key"])
ENOCH_NAME, ENOCH_KEY = cp.parse_verifier_key(ENOCH["verifier_key"])

OPERATOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OP_NAME = "tanji.example/log"
ROOT = merkle.root([merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")])
CHECKPOINT = cp.Checkpoint("tanji.example/log", 2, ROOT)
SIGNED = cp.sign_checkpoint(CHECKPOINT, OP_NAME, OPERATOR)


# --- golang.org/x/mod/sumdb/note vectors -----------------------------------------


def test_go_key_ids_and_verifier_keys() -> None:
    assert PETER_NAME == "PeterNeumann" and ENOCH_NAME == "EnochRoot"
    assert cp.key_id(PETER_NAME, PETER_KEY).hex() == PETER["key_id"]
    assert cp.key_id(ENOCH_NAME, ENOCH_KEY).hex() == ENOCH["key_id"]
    assert cp.verifier_key(PETER_NAME, PETER_KEY) == PETER["verifier_key"]
    priv = peter_private_key()
    assert priv.public_key().public_bytes_raw() == PETER_KEY.public_bytes_raw()


def test_go_sign_reproduces_vector() -> None:
    assert cp.sign_note(TEXT, PETER_NAME, peter_private_key()) == V["signed_note"]


def test_go_vector_verifies() -> None:
    result = cp.check_note(V["signed_note"], PETER_NAME, PETER_KEY)
    assert result == cp.NoteCheck(True, TEXT, None)
    text, sigs = cp.split_note(V["signed_note"].encode("utf-8"))
    assert text == TEXT
    assert [(s.name, s.key_id.hex(), len(s.signature)) for s in sigs] == [("PeterNeumann", "c74f20a3", 64)]
    assert sigs[0].line() == PETER["sig_line"]


def test_go_two_signers_each_checked_alone() -> None:
    note = TEXT + "\n" + PETER["sig_line"] + ENOCH["sig_line"]
    assert cp.check_note(note, PETER_NAME, PETER_KEY).ok
    assert cp.check_note(note, ENOCH_NAME, ENOCH_KEY).ok
    only_peter = TEXT + "\n" + PETER["sig_line"]
    got = cp.check_note(only_peter, ENOCH_NAME, ENOCH_KEY)
    assert got == cp.NoteCheck(False, None, "no signature by EnochRoot+af0cfe78")


def test_go_invalid_signature() -> None:
    line = PETER["sig_line"]
    bad = TEXT + "\n" + line[:60] + "ABCD" + line[60:]
    assert cp.check_note(bad, PETER_NAME, PETER_KEY).reason == "signature does not verify"
    # A good line plus a broken line by another key still verifies for Peter.
    eline = ENOCH["sig_line"]
    mixed = TEXT + "\n" + line + line + eline + eline[:60] + "ABCD" + eline[60:]
    assert cp.check_note(mixed, PETER_NAME, PETER_KEY).ok


def _go_bad_messages() -> list[str | bytes]:
    sig = PETER["sig_line"]
    return [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + sig[:-1],
        "\x01" + TEXT + "\n" + sig,
        b"\xff" + (TEXT + "\n" + sig).encode("utf-8"),
        TEXT + "\n" + "\u2014 Bad Name " + sig.split(" ")[-1][:-1],
        TEXT + "\n" + sig + "Unexpected line.\n",
        TEXT + "\n" + sig * 101,
    ]


@pytest.mark.parametrize("msg", _go_bad_messages())
def test_go_malformed_notes(msg: str | bytes) -> None:
    result = cp.check_note(msg, PETER_NAME, PETER_KEY)
    assert not result.ok and result.reason is not None
    assert result.reason.startswith("malformed: ")
    with pytest.raises(CheckpointError, match=r"\] malformed: "):
        cp.split_note(msg)


def test_hundred_signatures_allowed() -> None:
    assert cp.check_note(TEXT + "\n" + PETER["sig_line"] * 100, PETER_NAME, PETER_KEY).ok


def test_go_verifier_key_manglings_rejected() -> None:
    vkey = PETER["verifier_key"]
    for i in range(len(vkey) + 1):
        for j in range(i + 1, len(vkey) + 1):
            if (i, j) != (0, len(vkey)):
                with pytest.raises(CheckpointError):
                    cp.parse_verifier_key(vkey[i:j])
    for i in range(len(vkey)):
        mangled = vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :]
        with pytest.raises(CheckpointError):
            cp.parse_verifier_key(mangled)
    for bad in V["bad_verifier_keys"]:
        with pytest.raises(CheckpointError):
            cp.parse_verifier_key(bad)


# --- checkpoints ----------------------------------------------------------------------


def test_body_format() -> None:
    root64 = base64.b64encode(ROOT).decode()
    assert CHECKPOINT.body() == f"tanji.example/log\n2\n{root64}\n"
    assert SIGNED.startswith(CHECKPOINT.body() + "\n\u2014 tanji.example/log ")
    kid = cp.key_id(OP_NAME, OPERATOR.public_key())
    line = SIGNED.split("\n")[-2]
    raw = base64.b64decode(line.split(" ")[-1])
    assert raw[:4] == kid and len(raw) == 68
    OPERATOR.public_key().verify(raw[4:], CHECKPOINT.body().encode())


def test_round_trip() -> None:
    got = cp.verify_checkpoint(SIGNED, OP_NAME, OPERATOR.public_key())
    assert got == CHECKPOINT
    assert cp.Checkpoint.from_body(CHECKPOINT.body()) == CHECKPOINT
    parsed, sigs = cp.parse_note(SIGNED)
    assert parsed == CHECKPOINT and [s.name for s in sigs] == [OP_NAME]
    result = cp.check_checkpoint(SIGNED, OP_NAME, OPERATOR.public_key())
    assert result == cp.CheckpointCheck(True, CHECKPOINT, None)
    name, key = cp.parse_verifier_key(cp.verifier_key(OP_NAME, OPERATOR.public_key()))
    assert name == OP_NAME and cp.verify_checkpoint(SIGNED, name, key) == CHECKPOINT


def test_extensions_and_other_values_round_trip() -> None:
    other = cp.Checkpoint("example.com/other-log", 1_000_000, merkle.EMPTY_ROOT, ("ext one", "— not a sig"))
    signed = cp.sign_checkpoint(other, OP_NAME, OPERATOR)
    assert cp.parse_note(signed)[0] == other
    assert cp.verify_checkpoint(signed, OP_NAME, OPERATOR.public_key()) == other
    empty = cp.Checkpoint("o", 0, merkle.EMPTY_ROOT)
    assert cp.parse_note(cp.sign_checkpoint(empty, OP_NAME, OPERATOR))[0] == empty


def test_wrong_key_and_name_fail() -> None:
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))).public_key()
    kid = cp.key_id(OP_NAME, other).hex()
    with pytest.raises(CheckpointError, match=f"no signature by {OP_NAME}\\+{kid}") as exc:
        cp.verify_checkpoint(SIGNED, OP_NAME, other)
    assert isinstance(exc.value, IntegrityFailure) and exc.value.code == "checkpoint.invalid"
    assert not cp.check_checkpoint(SIGNED, "someone-else", OPERATOR.public_key()).ok
    # Same name and key id but a different key cannot happen short of a hash collision;
    # forge one by relabelling the signature line with the other key's id.
    _, sigs = cp.parse_note(SIGNED)
    forged = cp.NoteSignature(OP_NAME, cp.key_id(OP_NAME, other), sigs[0].signature)
    text = CHECKPOINT.body() + "\n" + forged.line()
    assert cp.check_checkpoint(text, OP_NAME, other).reason == "signature does not verify"


def test_other_signers_lines_ignored_and_origin_checked() -> None:
    cosigned = SIGNED + PETER["sig_line"]
    assert cp.verify_checkpoint(cosigned, OP_NAME, OPERATOR.public_key()) == CHECKPOINT
    assert cp.check_checkpoint(cosigned, OP_NAME, OPERATOR.public_key(), origin="tanji.example/log").ok
    result = cp.check_checkpoint(SIGNED, OP_NAME, OPERATOR.public_key(), origin="other")
    assert result.reason == "origin 'tanji.example/log' is not 'other'"


@pytest.mark.parametrize(
    "body,fragment",
    [
        ("origin\n2\n", "has 2 lines"),
        ("\n2\n" + base64.b64encode(ROOT).decode() + "\n", "origin line is empty"),
        ("o\n02\n" + base64.b64encode(ROOT).decode() + "\n", "size '02'"),
        ("o\n-1\n" + base64.b64encode(ROOT).decode() + "\n", "size '-1'"),
        ("o\n+1\n" + base64.b64encode(ROOT).decode() + "\n", "size '+1'"),
        ("o\n18446744073709551616\n" + base64.b64encode(ROOT).decode() + "\n", "not a uint64"),
        ("o\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n", "not base64 of 32 bytes"),
        ("o\n1\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n", "not base64"),
        ("o\n1\n" + base64.b64encode(ROOT).decode(), "final newline"),
    ],
)
def test_malformed_bodies(body: str, fragment: str) -> None:
    with pytest.raises(CheckpointError, match=r"\] malformed: ") as exc:
        cp.Checkpoint.from_body(body)
    assert fragment in exc.value.message
    signed = cp.sign_note(body if body.endswith("\n") else body + "\n", OP_NAME, OPERATOR)
    if body.endswith("\n"):
        result = cp.check_checkpoint(signed, OP_NAME, OPERATOR.public_key())
        assert not result.ok and result.checkpoint is None
        assert result.reason is not None and result.reason.startswith("malformed: ")


def test_constructor_invariants() -> None:
    with pytest.raises(CheckpointError, match="non-empty"):
        cp.Checkpoint("", 1, ROOT)
    with pytest.raises(CheckpointError, match="control character"):
        cp.Checkpoint("a\nb", 1, ROOT)
    with pytest.raises(CheckpointError, match="size -1 out of range"):
        cp.Checkpoint("o", -1, ROOT)
    with pytest.raises(CheckpointError, match="32 bytes, got 31"):
        cp.Checkpoint("o", 1, ROOT[:31])
    with pytest.raises(CheckpointError, match="extension line 0"):
        cp.Checkpoint("o", 1, ROOT, ("",))
    with pytest.raises(CheckpointError, match="may not contain"):
        cp.sign_checkpoint(CHECKPOINT, "bad+name", OPERATOR)
    with pytest.raises(CheckpointError, match="ending with a newline"):
        cp.sign_note("abc", OP_NAME, OPERATOR)


# --- tampering -------------------------------------------------------------------------

SIGNED_BYTES = SIGNED.encode("utf-8")


@given(st.integers(0, len(SIGNED_BYTES) - 1), st.integers(1, 255))
@settings(max_examples=400, deadline=None)
def test_any_flipped_byte_fails(position: int, mask: int) -> None:
    tampered = bytearray(SIGNED_BYTES)
    tampered[position] ^= mask
    result = cp.check_checkpoint(bytes(tampered), OP_NAME, OPERATOR.public_key())
    assert not result.ok and result.checkpoint is None and result.reason
    with pytest.raises(CheckpointError):
        cp.verify_checkpoint(bytes(tampered), OP_NAME, OPERATOR.public_key())


def test_every_position_flipped_fails() -> None:
    for position in range(len(SIGNED_BYTES)):
        for mask in (0x01, 0x20, 0x80):
            tampered = bytearray(SIGNED_BYTES)
            tampered[position] ^= mask
            assert not cp.check_checkpoint(bytes(tampered), OP_NAME, OPERATOR.public_key()).ok
