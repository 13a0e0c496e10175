"""Offline verification: a good certificate passes every check; any single change fails a named check."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.document import Certificate
from certificates.errors import CertificateInvalid, MalformedCertificate
from certificates.figures import CLAIM_KEYS
from certificates.issue import sign_certificate
from certificates.verify import (
    TrustedKey,
    Verifier,
    check_certificate,
    verify_certificate,
)
from ledger.log.canonical import canonical_text
from ledger.log.checkpoint import verifier_key
from ledger.log.entry import Entry
from ledger.log.keys import generate_key, public_key_b64, save_public_key
from tests.certificates.conftest import Issued, issue, publish, sqlite_park

ALL_CHECKS = [
    "document",
    "checkpoint.signature",
    "evidence.canonical",
    "evidence.inclusion",
    "evidence.signatures",
    "issuer.key",
    "issuer.signature",
    "footprint.entry",
    "footprint.figures",
    "green.derivation",
    "verification.statement",
]

Path_ = tuple[str | int, ...]


def leaves(value: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every scalar in a JSON value with its path."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in leaves(v, (*path, i))]
    return [(path, value)]


def set_at(doc: dict[str, Any], path: Path_, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    target: Any = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def mutate(value: Any, where: int) -> Any:
    """A different value of (mostly) the same type; ``where`` picks the character to change."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1 + where % 3
    if isinstance(value, float):
        return value * 2 + 1
    if isinstance(value, str):
        if not value:
            return "x"
        i = where % len(value)
        return value[:i] + ("a" if value[i] != "a" else "b") + value[i + 1 :]
    return 0  # None


_VERIFIERS: dict[str, Verifier] = {}


def shared_verifier(issued: Issued) -> Verifier:
    """One ``Verifier`` per certificate for the whole module, so its memo sees every mutation."""
    return _VERIFIERS.setdefault(issued.certificate.id, Verifier(issued.trust))


def test_verifier_matches_check_certificate(issued_sqlite: Issued) -> None:
    v = shared_verifier(issued_sqlite)
    raw = issued_sqlite.certificate.to_bytes()
    assert v.check(raw) == v.check(raw) == check_certificate(raw, issued_sqlite.trust)
    tiny = Verifier(issued_sqlite.trust, limit=2)  # starts afresh all the time
    assert tiny.check(raw) == check_certificate(raw, issued_sqlite.trust)


def expected_checks(path: Path_) -> set[str]:
    """The checks one of which must fail when the scalar at ``path`` changes."""
    head = path[0]
    if head == "signature":
        return {"issuer.signature", "issuer.key", "document"}
    if head == "evidence":
        if path[1] == "checkpoint":
            return {"checkpoint.signature"}
        if path[1] == "proof":
            return {"evidence.inclusion", "document"}
        if path[1] == "rows":
            return {"rows.inclusion", "rows.coverage", "green.derivation", "green.gec", "document"}
        field = path[3]
        return {"body": {"evidence.canonical", "evidence.inclusion"}}.get(
            str(field), {"evidence.canonical", "evidence.inclusion", "document"}
        )
    if head == "green_electricity":
        return {"green.derivation", "green.lot", "document"}
    if head in CLAIM_KEYS:
        return {"footprint.figures", "footprint.entry", "document"}
    if head == "issuer":
        return {"issuer.key", "footprint.entry", "document"}
    if head == "verification":
        return {"verification.statement", "document"}
    return {"issuer.signature", "document"}  # id, issued_at, type


def test_valid_certificate_passes_every_check(issued_sqlite: Issued) -> None:
    result = check_certificate(issued_sqlite.certificate.to_bytes(), issued_sqlite.trust)
    assert result.ok, result.to_json()
    assert [c.name for c in result.checks] == ALL_CHECKS
    assert (
        verify_certificate(issued_sqlite.certificate, issued_sqlite.trust).id == issued_sqlite.certificate.id
    )


