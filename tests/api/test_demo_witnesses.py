"""The demo's witnesses: a checkpoint with two cosignatures, the policy, and certificates that meet it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.demo.witnesses import WITNESSES
from certificates.verify import TrustedKey, check_certificate
from ledger.log.checkpoint import parse_note
from ledger.log.keys import load_public_key
from ledger.log.policy import Policy

runner = CliRunner()


def test_demo_checkpoint_carries_two_cosignatures_and_certificates_meet_the_policy(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = runner.invoke(app, ["demo", "--out", str(out), "--months", "1"])
    assert r.exit_code == 0, r.output
    policy = Policy.from_text((out / "witnesses" / "policy").read_text())
    note = (out / "checkpoint").read_text()
    check = policy.check(note)
    assert check.ok and check.cosigned == tuple(WITNESSES), check
    _cp, sigs = parse_note(note)
    assert len(sigs) == 3  # the operator's signature and two cosignatures
    for label in WITNESSES:
        vkey = (out / "witnesses" / f"{label}.vkey").read_text().strip()
        assert vkey in [w.key.vkey() for w in policy.witnesses]
    trust = TrustedKey(load_public_key(out / "ledger.pub"), policy=policy)
    certs = sorted((out / "certificates").glob("*.json"))
    assert len(certs) == 3
    for cert in certs:
        result = check_certificate(cert.read_bytes(), trust)
        assert result.ok and result.check("checkpoint.witnesses").ok, result.to_json()
    r = runner.invoke(
        app,
        [
            "cert",
            "verify",
            *map(str, certs),
            "--trust",
            str(out / "ledger.pub"),
            "--policy",
            str(out / "witnesses" / "policy"),
        ],
    )
    assert r.exit_code == 0, r.output
    policy_file = str(out / "witnesses" / "policy")
    r = runner.invoke(
        app,
        [
            "ledger",
            "verify",
            "--file",
            str(out / "export" / "log.jsonl"),
            "--policy",
            policy_file,
            "--against",
            str(out / "checkpoint"),
            "--json",
        ],
    )
    report = json.loads(r.output)
    assert r.exit_code == 0 and report["witnesses"] == list(WITNESSES) and report["against_size"] > 0, (
        r.output
    )
