"""Shared set-up for certificate tests: a park with a published footprint, a certificate issued from it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from certificates.document import Certificate
from certificates.issue import issue_certificate
from certificates.verify import TrustedKey
from ledger.attribution.runner import run_attribution
from ledger.log.checkpoint import parse_verifier_key
from ledger.log.keys import generate_key
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url
from tests.conftest import Park
from tests.lca.test_kinds import derived, model_doc, payload, signed
from tests.ledger.park_fixtures import MONTH, build_month_park


@dataclass
class Issued:
    """A park, the footprint published in it and a certificate of that footprint."""

    park: Park
    footprint_id: str
    certificate: Certificate
    issue_seq: int

    @property
    def trust(self) -> TrustedKey:
        name, key = parse_verifier_key(self.park.ledger.info().operator_key)
        return TrustedKey(key, name)


def publish(park: Park, actor: str = "E-1", **kw: Any) -> str:
    """Publish a footprint (``tests.lca.test_kinds.payload``) by ``actor``; returns its id."""
    fid = str(uuid.uuid4())
    park.ledger.append(signed(park, actor, payload(fid, **kw)))
    return fid


def statement(park: Park, subject: str = "E-1", verifier: str = "V-1") -> int:
    """Grant ``verifier`` the trail of ``subject`` and append its statement; returns the statement seq."""
    park.ledger.append([park.sign("access.grant", subject, {"grantee": verifier, "scope": "trail"})])
    size = park.ledger.size()
    root = park.ledger.root(size).hex()
    [placed] = park.ledger.append(
        [
            park.sign(
                "verification.statement",
                verifier,
                {
                    "subject": subject,
                    "tree_size": size,
                    "root_hash": root,
                    "seqs": [],
                    "opinion": "reasonable",
                    "standard": "ISO 14064-3:2019",
                    "statement": "Checked the trail.",
                },
            )
        ]
    )
    return placed.seq


def issue(park: Park, footprint_id: str, actor: str = "E-1", **kw: Any) -> Issued:
    got = issue_certificate(park.ledger, footprint_id, park.keys[actor], **kw)
    return Issued(park, footprint_id, got.certificate, got.seq)


def basic_park(park: Park) -> Park:
    park.register("E-1", "enterprise")
    park.register("E-2", "enterprise")
    park.register("V-1", "verifier")
    return park


@pytest.fixture
def make_issued(make_park: Callable[[], Park]) -> Callable[..., Issued]:
    """Factory on the backend under test: a park, a footprint by E-1, its certificate."""

    def make(*, with_statement: bool = False) -> Issued:
        park = basic_park(make_park())
        fid = publish(park)
        seq = statement(park) if with_statement else None
        return issue(park, fid, statement_seq=seq)

    return make


def sqlite_park(tmp: Path) -> Park:
    """A fresh park on SQLite (for module-scoped fixtures and property tests)."""
    operator = generate_key()
    ledger = Ledger.create(Database(sqlite_url(tmp / "tanji.db")), operator, origin="test.tanji/ledger")
    return basic_park(Park(ledger, {"operator": operator}))


def metered_park(tmp: Path) -> tuple[Park, str]:
    """A park on SQLite with a month of readings, attributed (``tests.ledger.park_fixtures``), and E-1's
    footprint drawing C-1 and C-2's electricity as the ledger re-computes it; its id.

    C-1 and C-2 consume 372,000 Wh: 223,200 direct from W-1 (physical share 0.6, all of it matched
    hour by hour), of which C-1's 178,560 and the 119,040 its GEC covers are claimable (0.8).
    """
    operator = generate_key()
    ledger = Ledger.create(Database(sqlite_url(tmp / "tanji.db")), operator, origin="test.tanji/ledger")
    park = build_month_park(Park(ledger, {"operator": operator}))
    park.register("V-1", "verifier")
    run = run_attribution(park.ledger, "operator", operator, (MONTH,), ["C-1", "C-2"])
    body = derived(park, "E-1", model_doc(meters=["C-1", "C-2"]), run=run.seq)
    park.ledger.append([park.sign("footprint.publish", "E-1", body)])
    return park, str(body["footprint_id"])


@pytest.fixture(scope="module")
def issued_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    """One certificate of a metered footprint with a cited verification statement, on SQLite, shared by
    a test module (:func:`metered_park`)."""
    park, fid = metered_park(tmp_path_factory.mktemp("cert"))
    return issue(park, fid, statement_seq=statement(park))