def test_evidence_holds_footprint_issuer_statement_and_keys(issued_sqlite: Issued) -> None:
    entries = {e.seq: e.kind for e in issued_sqlite.certificate.body.evidence.entries}
    cert = issued_sqlite.certificate.body
    assert entries[cert.footprint.seq] == "footprint.publish"
    assert cert.verification is not None and entries[cert.verification.seq] == "verification.statement"
    assert entries[0] == "actor.register"  # the operator, who registered the issuer and the verifier
    registered = {
        Entry.from_body(e.body).payload.get("id") for e in cert.evidence.entries if e.kind == "actor.register"
    }
    assert {"operator", "E-1", "V-1"} <= registered
    assert "E-2" not in registered  # not involved


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_field_change_fails_a_named_check(issued_sqlite: Issued, data: st.DataObject) -> None:
    doc = issued_sqlite.certificate.data
    path, value = data.draw(st.sampled_from(leaves(doc)))
    where = data.draw(st.integers(min_value=0, max_value=10_000))
    changed = set_at(doc, path, mutate(value, where))
    result = check_certificate(json.dumps(changed), issued_sqlite.trust)
    assert shared_verifier(issued_sqlite).check(json.dumps(changed)) == result  # a warm cache changes nothing
    assert not result.ok
    assert set(result.failed) & expected_checks(path), (path, result.failed)
    if "document" not in result.failed and path[0] != "signature":
        assert "issuer.signature" in result.failed  # every signed field is covered by the signature


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0, max_value=10_000), char=st.sampled_from("A0+/=\n x—é"))
def test_any_checkpoint_character_change_fails_the_checkpoint(
    issued_sqlite: Issued, position: int, char: str
) -> None:
    note = issued_sqlite.certificate.body.evidence.checkpoint
    i = position % len(note)
    if note[i] == char:
        char = "B"
    changed = set_at(
        issued_sqlite.certificate.data, ("evidence", "checkpoint"), note[:i] + char + note[i + 1 :]
    )
    result = check_certificate(changed, issued_sqlite.trust)
    assert "checkpoint.signature" in result.failed


