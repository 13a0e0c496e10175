"""``certificate.issue`` / ``certificate.revoke``: rules, projection and online status (SQLite and
PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from certificates.errors import CertificateNotFound, NotIssuable
from certificates.issue import issue_certificate
from certificates.kinds import certificate_status, get_certificate, list_certificates
from certificates.revoke import revoke_certificate
from certificates.verify import check_certificate
from ledger.errors import LedgerError
from tests.certificates.conftest import Issued, basic_park, publish, statement
from tests.conftest import Park


def status(issued: Issued) -> str:
    with issued.park.ledger.db.read_session() as s:
        return certificate_status(s, issued.certificate.id)


def test_issue_records_the_digest_and_checkpoint(make_issued: Callable[..., Issued]) -> None:
    issued = make_issued(with_statement=True)
    entry = issued.park.ledger.entry(issued.issue_seq)
    assert entry.kind == "certificate.issue" and entry.actor == "E-1"
    assert entry.payload["sha256"] == issued.certificate.content_digest()
    assert entry.payload["footprint"] == issued.footprint_id
    with issued.park.ledger.db.read_session() as s:
        record = get_certificate(s, issued.certificate.id)
        assert record is not None and record.seq == issued.issue_seq
        assert record.checkpoint_size == entry.payload["checkpoint_size"] == issued.issue_seq
        verification = issued.certificate.body.verification
        assert verification is not None and record.statement_seq == verification.seq
        assert [r.certificate_id for r in list_certificates(s, footprint_id=issued.footprint_id)] == [
            issued.certificate.id
        ]
    assert status(issued) == "valid"
    assert check_certificate(issued.certificate, issued.trust).ok


def test_revoked_certificate_still_verifies_offline(make_issued: Callable[..., Issued]) -> None:
    issued = make_issued()
    seq = revoke_certificate(
        issued.park.ledger, issued.certificate.id, "meter M-7 was mis-calibrated", issued.park.keys["E-1"]
    )
    assert status(issued) == "revoked"
    assert check_certificate(issued.certificate, issued.trust).ok  # still as signed
    with issued.park.ledger.db.read_session() as s:
        record = get_certificate(s, issued.certificate.id)
        assert record is not None
        assert (record.revoked_seq, record.revoked_by, record.revoke_reason) == (
            seq,
            "E-1",
            "meter M-7 was mis-calibrated",
        )


def test_superseded_footprint_supersedes_the_certificate(make_issued: Callable[..., Issued]) -> None:
    issued = make_issued()
    publish(issued.park, supersedes=[issued.footprint_id], total=3.9)
    assert status(issued) == "superseded"
    assert check_certificate(issued.certificate, issued.trust).ok
    revoke_certificate(issued.park.ledger, issued.certificate.id, "replaced", issued.park.keys["E-1"])
    assert status(issued) == "revoked"  # revocation wins


def test_verifier_of_the_cited_statement_may_revoke(make_issued: Callable[..., Issued]) -> None:
    issued = make_issued(with_statement=True)
    issued.park.register("V-2", "verifier")
    with pytest.raises(LedgerError) as e:
        revoke_certificate(issued.park.ledger, issued.certificate.id, "no", issued.park.keys["V-2"])
    assert e.value.code == "certificate.not_authorised"
    revoke_certificate(
        issued.park.ledger, issued.certificate.id, "findings withdrawn", issued.park.keys["V-1"]
    )
    assert status(issued) == "revoked"


def test_unknown_certificate(make_park: Callable[[], Park]) -> None:
    park = basic_park(make_park())
    with park.ledger.db.read_session() as s, pytest.raises(CertificateNotFound):
        certificate_status(s, str(uuid.uuid4()))
    with pytest.raises(CertificateNotFound):
        revoke_certificate(park.ledger, str(uuid.uuid4()), "x", park.keys["E-1"])


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("duplicate", "certificate.exists"),
        ("unknown_footprint", "certificate.footprint_unknown"),
        ("not_publisher", "certificate.not_publisher"),
        ("superseded", "certificate.footprint_superseded"),
        ("checkpoint_beyond", "certificate.checkpoint_out_of_range"),
        ("checkpoint_before", "certificate.checkpoint_out_of_range"),
        ("statement", "certificate.statement_unknown"),
        ("statement_other", "certificate.statement_other_subject"),
        ("verifier_issues", "actor.role_forbidden"),
        ("revoke_twice", "certificate.revoked_already"),
        ("revoke_unknown", "certificate.unknown"),
        ("revoke_other", "certificate.not_authorised"),
        ("bad_digest", "schema.invalid"),
    ],
)
def test_rules(make_issued: Callable[..., Issued], case: str, code: str) -> None:
    issued = make_issued()
    park, fid, cid = issued.park, issued.footprint_id, issued.certificate.id
    fp_seq = issued.certificate.body.footprint.seq
    body = {
        "id": str(uuid.uuid4()),
        "footprint": fid,
        "sha256": "ab" * 32,
        "checkpoint_size": park.ledger.size(),
    }
    kind, actor = "certificate.issue", "E-1"
    if case == "duplicate":
        body["id"] = cid
    elif case == "unknown_footprint":
        body["footprint"] = str(uuid.uuid4())
    elif case == "not_publisher":
        actor = "E-2"
    elif case == "superseded":
        publish(park, supersedes=[fid])
        body["checkpoint_size"] = park.ledger.size()
    elif case == "checkpoint_beyond":
        body["checkpoint_size"] = park.ledger.size() + 1
    elif case == "checkpoint_before":
        body["checkpoint_size"] = fp_seq
    elif case == "statement":
        body["statement_seq"] = fp_seq
    elif case == "statement_other":
        body["statement_seq"] = statement(park, subject="E-2")
        body["checkpoint_size"] = park.ledger.size()
    elif case == "verifier_issues":
        actor = "V-1"
    elif case == "bad_digest":
        body["sha256"] = "nope"
    else:
        kind, body = "certificate.revoke", {"id": cid, "reason": "r"}
        if case == "revoke_twice":
            park.ledger.append([park.sign(kind, "E-1", body)])
            body = {"id": cid, "reason": "again"}
        elif case == "revoke_unknown":
            body["id"] = str(uuid.uuid4())
        else:
            actor = "E-2"
    size = park.ledger.size()
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign(kind, actor, body)])
    assert e.value.code == code, e.value
    assert park.ledger.size() == size


def test_issue_preconditions(make_park: Callable[[], Park]) -> None:
    park = basic_park(make_park())
    fid = publish(park)
    with pytest.raises(NotIssuable) as e:
        issue_certificate(park.ledger, fid, park.keys["E-2"])
    assert e.value.code == "certificate.wrong_key"
    with pytest.raises(NotIssuable) as e:
        issue_certificate(park.ledger, str(uuid.uuid4()), park.keys["E-1"])
    assert e.value.code == "certificate.footprint_unknown"
    with pytest.raises(NotIssuable) as e:
        issue_certificate(park.ledger, fid, park.keys["E-1"], statement_seq=1)
    assert e.value.code == "certificate.statement_unknown"
    other = statement(park, subject="E-2")
    with pytest.raises(NotIssuable):
        issue_certificate(park.ledger, fid, park.keys["E-1"], statement_seq=other)
    assert park.ledger.entry(park.ledger.size() - 1).kind == "verification.statement"  # nothing recorded


def test_online_status_of_a_presented_document(make_issued: Callable[..., Issued]) -> None:
    from certificates.issue import build_certificate, sign_certificate
    from certificates.status import online_status

    issued = make_issued()
    ledger = issued.park.ledger
    with ledger.db.read_session() as s:
        got = online_status(s, issued.certificate)
        assert (got.state, got.issue_seq, got.ok) == ("valid", issued.issue_seq, True)
    # Same id, another document signed by the issuer but never recorded.
    doc, key_seq = build_certificate(ledger, issued.footprint_id, certificate_id=issued.certificate.id)
    twin = sign_certificate(doc, issued.park.keys["E-1"], key_seq)
    unrecorded_doc, _ = build_certificate(ledger, issued.footprint_id)
    unrecorded = sign_certificate(unrecorded_doc, issued.park.keys["E-1"], key_seq)
    revoke_certificate(ledger, issued.certificate.id, "wrong lot", issued.park.keys["E-1"])
    with ledger.db.read_session() as s:
        assert online_status(s, twin).state == "mismatch"
        assert online_status(s, unrecorded).state == "unrecorded"
        got = online_status(s, issued.certificate)
        assert (got.state, got.detail, got.ok) == ("revoked", "wrong lot", False)
