"""Tests for ledger.log.cosignature: C2SP cosignature/v1 computed by hand, the spec's example, attacks."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import CosignatureError
from ledger.log import checkpoint as cp
from ledger.log import cosignature as co
from ledger.log import merkle

VECTORS = Path(__file__).parent / "vectors"
# ../shared/data/rfc6962/signed_note_vectors.json, copied so the test runs without the shared tree.
C2SP_VECTORS = VECTORS / "c2sp_signed_note.json"
SHARED = Path(__file__).parents[3].parent / "shared" / "data" / "rfc6962" / "signed_note_vectors.json"
LOCAL = VECTORS / "signed_note.json"

# RFC 8032 section 7.1, TEST 1: a published Ed25519 key pair, so anyone can redo the numbers.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
WITNESS_NAME = "witness.example.com/w1"
WITNESS = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
WKEY = co.WitnessKey(WITNESS_NAME, WITNESS.public_key())

# The C2SP tlog-checkpoint example body (its origin line as the cosignature spec prints it).
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_TIME = 1679315147
# The cosignature line of the tlog-cosignature spec's example (its witness key is not published).
SPEC_LINE = (
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZ"
    "qhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)


def _by_hand(body: str, timestamp: int) -> str:
    """The cosignature line per the spec text, with hashlib and the raw Ed25519 primitive only."""
    assert WITNESS.public_key().public_bytes_raw() == RFC8032_PUBLIC
    kid = hashlib.sha256(WITNESS_NAME.encode() + b"\n" + b"\x04" + RFC8032_PUBLIC).digest()[:4]
    message = b"cosignature/v1\n" + b"time " + str(timestamp).encode() + b"\n" + body.encode()
    sig = WITNESS.sign(message)
    return (
        "\u2014 "
        + WITNESS_NAME
        + " "
        + base64.b64encode(kid + struct.pack(">Q", timestamp) + sig).decode()
        + "\n"
    )


# The by-hand line above for the spec's body and time, pinned (RFC 8032 key, so reproducible anywhere).
HAND_LINE = (
    "— witness.example.com/w1 fm9KqgAAAABkGFDL+TPmh4BYuAjsYRoqMJCWb/gWJaeRF/kmm5tlCr9sJ57DLErur7K0yDXc2ArN"
    "+TIuotuB/HbuL3AJsp3bv/aNCQ==\n"
)


def test_cosignature_computed_by_hand_from_the_spec() -> None:
    by_hand = _by_hand(SPEC_BODY, SPEC_TIME)
    assert by_hand == HAND_LINE  # Ed25519 is deterministic: the literal pins the format
    assert co.cosign(SPEC_BODY, WITNESS_NAME, WITNESS, SPEC_TIME).line() == by_hand
    assert co.cosigned_message(SPEC_BODY, SPEC_TIME) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


def test_key_id_and_vkey_use_algorithm_04() -> None:
    kid = hashlib.sha256(WITNESS_NAME.encode() + b"\n\x04" + RFC8032_PUBLIC).digest()[:4]
    assert WKEY.key_id == kid
    assert WKEY.vkey() == f"{WITNESS_NAME}+{kid.hex()}+" + base64.b64encode(b"\x04" + RFC8032_PUBLIC).decode()
    assert co.WitnessKey.from_vkey(WKEY.vkey()) == WKEY
    # the same key as a checkpoint (0x01) key has another id: keys are typed
    assert cp.key_id(WITNESS_NAME, WITNESS.public_key()) != kid


def test_spec_example_line_layout() -> None:
    """The spec's example line is key id ‖ u64 timestamp ‖ 64-byte signature, with the example's time."""
    _text, sigs = cp.split_note(SPEC_BODY + "\n" + SPEC_LINE)
    cosig = co.Cosignature.from_note_signature(sigs[0])
    assert cosig.timestamp == SPEC_TIME and cosig.key_id.hex() == "8d66cf3f" and len(cosig.signature) == 64
    assert cosig.line() == SPEC_LINE


def _vectors() -> list[dict[str, Any]]:
    if SHARED.exists():  # the copy is the shared file, byte for byte
        assert SHARED.read_bytes() == C2SP_VECTORS.read_bytes()
    return list(json.loads(C2SP_VECTORS.read_text(encoding="utf-8"))["vectors"])


def test_signed_note_vectors_verify_as_labelled() -> None:
    for v in _vectors():
        name, key = cp.parse_verifier_key(v["vkey"])
        assert cp.check_note(v["note"], name, key).ok == v["valid"], v["src"]


def test_cosignature_on_signed_note_vectors_keeps_the_log_signature() -> None:
    """A cosignature line added to a real checkpoint (sum.golang.org) leaves the log's signature valid."""
    for v in _vectors():
        if not v["valid"] or "\n\n" not in v["note"]:
            continue
        name, key = cp.parse_verifier_key(v["vkey"])
        text, _sigs = cp.split_note(v["note"])
        cosigned = co.with_cosignatures(v["note"], [co.cosign(text, WITNESS_NAME, WITNESS, SPEC_TIME)])
        assert cp.check_note(cosigned, name, key).ok
        assert co.check_cosignature(cosigned, WKEY) == co.CosignatureCheck(True, timestamp=SPEC_TIME)
        assert cosigned.startswith(v["note"])  # the log's lines first, in order


def test_local_vectors_agree_with_shared() -> None:
    local = json.loads(LOCAL.read_text(encoding="utf-8"))
    assert (
        cp.verifier_key(*cp.parse_verifier_key(local["peter"]["verifier_key"]))
        == local["peter"]["verifier_key"]
    )


OPERATOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ORIGIN = "tanji.example/log"


def _note(size: int = 3) -> str:
    root = merkle.root([merkle.leaf_hash(bytes([i])) for i in range(size)])
    return cp.sign_checkpoint(cp.Checkpoint(ORIGIN, size, root), ORIGIN, OPERATOR)


def test_round_trip_and_newest_timestamp() -> None:
    note = _note()
    body, _ = cp.split_note(note)
    once = co.with_cosignatures(note, [co.cosign(body, WITNESS_NAME, WITNESS, 100)])
    assert co.verify_cosignature(once, WKEY) == 100
    again = co.with_cosignatures(once, [co.cosign(body, WITNESS_NAME, WITNESS, 200)])
    assert again.count(WITNESS_NAME) == 1  # replaced, not stacked
    assert co.verify_cosignature(again, WKEY) == 200


def test_forged_cosignature_is_named() -> None:
    note = _note()
    body, _ = cp.split_note(note)
    good = co.cosign(body, WITNESS_NAME, WITNESS, 100)
    forged = co.Cosignature(good.name, good.key_id, good.timestamp, bytes(64))
    got = co.check_cosignature(co.with_cosignatures(note, [forged]), WKEY)
    assert not got.ok and got.code == "cosignature.forged"
    # a good signature with another timestamp claimed: the message differs
    shifted = co.Cosignature(good.name, good.key_id, good.timestamp + 1, good.signature)
    assert co.check_cosignature(co.with_cosignatures(note, [shifted]), WKEY).code == "cosignature.forged"
    with pytest.raises(CosignatureError) as e:
        co.verify_cosignature(co.with_cosignatures(note, [forged]), WKEY)
    assert e.value.code == "cosignature.forged"


def test_cosignature_over_another_checkpoint_is_refused() -> None:
    three, four = _note(3), _note(4)
    body3, _ = cp.split_note(three)
    line = co.cosign(body3, WITNESS_NAME, WITNESS, 100)
    moved = co.with_cosignatures(four, [line])
    got = co.check_cosignature(moved, WKEY)
    assert not got.ok and got.code == "cosignature.forged" and "another checkpoint" in (got.reason or "")


def test_other_key_with_same_name_is_not_this_witness() -> None:
    note = _note()
    body, _ = cp.split_note(note)
    impostor = Ed25519PrivateKey.generate()
    moved = co.with_cosignatures(note, [co.cosign(body, WITNESS_NAME, impostor, 100)])
    got = co.check_cosignature(moved, WKEY)
    assert got.code == "cosignature.missing"  # other key id: ignored, so not cosigned


def test_future_and_malformed() -> None:
    note = _note()
    body, _ = cp.split_note(note)
    late = co.with_cosignatures(note, [co.cosign(body, WITNESS_NAME, WITNESS, 10_000)])
    assert co.check_cosignature(late, WKEY, now=10_000 - co.FUTURE_SKEW).ok
    assert co.check_cosignature(late, WKEY, now=1_000).code == "cosignature.future"
    short = cp.NoteSignature(WITNESS_NAME, WKEY.key_id, bytes(64))  # no timestamp
    assert co.check_cosignature(co.with_cosignatures(note, [short]), WKEY).code == "cosignature.malformed"
    assert co.check_cosignature("not a note", WKEY).code == "cosignature.malformed"
    with pytest.raises(CosignatureError):
        co.cosigned_message(body, -1)
    with pytest.raises(CosignatureError):
        co.cosigned_message(body, 1 << 63)
    with pytest.raises(CosignatureError):
        co.cosigned_message("no newline", 1)


@pytest.mark.parametrize(
    "vkey",
    [
        "w+00000000+" + base64.b64encode(b"\x04" + RFC8032_PUBLIC).decode(),  # wrong id
        f"{WITNESS_NAME}+{WKEY.key_id.hex()}+"
        + base64.b64encode(b"\x01" + RFC8032_PUBLIC).decode(),  # alg 01
        f"{WITNESS_NAME}+{WKEY.key_id.hex()}",  # no key
        "bad name+00000000+AA==",
        f"{WITNESS_NAME}+{WKEY.key_id.hex()}+" + base64.b64encode(b"\x04" + RFC8032_PUBLIC[:31]).decode(),
    ],
)
def test_bad_witness_vkeys(vkey: str) -> None:
    with pytest.raises(CosignatureError) as e:
        co.WitnessKey.from_vkey(vkey)
    assert e.value.code == "cosignature.key_malformed"


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=0, max_value=co.MAX_TIMESTAMP),
    st.integers(min_value=1, max_value=50),
    st.binary(min_size=1, max_size=4),
)
def test_property_cosign_verifies_and_any_flip_fails(timestamp: int, size: int, flip: bytes) -> None:
    note = _note(size)
    body, _ = cp.split_note(note)
    cosigned = co.with_cosignatures(note, [co.cosign(body, WITNESS_NAME, WITNESS, timestamp)])
    assert co.check_cosignature(cosigned, WKEY).timestamp == timestamp
    line = cosigned.splitlines()[-1]
    raw = bytearray(base64.b64decode(line.split(" ")[-1]))
    pos = 4 + flip[0] % (len(raw) - 4)  # anywhere after the key id
    raw[pos] ^= 1 + (flip[-1] % 255)
    tampered = (
        cosigned[: cosigned.rindex(line)]
        + line.rsplit(" ", 1)[0]
        + " "
        + base64.b64encode(raw).decode()
        + "\n"
    )
    got = co.check_cosignature(tampered, WKEY)
    assert not got.ok and got.code in ("cosignature.forged", "cosignature.malformed")