@settings(max_examples=64, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(byte=st.integers(min_value=0, max_value=63), bit=st.integers(min_value=0, max_value=7))
def test_any_signature_bit_flip_fails_only_the_signature(issued_sqlite: Issued, byte: int, bit: int) -> None:
    sig = bytearray(issued_sqlite.certificate.signature_bytes() or b"")
    sig[byte] ^= 1 << bit
    changed = set_at(
        issued_sqlite.certificate.data, ("signature", "value"), base64.b64encode(bytes(sig)).decode()
    )
    result = check_certificate(changed, issued_sqlite.trust)
    assert result.failed == ("issuer.signature",)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_proof_node_change_fails_inclusion(issued_sqlite: Issued, data: st.DataObject) -> None:
    proof = issued_sqlite.certificate.data["evidence"]["proof"]
    j = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    k = data.draw(st.integers(min_value=0, max_value=63))
    node = proof[j]
    new = node[:k] + ("0" if node[k] != "0" else "f") + node[k + 1 :]
    result = check_certificate(
        set_at(issued_sqlite.certificate.data, ("evidence", "proof", j), new), issued_sqlite.trust
    )
    assert set(result.failed) == {"evidence.inclusion", "issuer.signature"}
    assert "multiproof" in result.check("evidence.inclusion").detail


def test_wrong_trust_key_fails_the_checkpoint(issued_sqlite: Issued) -> None:
    other = TrustedKey(generate_key().public_key(), "test.tanji/ledger")
    result = check_certificate(issued_sqlite.certificate, other)
    assert result.failed == ("checkpoint.signature",)
    assert "evidence.inclusion" not in result.failed or not result.ok
    with pytest.raises(CertificateInvalid) as e:
        verify_certificate(issued_sqlite.certificate, other)
    assert e.value.details["failed"] == ["checkpoint.signature"]


def test_trust_key_as_pem_or_verifier_key(issued_sqlite: Issued, tmp_path: Path) -> None:
    trust = issued_sqlite.trust
    save_public_key(trust.key, tmp_path / "ledger.pub")
    (tmp_path / "ledger.vkey").write_text(verifier_key("test.tanji/ledger", trust.key) + "\n")
    for name in ("ledger.pub", "ledger.vkey"):
        assert check_certificate(issued_sqlite.certificate, TrustedKey.from_file(tmp_path / name)).ok
    (tmp_path / "bad").write_text("not a key")
    with pytest.raises(MalformedCertificate):
        TrustedKey.from_file(tmp_path / "bad")


def test_removed_evidence_is_named(issued_sqlite: Issued) -> None:
    doc = issued_sqlite.certificate.data
    fp_seq = issued_sqlite.certificate.body.footprint.seq
    kept = [e for e in doc["evidence"]["entries"] if e["seq"] != fp_seq]
    result = check_certificate(set_at(doc, ("evidence", "entries"), kept), issued_sqlite.trust)
    assert {"footprint.entry", "footprint.figures", "evidence.inclusion"} <= set(result.failed)
    no_issuer = [
        e
        for e in doc["evidence"]["entries"]
        if not (e["kind"] == "actor.register" and '"id":"E-1"' in e["body"])
    ]
    result = check_certificate(set_at(doc, ("evidence", "entries"), no_issuer), issued_sqlite.trust)
    assert {"issuer.key", "evidence.signatures"} <= set(result.failed)


def test_not_json_or_not_a_certificate_fails_document(issued_sqlite: Issued) -> None:
    for raw in (b"{", b"[]", json.dumps({"id": "x"})):
        result = check_certificate(raw, issued_sqlite.trust)
        assert result.failed == ("document",)
    with pytest.raises(MalformedCertificate):
        Certificate.from_bytes(b"nope")


def test_evidence_signatures_use_the_ledgers_signed_bytes(issued_sqlite: Issued) -> None:
    """A signature over anything but ``ledger.signed_bytes`` of the entry fails ``evidence.signatures``."""
    doc = copy.deepcopy(issued_sqlite.certificate.data)
    item = next(i for i in doc["evidence"]["entries"] if i["kind"] == "footprint.publish")
    entry = Entry.from_body(item["body"])
    key = issued_sqlite.park.keys[entry.actor]
    assert entry.submission().signature_valid(key.public_key())
    body = json.loads(item["body"])
    body["sig"] = base64.b64encode(key.sign(entry.body.encode())).decode()  # signs the whole body instead
    item["body"] = canonical_text(body)
    result = check_certificate(doc, issued_sqlite.trust)
    assert "evidence.signatures" in result.failed


def test_issuer_key_after_rotation(tmp_path: Path) -> None:
    park = sqlite_park(tmp_path)
    new_key = generate_key()
    [rot] = park.ledger.append(
        [
            park.sign(
                "actor.rotate_key",
                "E-1",
                {"actor_id": "E-1", "public_key": public_key_b64(new_key.public_key())},
            )
        ]
    )
    old_key, park.keys["E-1"] = park.keys["E-1"], new_key
    issued = issue(park, publish(park))
    assert issued.certificate.signature is not None and issued.certificate.signature.key_seq == rot.seq
    assert check_certificate(issued.certificate, issued.trust).ok
    # Signed with the old key, naming its actor.register: both issuer checks fail.
    register_seq = min(
        e.seq
        for e in issued.certificate.body.evidence.entries
        if e.kind == "actor.register" and '"id":"E-1"' in e.body
    )
    stale = sign_certificate(dict(issued.certificate.data), old_key, register_seq)
    assert {"issuer.key", "issuer.signature"} <= set(check_certificate(stale, issued.trust).failed)


def nodes(value: Any, path: Path_ = ()) -> list[Path_]:
    """Every node's path (objects and arrays too), except the root."""
    out: list[Path_] = [path] if path else []
    if isinstance(value, dict):
        out += [p for k, v in value.items() for p in nodes(v, (*path, k))]
    elif isinstance(value, list):
        out += [p for i, v in enumerate(value) for p in nodes(v, (*path, i))]
    return out


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_subtree_replaced_never_raises_and_fails(issued_sqlite: Issued, data: st.DataObject) -> None:
    doc = issued_sqlite.certificate.data
    path = data.draw(st.sampled_from(nodes(doc)))
    new = data.draw(json_values)
    old: Any = doc
    for step in path:
        old = old[step]
    changed = set_at(doc, path, new)
    result = check_certificate(changed, issued_sqlite.trust)  # never raises
    if new != old and not (isinstance(new, float) and new != new):
        assert not result.ok, (path, new)
