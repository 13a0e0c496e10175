"""The command line of witnessing: tanji witness …, ledger verify --against/--policy, cosign, monitor."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import api.witness.transport as transport_module
from api.app import create_app
from api.cli import app
from api.settings import Settings
from api.witness.server import create_witness_app
from ledger.log.checkpoint import parse_note
from ledger.log.entry import Submission
from ledger.log.keys import generate_key, load_private_key, public_key_b64
from ledger.log.policy import Policy
from ledger.log.witness import AddCheckpoint
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url
from ledger.store.witness_home import WitnessHome
from tests.api.test_witness import ClientTransport

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANJI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TANJI_DB", raising=False)
    monkeypatch.delenv("TANJI_KEY_PASSPHRASE", raising=False)
    assert runner.invoke(app, ["init", "--origin", "cli.tanji.test/log"]).exit_code == 0
    return tmp_path / "home"


def _ledger(home: Path) -> Ledger:
    return Ledger(Database(sqlite_url(home / "tanji.db")), load_private_key(home / "keys" / "operator.pem"))


def _grow(home: Path, n: int, tag: str) -> None:
    ledger = _ledger(home)
    key = load_private_key(home / "keys" / "operator.pem")
    pub = public_key_b64(generate_key().public_key())
    ledger.append(
        [
            Submission.create(
                "actor.register",
                "operator",
                {"id": f"{tag}-{i}", "name": tag, "role": "buyer", "public_key": pub},
                key,
            )
            for i in range(n)
        ]
    )
    ledger.db.dispose()


def _witnesses(home: Path, tmp_path: Path) -> Path:
    """Two witnesses trusting the ledger, and the policy naming both (at TANJI_HOME/witnesses/policy)."""
    vkey = _ledger(home).info().operator_key
    lines = [f"log {vkey}"]
    for label in ("park", "verifier"):
        r = runner.invoke(
            app, ["witness", "init", f"{label}.tanji.test/w", "--dir", str(tmp_path / label), "--log", vkey]
        )
        assert r.exit_code == 0, r.output
        lines.append(f"witness {label} {r.output.strip()} http://{label}.test")
    policy = home / "witnesses" / "policy"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text("\n".join(lines) + "\ngroup both 2 park verifier\nquorum both\n")
    Policy.from_text(policy.read_text())
    return policy


def _cosign_all(tmp_path: Path) -> None:
    for label in ("park", "verifier"):
        r = runner.invoke(app, ["witness", "cosign", "--dir", str(tmp_path / label)])
        assert r.exit_code == 0, r.output


def test_witness_cosign_and_verify_with_policy_and_against(home: Path, tmp_path: Path) -> None:
    policy = _witnesses(home, tmp_path)
    r = runner.invoke(app, ["ledger", "verify", "--policy", str(policy), "--json"])
    assert r.exit_code == 1 and json.loads(r.output)["code"] == "policy.not_satisfied"
    _cosign_all(tmp_path)
    r = runner.invoke(app, ["ledger", "verify", "--policy", str(policy)])
    assert r.exit_code == 0 and "cosigned by park, verifier" in r.output, r.output
    r = runner.invoke(app, ["witness", "show", "--dir", str(tmp_path / "park"), "--json"])
    assert json.loads(r.output)["logs"]["cli.tanji.test/log"]["cosigned_size"] == 1

    saved = tmp_path / "saved-checkpoint"
    _grow(home, 12, "a")
    saved.write_text(runner.invoke(app, ["ledger", "checkpoint"]).output)
    _grow(home, 3, "b")
    _cosign_all(tmp_path)
    r = runner.invoke(app, ["ledger", "verify", "--against", str(saved), "--policy", str(policy)])
    assert r.exit_code == 0 and "extends the saved checkpoint of size 13" in r.output, r.output

    out = tmp_path / "export"
    assert runner.invoke(app, ["ledger", "export", "--out", str(out)]).exit_code == 0
    r = runner.invoke(
        app,
        [
            "ledger",
            "verify",
            "--file",
            str(out / "log.jsonl"),
            "--policy",
            str(policy),
            "--against",
            str(saved),
        ],
    )
    assert r.exit_code == 0, r.output

    # Roll the database back by 3 entries (rows, checkpoint, Merkle nodes): found against a saved checkpoint.
    newest = tmp_path / "newest"
    newest.write_text(runner.invoke(app, ["ledger", "checkpoint"]).output)  # what a buyer kept at size 16
    with sqlite3.connect(home / "tanji.db") as c:
        c.execute("DELETE FROM ledger_entries WHERE seq >= 13")
        c.execute("DELETE FROM checkpoints WHERE size > 13")
        c.execute("DELETE FROM merkle_nodes WHERE ((idx + 1) << level) > 13")
    assert runner.invoke(app, ["ledger", "verify"]).exit_code == 0  # consistent in itself
    r = runner.invoke(app, ["ledger", "verify", "--against", str(newest), "--json"])
    report = json.loads(r.output)
    assert r.exit_code == 1 and report["code"] == "log.rollback" and "3 entries gone" in report["reason"]
    # the witnesses refuse the rolled-back head, exit 1, state unchanged
    r = runner.invoke(app, ["witness", "cosign", "--dir", str(tmp_path / "park")])
    assert r.exit_code == 1 and "witness.rollback" in r.output


def test_witness_cosign_request_file_and_errors(home: Path, tmp_path: Path) -> None:
    _witnesses(home, tmp_path)
    note = _ledger(home).latest_checkpoint()
    request = tmp_path / "req"
    request.write_text(AddCheckpoint(0, (), note).text())
    r = runner.invoke(app, ["witness", "cosign", "--dir", str(tmp_path / "park"), "--request", str(request)])
    assert r.exit_code == 0 and r.output.startswith("\u2014 park.tanji.test/w ")
    r = runner.invoke(app, ["witness", "cosign", "--dir", str(tmp_path / "park"), "--request", str(request)])
    assert r.exit_code == 1 and "witness.old_size_mismatch" in r.output
    r = runner.invoke(app, ["witness", "init", "x.test/w", "--dir", str(tmp_path / "park")])
    assert r.exit_code == 2 and "witness.exists" in r.output
    r = runner.invoke(app, ["witness", "trust", "not-a-key", "--dir", str(tmp_path / "park")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = runner.invoke(app, ["witness", "show", "--dir", str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and "witness.missing" in r.output
    r = runner.invoke(app, ["ledger", "verify", "--against", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "file.unreadable" in r.output and "Traceback" not in r.output
    r = runner.invoke(
        app, ["witness", "cosign", "--dir", str(tmp_path / "park"), "--request", str(tmp_path / "x")]
    )
    assert r.exit_code == 2 and "file.unreadable" in r.output
    (tmp_path / "garbage").write_text("not a request")
    r = runner.invoke(
        app, ["witness", "cosign", "--dir", str(tmp_path / "park"), "--request", str(tmp_path / "garbage")]
    )
    assert r.exit_code == 1 and "witness.malformed" in r.output
    bad_policy = tmp_path / "bad-policy"
    bad_policy.write_text("quorum none\n")
    r = runner.invoke(app, ["ledger", "verify", "--policy", str(bad_policy)])
    assert r.exit_code == 2 and "policy.malformed" in r.output


def test_ledger_cosign_and_monitor_over_http(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = _witnesses(home, tmp_path)
    clients = {
        f"http://{label}.test": TestClient(create_witness_app(WitnessHome.open(tmp_path / label)))
        for label in ("park", "verifier")
    }
    settings = Settings.from_home(home)
    assert settings.witness_policy is not None
    service = TestClient(create_app(settings))
    clients["http://log.test"] = service
    fake = ClientTransport(clients)
    monkeypatch.setattr(transport_module, "UrllibTransport", lambda *a, **k: fake)

    r = runner.invoke(app, ["ledger", "cosign"])
    assert r.exit_code == 0 and "ok: size 1 cosigned by park, verifier" in r.output, r.output
    state = tmp_path / "buyer-state"
    args = ["ledger", "monitor", "--url", "http://log.test", "--state", str(state), "--policy", str(policy)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0 and "first run" in r.output, r.output
    _grow(home, 5, "a")
    assert runner.invoke(app, ["ledger", "cosign", "--json"]).exit_code == 0
    r = runner.invoke(app, [*args, "--json"])
    assert (
        r.exit_code == 0 and json.loads(r.output)["previous_size"] == 1 and json.loads(r.output)["size"] == 6
    )
    # the operator deletes the newest checkpoints: the stable URL now serves size 1 again
    with sqlite3.connect(home / "tanji.db") as c:
        c.execute("DELETE FROM checkpoints WHERE size > 1")
    r = runner.invoke(app, args)
    assert r.exit_code == 1 and "log.rollback" in r.output
    assert parse_note(state.read_text())[0].size == 6  # the evidence is kept
    state.write_text("garbage")  # the monitor's own broken state is not an alert about the log
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and "monitor.state_invalid" in r.output
    service.close()
