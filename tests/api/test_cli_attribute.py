"""``tanji attribute`` and ``tanji report``: JSON output, verification exit codes, PNG and HTML written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from ledger.log.keys import load_private_key
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url
from tests.conftest import Park
from tests.ledger.park_fixtures import EXPECTED, build_month_park

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with a ledger holding the month park of ``tests.ledger.park_fixtures``."""
    home = tmp_path / "home"
    monkeypatch.setenv("TANJI_HOME", str(home))
    monkeypatch.delenv("TANJI_DB", raising=False)
    monkeypatch.delenv("TANJI_KEY_PASSPHRASE", raising=False)
    assert runner.invoke(app, ["init", "--origin", "test.tanji/attr"]).exit_code == 0
    key = load_private_key(home / "keys" / "operator.pem", None)
    build_month_park(Park(Ledger(Database(sqlite_url(home / "tanji.db")), key), {"operator": key}))
    return home


def test_attribute_verify_and_reports(home: Path, tmp_path: Path) -> None:
    r = runner.invoke(
        app, ["attribute", "--period", "2026-01", "--meters", "C-1,C-2", "--meters", "C-3", "--json"]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["consumption_wh"] == sum(e["consumption_wh"] for e in EXPECTED.values())
    assert doc["certificate_wh"] == 119_040 and doc["months"] == ["2026-01"]
    assert "[1/1] 2026-01" in r.stderr
    seq = doc["seq"]

    r = runner.invoke(app, ["attribute", "verify", str(seq), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["actual_sha256"] == doc["sha256"]
    r = runner.invoke(app, ["attribute", "verify", "3", "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["code"] == "attribution.not_a_run"

    out = tmp_path / "out"
    r = runner.invoke(
        app, ["report", "green", "--meter", "C-1", "--period", "2026-01", "--out", str(out), "--json"]
    )
    assert r.exit_code == 0, r.output
    green = json.loads(r.stdout)
    assert green["totals"]["claimable_green_share"] == 1.0 and green["totals"]["physical_green_share"] == 0.6
    png = out / "green-C-1-2026-01_2026-01.png"
    page = (out / "green-C-1-2026-01_2026-01.html").read_text(encoding="utf-8")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "data:image/png;base64," in page and "http" not in page.split("<body>")[1]
    assert len((out / "green-C-1-2026-01_2026-01-hourly.csv").read_text().splitlines()) == 745

    r = runner.invoke(app, ["report", "direct-link", "L-1", "--year", "2026", "--json"])
    assert r.exit_code == 0, r.output
    link = json.loads(r.stdout)
    # L-1 has no grid_export meter: its 650号 export is not measured, so the year has no verdict
    assert link["passed"] is None and link["complete"] is False
    checks = {c["id"]: c for c in link["checks"]}
    assert checks["self_use_of_consumption"]["ratio"] == 0.6 and checks["self_use_of_consumption"]["passed"]
    assert checks["grid_export_of_generation"]["measured"] is False
    r = runner.invoke(app, ["report", "direct-link", "L-1", "--year", "2026"])
    assert "UNDEFINED" in r.stdout and "incomplete" in r.stdout and "NOT MEASURED" in r.stdout

    r = runner.invoke(app, ["report", "indicators", "--run", str(seq), "--by", "enterprise", "--json"])
    assert r.exit_code == 0, r.output
    ents = {row["enterprise"]: row for row in json.loads(r.stdout)["rows"]}
    assert ents["E-1"]["consumption_wh"] == 372_000 and ents["G-1"]["surplus_exported_wh"] == 123_200
    r = runner.invoke(app, ["report", "indicators", "--run", str(seq), "--by", "link"])
    assert r.exit_code == 0 and "L-1" in r.stdout

    r = runner.invoke(app, ["report", "matching", "--period", "2026-01", "--link", "L-1", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["matched_share"] == 0.6


def test_attribute_errors_are_named(home: Path) -> None:
    r = runner.invoke(app, ["attribute", "--period", "2026-02", "--meters", "C-1", "--json"])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"]["code"] == "attribution.missing_readings"
    r = runner.invoke(app, ["attribute", "--period", "2026-01", "--meters", "W-1", "--json"])
    assert json.loads(r.stdout)["error"]["code"] == "attribution.not_consumer"
    r = runner.invoke(app, ["report", "green", "--meter", "C-1", "--period", "2026-01", "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["code"] == "attribution.no_run"
    r = runner.invoke(
        app, ["attribute", "--period", "2026-02", "--park", "P-1", "--on-missing", "gap", "--json"]
    )
    assert r.exit_code == 0, r.output
    assert (
        json.loads(r.stdout)["gap_hours"] == 3 * 672
    )  # C-1, C-2, C-3 (not grid import X-1): no February data
