"""The ledger's command line: init, verify (database and export), checkpoint, proofs, demo."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from ledger.log import merkle
from ledger.log.checkpoint import parse_note

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANJI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TANJI_DB", raising=False)
    return tmp_path / "home"


def test_init_verify_proofs_and_export(home: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["init", "--origin", "test.tanji/cli"])
    assert r.exit_code == 0, r.output
    key = home / "keys" / "operator.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    assert runner.invoke(app, ["init"]).exit_code == 2  # a second init refuses

    r = runner.invoke(app, ["ledger", "verify", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["ok"] is True

    r = runner.invoke(app, ["ledger", "checkpoint"])
    cp, _ = parse_note(r.output)
    assert cp.origin == "test.tanji/cli" and cp.size == 1

    r = runner.invoke(app, ["ledger", "proof", "--seq", "0", "--json"])
    proof = json.loads(r.output)
    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 0, 1, [], cp.root_hash)
    r = runner.invoke(app, ["ledger", "consistency", "--old", "1", "--json"])
    assert json.loads(r.output)["path"] == []
    r = runner.invoke(app, ["ledger", "proof", "--seq", "5", "--json"])
    assert r.exit_code == 2 and json.loads(r.output)["error"]["code"] == "proof.out_of_range"

    out = tmp_path / "export"
    assert runner.invoke(app, ["ledger", "export", "--out", str(out)]).exit_code == 0
    r = runner.invoke(
        app, ["ledger", "verify", "--file", str(out / "log.jsonl"), "--trust", str(out / "ledger.pub")]
    )
    assert r.exit_code == 0, r.output


def test_verify_exit_code_and_json_on_tampering(home: Path) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    with sqlite3.connect(home / "tanji.db") as c:
        c.execute(
            "UPDATE ledger_entries SET body = replace(body, 'Ledger operator', 'Ledger 0perator') "
            "WHERE seq = 0"
        )
    r = runner.invoke(app, ["ledger", "verify", "--json"])
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert report["ok"] is False and report["first_bad_seq"] == 0 and "hash" in report["reason"]
