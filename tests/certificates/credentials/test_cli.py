"""``tanji cert issue`` writes the passport, ``tanji statement`` the conformity credential, and ``tanji cert
verify`` checks both secured forms offline — keys from the certificate's evidence or from DID documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from certificates.credentials.actors import write_did_documents
from ledger.log.keys import load_private_key, save_private_key, save_public_key
from ledger.store.append import Ledger
from ledger.store.db import Database, default_url
from tests.certificates.conftest import basic_park, publish
from tests.certificates.credentials.schemas import validate_dcc, validate_dpp
from tests.conftest import Park

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANJI_HOME", str(tmp_path / "home"))
    for name in ("TANJI_DB", "TANJI_KEY_PASSPHRASE", "TANJI_PUBLIC_URL", "TANJI_DID_HOST"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


@pytest.fixture
def park(home: Path) -> Park:
    assert runner.invoke(app, ["init", "--origin", "tanji.example.org/park"]).exit_code == 0
    operator = load_private_key(home / "keys" / "operator.pem")
    park = basic_park(Park(Ledger(Database(default_url(home)), operator), {"operator": operator}))
    for actor in ("E-1", "E-2", "V-1"):
        save_private_key(park.keys[actor], home / "keys" / f"{actor}.pem")
    save_public_key(operator.public_key(), home / "ledger.pub")
    return park


def test_issue_writes_credentials_and_verify_takes_them(park: Park, home: Path, tmp_path: Path) -> None:
    fid = publish(park)  # before the statement: a statement covers only what its tree holds
    park.ledger.append([park.sign("access.grant", "E-1", {"grantee": "V-1", "scope": "trail"})])
    r = runner.invoke(
        app,
        [
            "statement",
            "sign",
            "E-1",
            "--as",
            "V-1",
            "--opinion",
            "reasonable",
            "--standard",
            "ISO 14064-3:2019",
        ],
    )
    assert r.exit_code == 0, r.output
    statement = park.ledger.size() - 1
    credentials = home / "credentials"
    dcc = credentials / f"statement-{statement}.dcc.json"
    validate_dcc(json.loads(dcc.read_text()))

    cert = tmp_path / "cert.json"
    r = runner.invoke(app, ["cert", "issue", fid, "--out", str(cert), "--statement", str(statement)])
    assert r.exit_code == 0, r.output
    cid = json.loads(cert.read_text())["id"]
    dpp, jwt_file = credentials / f"{cid}.dpp.json", credentials / f"{cid}.dpp.jwt"
    assert str(dpp) in r.output
    document = json.loads(dpp.read_text())
    validate_dpp(document)
    assert document["issuer"]["id"] == "did:web:tanji.example.org:actors:E-1"

    trust = str(home / "ledger.pub")
    files = [
        str(cert),
        str(dpp),
        str(jwt_file),
        str(dcc),
        str(credentials / f"statement-{statement}.dcc.jwt"),
    ]
    r = runner.invoke(app, ["cert", "verify", *files, "--trust", trust])
    assert r.exit_code == 0, r.output
    assert "DigitalProductPassport" in r.output and "(jose)" in r.output and "(data-integrity)" in r.output
    r = runner.invoke(app, ["cert", "verify", *files, "--trust", trust, "--json"])
    results = json.loads(r.output)
    assert [x["ok"] for x in results] == [True] * 5
    checks = {c["name"] for c in results[1]["checks"]}
    assert {"proof.signature", "credential.issuer", "credential.certificate"} <= checks

    # a credential alone has no key to check it with — unless its issuer's DID document is given
    r = runner.invoke(app, ["cert", "verify", str(jwt_file), "--trust", trust])
    assert r.exit_code == 1 and "jose.key" in r.output
    write_did_documents(park.ledger, "tanji.example.org", tmp_path / "did")
    r = runner.invoke(
        app, ["cert", "verify", str(jwt_file), "--trust", trust, "--did-dir", str(tmp_path / "did")]
    )
    assert r.exit_code == 0, r.output


def test_a_local_base_url_is_refused_before_anything_is_recorded(park: Park, home: Path) -> None:
    fid = publish(park)
    size = park.ledger.size()
    r = runner.invoke(app, ["cert", "issue", fid, "--base-url", "http://127.0.0.1:8000"])
    assert r.exit_code == 2 and "not a public https URL" in r.output
    assert park.ledger.size() == size
