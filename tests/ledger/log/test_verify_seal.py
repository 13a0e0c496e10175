"""verify_log on plain rows: the sealed end, replays found from bodies, ``against`` and ``policy``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.log import merkle, verify
from ledger.log.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from ledger.log.cosignature import WitnessKey, cosign, with_cosignatures
from ledger.log.entry import GENESIS_PREV, Entry, Submission, signed_bytes_of_body, signed_part
from ledger.log.keys import public_key_b64
from ledger.log.policy import Policy
from ledger.log.verify import StoredCheckpoint, StoredEntry, verify_log

ORIGIN = "rows.tanji.test/log"
OPERATOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
WITNESS = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(subs: list[Submission]) -> list[StoredEntry]:
    prev, out = GENESIS_PREV, []
    for seq, sub in enumerate(subs):
        e = Entry.place(sub, seq, prev, WHEN)
        out.append(StoredEntry(seq, e.kind, e.body, e.hash))
        prev = e.hash
    return out


def _subs(n: int) -> list[Submission]:
    pub = public_key_b64(OPERATOR.public_key())
    out = [
        Submission.create(
            "actor.register",
            "operator",
            {"id": "operator", "name": "Op", "role": "operator", "public_key": pub},
            OPERATOR,
        )
    ]
    out += [
        Submission.create(
            "actor.register",
            "operator",
            {"id": f"B-{i}", "name": "B", "role": "buyer", "public_key": pub},
            OPERATOR,
        )
        for i in range(n - 1)
    ]
    return out


def _cp(rows: list[StoredEntry], size: int) -> StoredCheckpoint:
    root = merkle.root([bytes.fromhex(r.hash) for r in rows[:size]])
    return StoredCheckpoint(size, sign_checkpoint(Checkpoint(ORIGIN, size, root), ORIGIN, OPERATOR))


def _verify(rows: list[StoredEntry], cps: list[StoredCheckpoint], **kw: Any) -> Any:
    return verify_log(rows, cps, origin=ORIGIN, operator_key=OPERATOR.public_key(), **kw)


def test_sealed_end_and_replay_on_rows() -> None:
    rows = _rows(_subs(6))
    assert _verify(rows, [_cp(rows, 3), _cp(rows, 6)]).ok
    report = _verify(rows, [_cp(rows, 3)])
    assert (report.ok, report.code, report.first_bad_seq) == (False, "checkpoint.unsealed_tail", 3)
    assert _verify(rows, []).code == "checkpoint.unsealed_tail"
    subs = _subs(4)
    replayed = _rows([*subs, subs[2]])
    report = _verify(replayed, [_cp(replayed, 5)])
    assert (report.code, report.first_bad_seq) == ("entry.replayed", 4) and "seq 2" in (report.reason or "")


def test_against_and_policy_on_rows() -> None:
    rows = _rows(_subs(8))
    cps = [_cp(rows, 4), _cp(rows, 8)]
    assert _verify(rows, cps, against=cps[0].note).against_size == 4
    assert _verify(rows[:4], cps[:1], against=cps[1].note).code == "log.rollback"
    other = _rows(
        _subs(2)
        + [
            Submission.create(
                "actor.register",
                "operator",
                {
                    "id": "X",
                    "name": "X",
                    "role": "buyer",
                    "public_key": public_key_b64(OPERATOR.public_key()),
                },
                OPERATOR,
            )
        ]
    )
    assert _verify(rows, cps, against=_cp(other, 3).note).code == "log.fork"
    witness = WitnessKey("w.tanji.test", WITNESS.public_key())
    policy = Policy.from_text(
        f"log {verifier_key(ORIGIN, OPERATOR.public_key())}\nwitness w {witness.vkey()}\nquorum w\n"
    )
    assert _verify(rows, cps, policy=policy).code == "policy.not_satisfied"
    body = Checkpoint.from_body(cps[1].note.split("\n\n")[0] + "\n").body()
    cosigned = StoredCheckpoint(8, with_cosignatures(cps[1].note, [cosign(body, witness.name, WITNESS, 5)]))
    report = _verify(rows, [cps[0], cosigned], policy=policy, against=cps[0].note)
    assert report.ok and report.witnesses == ("w",) and report.against_size == 4


@settings(max_examples=80, deadline=None)
@given(
    payload=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.integers(-(10**9), 10**9), st.text(max_size=20), st.booleans(), st.none()),
        max_size=5,
    ),
    client_id=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
    seq=st.integers(0, 10**12),
)
def test_signed_bytes_of_body_inverts_the_splice(
    payload: dict[str, Any], client_id: str | None, seq: int
) -> None:
    sub = Submission.create("test.kind", "A-1", payload, OPERATOR, client_id=client_id)
    entry = Entry.place(sub, seq, "ab" * 32, WHEN)
    assert signed_bytes_of_body(entry.body) == sub.signed_bytes()
    assert signed_bytes_of_body(entry.body.replace('"v":1}', '"v":2}')) is None
    assert signed_bytes_of_body("{}") is None
    # placed fields the ledger never writes: a prev that is not lower-case hex, a negative seq
    odd = entry.body.replace('"prev":"' + "ab" * 32, '"prev":"' + "zz" * 32)
    assert signed_part(odd.encode(), seq, "zz" * 32, entry.recorded_at, entry.sig) is None
    negative = entry.body.replace(f'"seq":{seq},', '"seq":-1,')
    assert signed_part(negative.encode(), -1, "ab" * 32, entry.recorded_at, entry.sig) is None


@given(st.integers(3, 40), st.integers(0, 39), st.integers(1, 39), st.sampled_from([1, 2]))
@settings(max_examples=25, deadline=None)
def test_earliest_failure_wins_across_chunks(n: int, replay_at: int, forged_at: int, workers: int) -> None:
    """A replayed entry and a forged signature, anywhere in a log cut into 3-entry chunks checked by
    one or two workers with results taken as they come: the report names the earlier one."""
    subs = _subs(n)
    replay_at, forged_at = 1 + replay_at % (n - 1), 1 + forged_at % (n - 1)
    subs[replay_at] = subs[replay_at - 1]  # the same signed content again
    rows = _rows(subs)
    seq, kind, body, _ = rows[forged_at]
    sig_at = body.index('"sig":"') + len('"sig":"')
    forged = body[:sig_at] + ("A" if body[sig_at] != "A" else "B") + body[sig_at + 1 :]
    rows[forged_at] = StoredEntry(seq, kind, forged, merkle.leaf_hash(forged.encode()).hex())
    for later in range(forged_at + 1, n):  # re-chain after the forged row, as a database writer would
        s, k, b, _ = rows[later]
        prev = rows[later - 1].hash
        b = b[: b.index(',"prev":"') + 9] + prev + b[b.index(',"prev":"') + 9 + 64 :]
        rows[later] = StoredEntry(s, k, b, merkle.leaf_hash(b.encode()).hex())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify, "_CHUNK", 3)
        report = _verify(rows, [_cp(rows, n)], workers=workers)
    # at one seq the replay is named: it is found before the signature is checked
    expected = (
        (replay_at, "entry.replayed") if replay_at <= forged_at else (forged_at, "entry.signature_invalid")
    )
    assert (report.first_bad_seq, report.code) == expected


def test_doctored_bodies_are_named_failures_not_exceptions() -> None:
    """A buyer handed a doctored export: a lone surrogate in a body (JSON text can carry one), a boolean
    ``seq`` (``true == 1`` in Python), a signature holding an escaped quote. Each body's hash column is
    recomputed to match; each is reported at seq 1 by its rule, never raised."""
    rows = _rows(_subs(3))
    cps = [_cp(rows, 3)]

    def with_body(body: str) -> list[StoredEntry]:
        leaf = merkle.leaf_hash(body.encode("utf-8", "surrogatepass")).hex()
        return [rows[0], StoredEntry(1, rows[1].kind, body, leaf), rows[2]]

    sig = json.loads(rows[1].body)["sig"]
    doctored = {
        "surrogate": rows[1].body.replace('"name":"B"', '"name":"B\ud800"'),
        "boolean seq": rows[1].body.replace('"seq":1,', '"seq":true,'),
        "quote in sig": rows[1].body.replace(f'"sig":"{sig}"', f'"sig":"{sig}\\""'),
    }
    expected = {
        "surrogate": "entry.malformed",
        "boolean seq": "entry.malformed",
        "quote in sig": "entry.signature_invalid",
    }
    for name, body in doctored.items():
        assert body != rows[1].body, name
        for workers in (1, 2):
            report = _verify(with_body(body), cps, workers=workers)
            assert (report.ok, report.first_bad_seq, report.code) == (False, 1, expected[name]), name
