"""CLI for energy records: apply, readings import, gec import, schema export, ledger replay --check."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from ledger.log.keys import generate_key, public_key_b64, save_private_key

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANJI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TANJI_DB", raising=False)
    monkeypatch.delenv("TANJI_KEY_PASSPHRASE", raising=False)
    r = runner.invoke(app, ["init", "--origin", "test.tanji/records"])
    assert r.exit_code == 0, r.output
    return tmp_path / "home"


def _setup_lines(keys: Path) -> list[dict[str, object]]:
    lines: list[dict[str, object]] = []
    for actor, role in (("E-1", "enterprise"), ("G-1", "generator"), ("R-1", "registry")):
        key = generate_key()
        save_private_key(key, keys / f"{actor}.pem")
        lines.append(
            {
                "actor": "operator",
                "kind": "actor.register",
                "client_id": f"reg-{actor}",
                "payload": {
                    "id": actor,
                    "name": actor,
                    "role": role,
                    "public_key": public_key_b64(key.public_key()),
                },
            }
        )
    lines.append(
        {
            "actor": "operator",
            "kind": "park.register",
            "payload": {"id": "P-1", "name": "Park", "level": "national"},
        }
    )
    for mid, owner, kind, tech in (
        ("C-1", "E-1", "consumption", None),
        ("C-2", "E-1", "consumption", None),
        ("W-1", "G-1", "generation", "wind"),
    ):
        payload: dict[str, object] = {"id": mid, "owner": owner, "park": "P-1", "kind": kind}
        if tech:
            payload["technology"] = tech
        lines.append({"actor": "operator", "kind": "meter.register", "payload": payload})
    return lines


def test_records_end_to_end(home: Path, tmp_path: Path) -> None:
    keys = home / "keys"
    setup = tmp_path / "setup.jsonl"
    setup.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in _setup_lines(keys)) + "\n")
    r = runner.invoke(app, ["apply", str(setup), "--keys", str(keys), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["appended"] == 7

    n = 96 * 3
    stamps = pd.date_range("2025-12-31T16:00:00Z", periods=n, freq="15min")
    wide = tmp_path / "wide.csv"
    pd.DataFrame(
        {"start": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"), "C-1": np.full(n, 1.25), "C-2": np.arange(n) * 0.001}
    ).to_csv(wide, index=False)
    r = runner.invoke(
        app, ["readings", "import", str(wide), "--as", "E-1", "--keys", str(keys), "--dry-run", "--json"]
    )
    assert r.exit_code == 0, r.output
    dry = json.loads(r.output)
    assert (dry["batches"], dry["values"], dry["appended"], dry["dry_run"]) == (2, 2 * n, 0, True)
    r = runner.invoke(app, ["readings", "import", str(wide), "--as", "E-1", "--keys", str(keys)])
    assert r.exit_code == 0, r.output
    assert "appended 2 batches" in r.output

    r = runner.invoke(app, ["readings", "import", str(wide), "--as", "E-1", "--keys", str(keys)])
    assert r.exit_code == 2 and "readings.overlap" in r.output

    # GEC are issued only against a fully metered production month (Beijing-time January 2026):
    # 744 hours x 60 kWh = 44.64 MWh covers the 40 units below.
    hours = 744
    gen = tmp_path / "generation.csv"
    pd.DataFrame(
        {
            "start": pd.date_range("2025-12-31T16:00:00Z", periods=hours, freq="h").strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "W-1": np.full(hours, 60.0),
        }
    ).to_csv(gen, index=False)
    r = runner.invoke(app, ["readings", "import", str(gen), "--as", "G-1", "--keys", str(keys)])
    assert r.exit_code == 0, r.output

    gec = tmp_path / "gec.csv"
    gec.write_text(
        "serial_start,serial_end,project,technology,production_month,quantity\n"
        "1,40,Wind farm,风电,2026-01,40\n",
        encoding="utf-8",
    )
    r = runner.invoke(
        app,
        ["gec", "import", str(gec), "--as", "R-1", "--keys", str(keys), "--meter", "Wind farm=W-1", "--json"],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["units"] == 40

    r = runner.invoke(app, ["ledger", "replay", "--check"])
    assert r.exit_code == 0, r.output
    assert "ok  reading_batches" in r.output and "ok  gec_ranges" in r.output

    r = runner.invoke(app, ["schema", "export", str(tmp_path / "schemas"), "--json"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "schemas" / "readings.batch.schema.json").exists()

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"actor": "G-1", "kind": "gec.transfer", "payload": {"first": 1, "last": 50, "to": "E-1"}})
        + "\n"
    )
    r = runner.invoke(app, ["apply", str(bad), "--keys", str(keys)])
    assert r.exit_code == 2
    assert "gec.range_unknown" in r.output and "line 1" in r.output


def test_replay_needs_check_flag(home: Path) -> None:
    r = runner.invoke(app, ["ledger", "replay"])
    assert r.exit_code != 0
