"""Upgrading an older certificate to a newer checkpoint with a consistency proof."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from certificates.errors import UpgradeError
from certificates.upgrade import attach_upgrade, upgrade_certificate
from certificates.verify import check_certificate
from ledger.log.checkpoint import parse_note
from tests.certificates.conftest import Issued, issue, publish, sqlite_park

UPGRADE_CHECKS = ("upgrade.checkpoint", "upgrade.consistency", "upgrade.inclusion")


def grow(issued: Issued, n: int = 5) -> None:
    for _ in range(n):
        publish(issued.park, actor="E-2")


def test_upgraded_certificate_verifies_both_checkpoints(make_issued: Callable[..., Issued]) -> None:
    issued = make_issued()
    grow(issued)
    new = upgrade_certificate(issued.certificate, issued.park.ledger, with_inclusion=True)
    assert new.signed_bytes() == issued.certificate.signed_bytes()  # the signature still holds
    result = check_certificate(new.to_bytes(), issued.trust)
    assert result.ok, result.to_json()
    assert [c.name for c in result.checks][-3:] == list(UPGRADE_CHECKS)
    assert new.upgrade is not None
    assert parse_note(new.upgrade.checkpoint)[0].size == issued.park.ledger.size()
    assert new.upgrade.proof  # one multiproof of every evidence entry against the newer checkpoint
    # by default the consistency proof alone: it shows the evidence tree is a prefix of the newer one
    lean = upgrade_certificate(issued.certificate, issued.park.ledger)
    assert lean.upgrade is not None and lean.upgrade.proof is None
    assert check_certificate(lean, issued.trust).ok


def test_offline_upgrade_from_pieces(tmp_path: Path) -> None:
    park = sqlite_park(tmp_path)
    issued = issue(park, publish(park))
    grow(issued, 3)
    old_size = parse_note(issued.certificate.body.evidence.checkpoint)[0].size
    note = park.ledger.latest_checkpoint()
    proof = park.ledger.consistency_proof(old_size)
    # Consistency alone (no new inclusion proofs) is enough for the verifier.
    new = attach_upgrade(issued.certificate, note, list(proof.path))
    result = check_certificate(new, issued.trust)
    assert result.ok and "upgrade.inclusion" not in [c.name for c in result.checks]
    # A proof that does not link the roots is refused, and a forged one is caught by the verifier.
    with pytest.raises(UpgradeError):
        attach_upgrade(issued.certificate, note, list(reversed(proof.path)))
    forged = dict(new.data)
    forged["upgrade"] = {**new.data["upgrade"], "consistency": ["00" * 32] * len(proof.path)}
    assert check_certificate(forged, issued.trust).failed == ("upgrade.consistency",)
    bad_proof = {**new.data["upgrade"], "proof": ["11" * 32]}
    assert check_certificate({**new.data, "upgrade": bad_proof}, issued.trust).failed == (
        "upgrade.inclusion",
    )
    # A newer checkpoint not signed by the trusted key.
    other = sqlite_park(tmp_path / "other")
    unsigned = {**new.data["upgrade"], "checkpoint": other.ledger.latest_checkpoint()}
    assert "upgrade.checkpoint" in check_certificate({**new.data, "upgrade": unsigned}, issued.trust).failed


def test_upgrade_refuses_foreign_seqs(tmp_path: Path) -> None:
    park = sqlite_park(tmp_path)
    issued = issue(park, publish(park))
    grow(issued, 2)
    old_size = parse_note(issued.certificate.body.evidence.checkpoint)[0].size
    note = park.ledger.latest_checkpoint()
    proof = park.ledger.consistency_proof(old_size)
    last = park.ledger.size() - 1
    with pytest.raises(UpgradeError):
        attach_upgrade(
            issued.certificate, note, list(proof.path), {last: list(park.ledger.inclusion_proof(last).path)}
        )
