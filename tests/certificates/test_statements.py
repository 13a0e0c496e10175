"""Statements that cover: a certificate cites a verifier's statement only if it covers the footprint.

Issue 14's dishonest enterprise issued a certificate citing a statement older than its footprint;
``tanji cert verify`` printed ok. Now the issuer cannot build it, the ledger refuses to record it and
offline verify fails it, all by one rule (``certificates.statements.statement_covers``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

import certificates.issue
from certificates.errors import NotIssuable
from certificates.issue import build_certificate, issue_certificate, sign_certificate
from certificates.statements import statement_covers, statement_payload
from certificates.verify import check_certificate
from ledger import Ledger, parse_note
from ledger.errors import LedgerError
from tests.certificates.conftest import basic_park, publish, statement
from tests.conftest import Park


def _statement(park: Park, *, grant: bool = True, **kw: Any) -> int:
    """A statement by V-1 on E-1 over the log as it stands (the trail grant is given first)."""
    if grant:
        park.ledger.append([park.sign("access.grant", "E-1", {"grantee": "V-1", "scope": "trail"})])
    body = statement_payload(park.ledger, "E-1", opinion="reasonable", standard="ISO 14064-3:2019", **kw)
    [placed] = park.ledger.append([park.sign("verification.statement", "V-1", body)])
    return placed.seq


def test_a_statement_older_than_the_footprint_does_not_cover_it(
    make_park: Callable[[], Park], monkeypatch: pytest.MonkeyPatch
) -> None:
    park = basic_park(make_park())
    old = statement(park)  # the trail up to now
    fid = publish(park)  # published after the statement
    with pytest.raises(NotIssuable) as e:
        issue_certificate(park.ledger, fid, park.keys["E-1"], statement_seq=old)
    assert e.value.code == "certificate.statement_not_covering"

    # A dishonest issuer's own software builds and signs it anyway: offline verify fails it ...
    monkeypatch.setattr(certificates.issue, "statement_covers", lambda *a: (True, ""))
    document, key_seq = build_certificate(park.ledger, fid, statement_seq=old)
    cert = sign_certificate(document, park.keys["E-1"], key_seq)
    result = check_certificate(cert.to_bytes(), _trust(park.ledger))
    assert result.failed == ("verification.statement",)
    assert "does not cover the footprint" in result.check("verification.statement").detail
    # ... and the ledger refuses to record it.
    size = parse_note(document["evidence"]["checkpoint"])[0].size
    payload = {
        "id": cert.id,
        "footprint": fid,
        "sha256": cert.content_digest(),
        "checkpoint_size": size,
        "statement_seq": old,
    }
    with pytest.raises(LedgerError) as e2:
        park.ledger.append([park.sign("certificate.issue", "E-1", payload)])
    assert e2.value.code == "certificate.statement_not_covering"

    # A statement made after the footprint covers it.
    fresh = _statement(park, grant=False)
    issued = issue_certificate(park.ledger, fid, park.keys["E-1"], statement_seq=fresh)
    assert check_certificate(issued.certificate.to_bytes(), _trust(park.ledger)).ok


def _trust(ledger: Ledger) -> Any:
    from certificates.verify import TrustedKey
    from ledger import parse_verifier_key

    name, key = parse_verifier_key(ledger.info().operator_key)
    return TrustedKey(key, name)


def test_a_statement_scoped_to_footprints(make_park: Callable[[], Park]) -> None:
    park = basic_park(make_park())
    covered, other = publish(park), publish(park, product="SI-METAL")
    seq = _statement(park, footprints=[covered])
    assert check_certificate(
        issue_certificate(park.ledger, covered, park.keys["E-1"], statement_seq=seq).certificate.to_bytes(),
        _trust(park.ledger),
    ).ok
    with pytest.raises(NotIssuable) as e:
        issue_certificate(park.ledger, other, park.keys["E-1"], statement_seq=seq)
    assert e.value.code == "certificate.statement_not_covering"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("unknown", "verification.footprint_unknown"),
        ("other_subject", "verification.footprint_other_subject"),
        ("outside_tree", "verification.footprint_outside_tree"),
    ],
)
def test_statement_scope_rules(make_park: Callable[[], Park], case: str, code: str) -> None:
    park = basic_park(make_park())
    mine, theirs = publish(park), publish(park, actor="E-2")
    scope = {"unknown": [str(uuid.uuid4())], "other_subject": [theirs], "outside_tree": [mine]}[case]
    park.ledger.append([park.sign("access.grant", "E-1", {"grantee": "V-1", "scope": "trail"})])
    body = statement_payload(
        park.ledger, "E-1", opinion="reasonable", standard="ISO 14064-3:2019", footprints=scope
    )
    if case == "outside_tree":
        body.update(tree_size=2, root_hash=park.ledger.root(2).hex(), seqs=[])  # a tree before it
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("verification.statement", "V-1", body)])
    assert e.value.code == code


def test_covers_is_one_pure_rule() -> None:
    trail = {"subject": "E-1", "tree_size": 10, "seqs": []}
    assert statement_covers(trail, "f", 9, "E-1") == (True, "")
    assert not statement_covers(trail, "f", 10, "E-1")[0]  # at the tree size: outside
    assert not statement_covers(trail, "f", 3, "E-2")[0]  # another publisher
    assert not statement_covers({**trail, "seqs": [1, 2]}, "f", 3, "E-1")[0]  # not listed
    assert statement_covers({**trail, "seqs": [3]}, "f", 3, "E-1")[0]
    scoped = {**trail, "footprints": ["a"]}
    assert statement_covers(scoped, "a", 99, "E-1")[0] and not statement_covers(scoped, "b", 1, "E-1")[0]
