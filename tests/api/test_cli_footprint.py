"""``tanji footprint compute|show`` on a ledger with an attribution run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from api.cli import app
from ledger.attribution.runner import run_attribution
from ledger.log.keys import save_private_key
from tests.conftest import Park
from tests.ledger.park_fixtures import MONTH, build_month_park

runner = CliRunner()

MODEL = {
    "schema": "tanji.product-model/1",
    "id": "test-alumina-melt",
    "product": {
        "name": "Test melt",
        "ids": ["urn:tanji:test:melt"],
        "declared_unit": {"unit": "kilogram", "amount": 1000},
        "mass_per_declared_unit_kg": 1000,
    },
    "reference_period": {"start": "2025-01-01", "end": "2025-02-01"},  # overridden by --period
    "geography": {"country": "CN", "subdivision": "CN-NM"},
    "reference_process": "melt",
    "processes": [
        {
            "id": "melt",
            "name": "Melting",
            "stage": "melting",
            "output": {"amount": 1, "unit": "t"},
            "inputs": [{"id": "alumina", "background": "material/alumina", "amount": 1.92, "unit": "t"}],
            "electricity": {"meters": [{"meter": "C-1", "share": 1.0}], "output_over_period": 10},
        }
    ],
}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_compute_publish_show(make_park: Callable[[], Park], db_url: str, tmp_path: Path) -> None:
    park = build_month_park(make_park())
    run_attribution(park.ledger, "operator", park.keys["operator"], (MONTH,), ["C-1", "C-2", "C-3"])
    model = tmp_path / "melt.yaml"
    model.write_text(yaml.safe_dump(MODEL))
    save_private_key(park.keys["E-1"], tmp_path / "E-1.pem")
    save_private_key(park.keys["operator"], tmp_path / "home" / "keys" / "operator.pem")  # signs checkpoints
    common = ["--db", db_url, "--home", str(tmp_path / "home")]
    r = runner.invoke(app, ["footprint", "compute", str(model), "--period", MONTH, *common, "--json"])
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.stdout)
    # C-1's electricity is all claimable wind: market-based sits far below location-based
    assert row["claimable_green_share"] == pytest.approx(1.0)
    assert row["market_kg_co2e"] < row["location_kg_co2e"]
    r = runner.invoke(
        app,
        [
            "footprint",
            "compute",
            str(model),
            "--period",
            MONTH,
            *common,
            "--json",
            "--publish",
            "--actor",
            "E-1",
            "--key",
            str(tmp_path / "E-1.pem"),
        ],
    )
    assert r.exit_code == 0, r.output
    fid = json.loads(r.stdout)[0]["footprint_id"]
    r = runner.invoke(app, ["footprint", "show", fid, *common])
    assert r.exit_code == 0 and "Active" in r.output and "Test melt" in r.output
    # the ledger re-computed it on append; anyone with the ledger re-runs it again
    r = runner.invoke(app, ["footprint", "verify", fid, *common])
    assert r.exit_code == 0 and r.output.startswith("same: footprint"), r.output
    r = runner.invoke(app, ["footprint", "verify", fid, "--as", "E-2", *common, "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["code"] == "footprint.model_forbidden"
    r = runner.invoke(app, ["footprint", "show", "00000000-0000-4000-8000-000000000000", *common, "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["code"] == "footprint.not_found"
    r = runner.invoke(app, ["footprint", "compute", str(model), "--period", "2024-05", *common, "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["code"] == "attribution.no_run"
