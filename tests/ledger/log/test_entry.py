"""Entries and keys: the signed bytes, the stored body, canonical form, key files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TypeAlias

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import KeyFileError, SchemaViolation
from ledger.log import merkle
from ledger.log.entry import GENESIS_PREV, Entry, Submission
from ledger.log.keys import generate_key, load_private_key, save_private_key

KEY = generate_key()

Json: TypeAlias = None | bool | int | float | str | list["Json"] | dict[str, "Json"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(max_size=20)
    | st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    payload=st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    client_id=st.none() | st.text(min_size=1, max_size=30),
    seq=st.integers(0, 2**40),
    kind=st.sampled_from(["actor.register", "gec.retire", "readings.batch"]),
)
def test_placed_body_is_the_rfc8785_form_of_the_whole_body(
    payload: dict[str, Json], client_id: str | None, seq: int, kind: str
) -> None:
    sub = Submission.create(kind, "E-1", payload, KEY, client_id=client_id)
    entry = Entry.place(sub, seq, GENESIS_PREV, datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    body: dict[str, Json] = {
        "v": 1,
        "seq": seq,
        "kind": kind,
        "actor": "E-1",
        "recorded_at": "2026-01-02T03:04:05.000006Z",
        "payload": payload,
        "prev": GENESIS_PREV,
        "sig": sub.sig,
    }
    if client_id is not None:
        body["client_id"] = client_id
    assert entry.body.encode() == rfc8785.dumps(body)
    assert entry.hash == merkle.leaf_hash(entry.body.encode()).hex()
    again = Entry.from_body(entry.body)
    assert again == entry and again.submission().signature_valid(KEY.public_key())


def test_signature_covers_what_the_actor_controls_only() -> None:
    sub = Submission.create("gec.retire", "E-1", {"units": 5}, KEY, client_id="c-1")
    assert sub.signed_bytes() == rfc8785.dumps(
        {"v": 1, "kind": "gec.retire", "actor": "E-1", "payload": {"units": 5}, "client_id": "c-1"}
    )
    for changed in (
        Submission("gec.retire", "E-1", {"units": 6}, sub.sig, "c-1"),
        Submission("gec.transfer", "E-1", {"units": 5}, sub.sig, "c-1"),
        Submission("gec.retire", "E-2", {"units": 5}, sub.sig, "c-1"),
        Submission("gec.retire", "E-1", {"units": 5}, sub.sig, "c-2"),
        Submission("gec.retire", "E-1", {"units": 5}, sub.sig, None),
    ):
        assert not changed.signature_valid(KEY.public_key())
    assert not sub.signature_valid(generate_key().public_key())
    assert Submission.from_json(json.loads(json.dumps(sub.to_json()))) == sub


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "Bad Kind", "actor": "E-1", "payload": {}, "sig": ""},
        {"kind": "a.b", "actor": "has space", "payload": {}, "sig": ""},
        {"kind": "a.b", "actor": "E-1", "payload": [], "sig": ""},
        {"kind": "a.b", "actor": "E-1", "payload": {}},
        {"kind": "a.b", "actor": "E-1", "payload": {}, "sig": "", "extra": 1},
        {"kind": "a.b", "actor": "E-1", "payload": {}, "sig": "", "client_id": ""},
    ],
)
def test_malformed_submissions_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(SchemaViolation):
        Submission.from_json(bad)


def test_non_canonical_or_naive_bodies_are_rejected() -> None:
    entry = Entry.place(Submission.create("a.b", "E-1", {"x": 1}, KEY), 0, GENESIS_PREV, datetime.now(UTC))
    with pytest.raises(SchemaViolation) as e:
        Entry.from_body(entry.body.replace('{"x":1}', '{ "x":1}'))
    assert e.value.code == "json.not_canonical"
    with pytest.raises(SchemaViolation):
        Entry.place(Submission.create("a.b", "E-1", {}, KEY), 0, GENESIS_PREV, datetime(2026, 1, 1))
    shanghai = timezone(timedelta(hours=8))
    placed = Entry.place(
        Submission.create("a.b", "E-1", {}, KEY), 0, GENESIS_PREV, datetime(2026, 1, 1, 8, tzinfo=shanghai)
    )
    assert placed.recorded_at == "2026-01-01T00:00:00.000000Z"


def test_key_files(tmp_path: Path) -> None:
    key = generate_key()
    save_private_key(key, tmp_path / "k.pem")
    assert (tmp_path / "k.pem").stat().st_mode & 0o777 == 0o600
    assert load_private_key(tmp_path / "k.pem").public_key() == key.public_key()
    with pytest.raises(KeyFileError):
        save_private_key(key, tmp_path / "k.pem")
    save_private_key(key, tmp_path / "locked.pem", b"s3cret")
    assert b"ENCRYPTED" in (tmp_path / "locked.pem").read_bytes()
    assert load_private_key(tmp_path / "locked.pem", b"s3cret").public_key() == key.public_key()
    for wrong in (None, b"wrong"):
        with pytest.raises(KeyFileError):
            load_private_key(tmp_path / "locked.pem", wrong)
    with pytest.raises(KeyFileError):
        load_private_key(tmp_path / "missing.pem")
