"""Claims derived, not asserted (issue 14), tried on the demo's real ledger as a dishonest enterprise would.

E-SMELTER appends a ``footprint.publish`` for its ingot with invented figures (1 kg CO2e per tonne,
100 % green electricity) citing the real attribution run: the ledger refuses it. Every demo footprint
re-runs from the ledger alone (``tanji footprint verify``), and a row of the run proves into the run's
root with the ledger's own Merkle functions (``tanji attribute row --proof``).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.demo.run import run_demo
from ledger import Database, Ledger, Submission, load_private_key, sqlite_url
from ledger.errors import LedgerError
from ledger.log import merkle

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's output directory (one month)."""
    out = tmp_path_factory.mktemp("demo14")
    # the demo's overall verdict is tests/api/test_demo.py's; here its ledger is the material
    with contextlib.suppress(SystemExit):
        run_demo(out, echo=lambda _: None, months=1)
    return out


def _ledger(out: Path) -> Ledger:
    return Ledger(Database(sqlite_url(out / "tanji.db")), load_private_key(out / "keys" / "operator.pem"))


def _summary(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "summary.json").read_text()))


def _common(out: Path) -> list[str]:
    return ["--home", str(out), "--db", sqlite_url(out / "tanji.db")]


def test_the_invented_footprint_is_refused(demo: Path) -> None:
    ledger = _ledger(demo)
    summary = _summary(demo)
    [ingot] = [f for f in summary["footprints"] if f["product"] == "example-al-ingot-a00"]
    with ledger.db.read_session() as s:
        from lca.kinds import get_footprint

        record = get_footprint(s, ingot["id"])
    assert record is not None
    real = ledger.entry(record.seq)
    assert real.payload["attribution_run_seq"] == summary["attribution_run_seq"]
    invented = json.loads(json.dumps(real.payload))
    invented.update(footprint_id=str(uuid.uuid4()), supersedes=[ingot["id"]])
    market = invented["results"]["market"]
    market.update(total=1.0, fossil=1.0, biogenic=0.0, land_use=0.0)  # 1 kg CO2e per tonne
    elec = invented["results"]["electricity"]
    elec.update(claimable_green_kwh=elec["total_kwh"], grid_kwh=0.0)  # 100 % green
    key = load_private_key(demo / "keys" / "E-SMELTER.pem")
    size = ledger.size()
    with pytest.raises(LedgerError) as e:
        ledger.append([Submission.create("footprint.publish", "E-SMELTER", invented, key)])
    assert e.value.code == "footprint.figures_mismatch"
    assert e.value.details["field"] == "results.market.total"
    assert e.value.details["claimed"] == 1.0
    assert e.value.details["expected"] == pytest.approx(real.payload["results"]["market"]["total"])
    assert ledger.size() == size


def test_every_demo_footprint_reproduces(demo: Path) -> None:
    for f in _summary(demo)["footprints"]:
        r = runner.invoke(app, ["footprint", "verify", f["id"], *_common(demo), "--json"])
        assert r.exit_code == 0, r.output
        check = json.loads(r.stdout)
        assert check["same"] and check["differences"] == [] and all(check["checks"].values())


def test_a_row_proves_into_the_runs_root(demo: Path) -> None:
    summary = _summary(demo)
    run = summary["attribution_run_seq"]
    month = summary["months"][0]
    payload = _ledger(demo).entry(run).payload
    r = runner.invoke(
        app, ["attribute", "row", str(run), "M-AL-POTLINE-1", month, "--proof", *_common(demo), "--json"]
    )
    assert r.exit_code == 0, r.output
    shown = json.loads(r.stdout)
    from ledger import ResultRow

    row = ResultRow.from_json(shown["row"])
    proof = shown["proof"]
    assert (proof["root"], proof["size"]) == (payload["rows_root"], payload["row_count"])
    assert merkle.verify_inclusion(
        merkle.leaf_hash(row.canonical_bytes()),
        proof["index"],
        payload["row_count"],
        [bytes.fromhex(h) for h in proof["path"]],
        bytes.fromhex(payload["rows_root"]),
    )
    assert row.gec  # the smelter's claims are backed by GEC retired for it
    text = runner.invoke(app, ["attribute", "row", str(run), "M-AL-POTLINE-1", month, *_common(demo)])
    assert text.exit_code == 0 and "hourly-matched" in text.stdout
