"""A certificate's checkpoint must carry the witness policy's quorum when the verifier asks for one."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from certificates.document import Certificate
from certificates.upgrade import attach_upgrade, upgrade_certificate
from certificates.verify import check_certificate, check_files
from ledger.log.checkpoint import parse_note
from ledger.log.cosignature import Cosignature, cosign, with_cosignatures
from ledger.log.keys import generate_key
from ledger.log.policy import Policy
from ledger.log.witness import AddCheckpoint
from ledger.store.witness_home import WitnessHome
from tests.certificates.conftest import Issued, publish

runner = CliRunner()


def _witnesses(issued: Issued, tmp: Path) -> tuple[Policy, list[WitnessHome]]:
    vkey = issued.park.ledger.info().operator_key
    homes = []
    for label in ("park", "verifier"):
        home = WitnessHome.create(tmp / label, f"{label}.tanji.test/w")
        home.trust(vkey)
        homes.append(home)
    policy = Policy.from_text(
        f"log {vkey}\n"
        + "".join(f"witness {h.name.split('.')[0]} {h.witness_key.vkey()}\n" for h in homes)
        + "group both all park verifier\nquorum both\n"
    )
    return policy, homes


def _cosign_latest(issued: Issued, homes: list[WitnessHome]) -> None:
    ledger = issued.park.ledger
    note = ledger.latest_checkpoint()
    size = parse_note(note)[0].size
    for home in homes:
        held = home.latest().get(ledger.info().origin)
        old = 0 if held is None else held.size
        proof = tuple(ledger.consistency_proof(old, size).path) if old else ()
        lines = home.add_checkpoint(AddCheckpoint(old, proof, note))
        ledger.add_cosignatures(size, "".join(c.line() for c in lines), [home.witness_key])


def test_certificate_upgraded_to_a_cosigned_checkpoint_meets_the_policy(
    make_issued: Callable[..., Issued], tmp_path: Path
) -> None:
    issued = make_issued()
    policy, homes = _witnesses(issued, tmp_path)
    trust = replace(issued.trust, policy=policy)
    result = check_certificate(issued.certificate.to_bytes(), trust)
    assert result.failed == ("checkpoint.witnesses",)
    assert "policy.not_satisfied" in result.check("checkpoint.witnesses").detail
    assert check_certificate(issued.certificate.to_bytes(), issued.trust).ok  # no policy: as before

    publish(issued.park, actor="E-2")
    _cosign_latest(issued, homes)
    upgraded = upgrade_certificate(issued.certificate, issued.park.ledger)
    result = check_certificate(upgraded.to_bytes(), trust)
    assert result.ok, result.to_json()
    assert result.check("checkpoint.witnesses").ok


def test_forged_and_foreign_cosignatures_on_a_certificate(
    make_issued: Callable[..., Issued], tmp_path: Path
) -> None:
    issued = make_issued()
    policy, homes = _witnesses(issued, tmp_path)
    trust = replace(issued.trust, policy=policy)
    ledger = issued.park.ledger
    note = ledger.latest_checkpoint()
    body = parse_note(note)[0].body()
    # the operator (or the holder) makes up the cosignatures: one with a stranger's key under a witness name,
    # one that is bytes of nothing
    stranger = generate_key()
    fake = with_cosignatures(
        note, [cosign(body, homes[0].name, stranger, 10), cosign(body, homes[1].name, stranger, 10)]
    )
    proof = ledger.consistency_proof(parse_note(issued.certificate.body.evidence.checkpoint)[0].size).path
    cert = attach_upgrade(issued.certificate, fake, list(proof))
    check = check_certificate(cert.to_bytes(), trust).check("checkpoint.witnesses")
    assert not check.ok and "policy.not_satisfied" in check.detail and "not in the policy" in check.detail
    real = homes[0].add_checkpoint(AddCheckpoint(0, (), note))[0]
    forged = with_cosignatures(note, [Cosignature(real.name, real.key_id, real.timestamp, bytes(64))])
    cert = attach_upgrade(issued.certificate, forged, list(proof))
    check = check_certificate(cert.to_bytes(), trust).check("checkpoint.witnesses")
    assert not check.ok and "cosignature." in check.detail


def test_cert_verify_cli_enforces_the_policy(make_issued: Callable[..., Issued], tmp_path: Path) -> None:
    issued = make_issued()
    policy, homes = _witnesses(issued, tmp_path)
    policy_file = tmp_path / "policy"
    policy_file.write_text(policy.text())
    trust_file = tmp_path / "ledger.vkey"
    trust_file.write_text(issued.park.ledger.info().operator_key + "\n")
    plain = tmp_path / "plain.json"
    plain.write_bytes(issued.certificate.to_bytes())
    r = runner.invoke(
        app, ["cert", "verify", str(plain), "--trust", str(trust_file), "--policy", str(policy_file)]
    )
    assert r.exit_code == 1 and "checkpoint.witnesses" in r.output
    _cosign_latest(issued, homes)
    witnessed = tmp_path / "witnessed.json"
    witnessed.write_bytes(upgrade_certificate(issued.certificate, issued.park.ledger).to_bytes())
    r = runner.invoke(
        app,
        [
            "cert",
            "verify",
            str(witnessed),
            "--trust",
            str(trust_file),
            "--policy",
            str(policy_file),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["ok"] is True
    assert check_files([witnessed], trust_file, policy)[0].ok
    assert Certificate.from_bytes(witnessed.read_bytes()).signed_bytes() == issued.certificate.signed_bytes()
    r = runner.invoke(
        app,
        ["cert", "verify", str(witnessed), "--trust", str(trust_file), "--policy", str(tmp_path / "missing")],
    )
    assert r.exit_code == 2 and "Traceback" not in r.output


@pytest.mark.parametrize("n", [0])
def test_policy_none_accepts_without_witnesses(make_issued: Callable[..., Issued], n: int) -> None:
    issued = make_issued()
    policy = Policy.from_text(f"log {issued.park.ledger.info().operator_key}\nquorum none\n")
    assert check_certificate(issued.certificate.to_bytes(), replace(issued.trust, policy=policy)).ok
