"""``tanji cert …``: issue, verify (exit codes), revoke, status, label, upgrade."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from ledger.log.keys import load_private_key, save_private_key, save_public_key
from ledger.store.append import Ledger
from ledger.store.db import Database, default_url
from tests.certificates.conftest import basic_park, publish
from tests.conftest import Park

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANJI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TANJI_DB", raising=False)
    monkeypatch.delenv("TANJI_KEY_PASSPHRASE", raising=False)
    return tmp_path / "home"


@pytest.fixture
def park(home: Path) -> Park:
    """``tanji init`` plus E-1, E-2, V-1 (keys saved under TANJI_HOME/keys) and a footprint by E-1."""
    assert runner.invoke(app, ["init", "--origin", "test.tanji/cli"]).exit_code == 0
    operator = load_private_key(home / "keys" / "operator.pem")
    park = basic_park(Park(Ledger(Database(default_url(home)), operator), {"operator": operator}))
    for actor in ("E-1", "E-2", "V-1"):
        save_private_key(park.keys[actor], home / "keys" / f"{actor}.pem")
    save_public_key(operator.public_key(), home / "ledger.pub")
    return park


def test_issue_verify_tamper_revoke_label(park: Park, home: Path, tmp_path: Path) -> None:
    fid = publish(park)
    cert = tmp_path / "cert.json"
    r = runner.invoke(app, ["cert", "issue", fid, "--out", str(cert)])  # default key: keys/E-1.pem
    assert r.exit_code == 0, r.output
    cid = json.loads(cert.read_text())["id"]

    r = runner.invoke(app, ["cert", "verify", str(cert), "--trust", str(home / "ledger.pub")])
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"ok: {cert}")
    r = runner.invoke(app, ["cert", "verify", str(cert), "--trust", str(home / "ledger.pub"), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["ok"] is True

    doc = json.loads(cert.read_text())
    doc["footprint"]["market"]["total"] = 1.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    r = runner.invoke(app, ["cert", "verify", str(bad), "--trust", str(home / "ledger.pub")])
    assert r.exit_code == 1
    assert "footprint.figures" in r.output and "issuer.signature" in r.output
    r = runner.invoke(app, ["cert", "verify", str(bad), "--trust", str(home / "ledger.pub"), "--json"])
    assert r.exit_code == 1 and json.loads(r.output)["failed"] == ["issuer.signature", "footprint.figures"]
    r = runner.invoke(
        app, ["cert", "verify", str(cert), str(bad), "--trust", str(home / "ledger.pub"), "--json"]
    )
    assert r.exit_code == 1 and [x["ok"] for x in json.loads(r.output)] == [True, False]

    save_public_key(park.keys["E-2"].public_key(), tmp_path / "wrong.pub")
    r = runner.invoke(app, ["cert", "verify", str(cert), "--trust", str(tmp_path / "wrong.pub")])
    assert r.exit_code == 1 and "checkpoint.signature" in r.output
    r = runner.invoke(app, ["cert", "verify", str(cert), "--trust", str(tmp_path / "missing.pub")])
    assert r.exit_code == 2

    assert runner.invoke(app, ["cert", "status", cid]).output.strip() == "valid"
    r = runner.invoke(app, ["cert", "status", "--file", str(cert)])
    assert (r.exit_code, r.output.strip()) == (0, "valid")
    r = runner.invoke(
        app, ["cert", "revoke", cid, "--reason", "recalculated", "--key", str(home / "keys" / "E-1.pem")]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["cert", "status", cid, "--json"])
    assert r.exit_code == 1 and json.loads(r.output) == {
        "certificate_id": cid,
        "status": "revoked",
        "detail": "",
    }
    r = runner.invoke(app, ["cert", "status", "--file", str(cert)])
    assert (r.exit_code, r.output.strip()) == (1, "revoked recalculated")
    r = runner.invoke(
        app, ["cert", "revoke", cid, "--reason", "again", "--key", str(home / "keys" / "E-1.pem")]
    )
    assert r.exit_code == 2 and "certificate.revoked_already" in r.output

    out = tmp_path / "labels"
    r = runner.invoke(
        app, ["cert", "label", cid, "--pdf", "--base-url", "https://t.example", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert len(list(out.iterdir())) == 4
    assert f"https://t.example/verify/{cid}" in (out / f"label-{cid}-en.html").read_text()

    publish(park, actor="E-2")
    upgraded = tmp_path / "upgraded.json"
    assert runner.invoke(app, ["cert", "upgrade", str(cert), "--out", str(upgraded)]).exit_code == 0
    r = runner.invoke(app, ["cert", "verify", str(upgraded), "--trust", str(home / "ledger.pub"), "--json"])
    assert r.exit_code == 0 and "upgrade.consistency" in r.output


def test_issue_errors(park: Park, home: Path) -> None:
    r = runner.invoke(app, ["cert", "issue", "00000000-0000-4000-8000-000000000000"])
    assert r.exit_code == 2 and "certificate.footprint_unknown" in r.output
    fid = publish(park)
    r = runner.invoke(app, ["cert", "issue", fid, "--key", str(home / "keys" / "E-2.pem")])
    assert r.exit_code == 2 and "certificate.wrong_key" in r.output
    r = runner.invoke(app, ["cert", "issue", fid])
    assert r.exit_code == 0 and json.loads(r.stdout)["type"] == "tanji.certificate/2"
