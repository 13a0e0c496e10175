"""``tanji park report``: JSON, text and HTML of a small park, with electricity from a file or from
readings."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.cli.context import open_ledger, operator_key_path, passphrase
from ledger.log.keys import load_private_key
from tests.conftest import Park, setup_energy_park

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with an initialised ledger holding park P-1 (autonomous region) and a few records."""
    monkeypatch.setenv("TANJI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TANJI_DB", raising=False)
    assert runner.invoke(app, ["init", "--origin", "test.tanji/park"]).exit_code == 0
    ledger = open_ledger(None, None, write=True)
    # The key `tanji init` wrote signs as "operator" and registers the test actors.
    park = Park(ledger, {"operator": load_private_key(operator_key_path(tmp_path / "home"), passphrase())})
    setup_energy_park(park)
    park.ledger.append(
        [
            park.sign(
                "park.fuel_use",
                "E-1",
                {
                    "park": "P-1",
                    "enterprise": "E-1",
                    "year": 2025,
                    "fuel": "natural_gas",
                    "quantity": "10",
                    "unit": "1e4Nm3",
                },
            ),
            park.sign(
                "park.resource_use",
                "E-2",
                {
                    "park": "P-1",
                    "enterprise": "E-2",
                    "year": 2025,
                    "indicator": "water",
                    "total": "1000",
                    "used": "850",
                    "unit": "m3",
                },
            ),
            park.sign(
                "readings.batch",
                "E-2",
                {
                    "meter": "C-3",
                    "start": "2025-01-01T00:00:00+00:00",
                    "resolution": "PT1H",
                    "values": [500_000] * 24,
                },
            ),
        ]
    )
    return tmp_path / "home"


def _report(*args: str) -> dict[str, object]:
    r = runner.invoke(app, ["park", "report", "P-1", "--year", "2025", "--json", *args])
    assert r.exit_code == 0, r.output
    doc: dict[str, object] = json.loads(r.output)
    return doc


def test_json_with_electricity_file(home: Path, tmp_path: Path) -> None:
    el = tmp_path / "el.json"
    # 1 GWh to E-1, all of it bought as 绿电交易: claimable, zero emissions.
    el.write_text(
        json.dumps({"E-1": {"consumption_wh": 10**9, "contracted_wh": 10**9, "source": "attribution"}})
    )
    doc = _report("--electricity", str(el), "--threshold", "carbon_per_energy=0.6")
    energy, emissions = doc["energy_tce"], doc["emissions_t"]
    assert isinstance(energy, dict) and isinstance(emissions, dict)
    # Electricity: 1e6 kWh x 0.3007 kgce/kWh (2022 value, latest published <= 2025) = 300.7 tce.
    assert energy["electricity_equivalent"] == "300.700"
    assert energy["electricity_calorific"] == "122.900"
    # Natural gas: 100,000 Nm3 x 1.2143 kgce/Nm3 = 121.43 tce, and all of it is clean, as is the green power.
    assert energy["fuels"] == "121.430" and energy["total"] == "422.130" and energy["clean"] == "422.130"
    gas_t = Decimal(100_000) * Decimal("0.038931") * Decimal("0.0153") * Decimal("0.99") * 44 / Decimal(12)
    assert emissions["fuels"] == str(gas_t.quantize(Decimal("0.001"))) == emissions["net"]
    assert emissions["electricity"] == "0.000"
    core = doc["core"]
    assert isinstance(core, dict)
    assert core["value"] == str((gas_t / Decimal("422.13")).quantize(Decimal("0.0001")))
    assert (core["threshold"], core["status"], core["verdict"]) == ("0.6", "configured", "pass")
    guides = doc["guidance"]
    assert isinstance(guides, list)
    guidance = {g["id"]: g for g in guides}
    assert guidance["clean_energy_share"]["verdict"] == "pass"
    assert guidance["water_reuse"]["value"] == "0.8500" and guidance["water_reuse"]["verdict"] == "pass"
    assert guidance["solid_waste_use"]["verdict"] == "no_data"
    assert guidance["clean_bulk_transport"]["verdict"] == "no_data"  # autonomous-region list
    unverified = doc["unverified_inputs"]
    assert isinstance(unverified, list) and any("electricity.equivalent" in u for u in unverified)


def test_readings_fallback_counts_no_green_claims(home: Path) -> None:
    doc = _report()
    el = doc["electricity"]
    assert isinstance(el, dict)
    # C-3 (E-2): 24 h x 500 kWh = 12 MWh, all grid at the national residual factor for 2025: the
    # latest published, 2023's 0.6096 (MEE/NBS), the same the meter reports and footprints use.
    assert el["consumption_wh"] == 12_000_000 and el["grid_wh"] == 12_000_000
    assert el["source"].startswith("readings")
    assert el["grid_factor"]["value_kgco2_per_kwh"] == "0.6096"
    assert (el["grid_factor"]["year"], el["grid_factor"]["for_year"]) == (2023, 2025)
    emissions, core = doc["emissions_t"], doc["core"]
    assert isinstance(emissions, dict) and isinstance(core, dict)
    assert emissions["electricity"] == "7.315"  # 12,000 kWh x 0.6096 kg
    assert core["verdict"] == "no_threshold"


def test_text_and_html(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "park.html"
    r = runner.invoke(app, ["park", "report", "P-1", "--year", "2025", "--html", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "单位能耗碳排放" in r.output and "工业用水重复利用率" in r.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="en"' in html
    assert html.startswith("<!doctype html>") and "Baotou Zero-Carbon Park" in html
    assert 'id="core-verdict"' in html and "NO THRESHOLD" in html
    # self-contained: no tag outside the inlined chart library fetches anything
    tags = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"(src|href)=\"https?://", tags)
    assert "Unverified inputs" in html


def test_unknown_park_and_bad_options(home: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["park", "report", "P-9", "--year", "2025", "--json"])
    assert r.exit_code == 2 and json.loads(r.output)["error"]["code"] == "park.unknown"
    r = runner.invoke(app, ["park", "report", "P-1", "--year", "2025", "--json", "--threshold", "x=abc"])
    assert json.loads(r.output)["error"]["code"] == "park.bad_threshold"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"E-1": {"consumption_wh": 10, "grid_wh": 9}}))
    r = runner.invoke(app, ["park", "report", "P-1", "--year", "2025", "--json", "--electricity", str(bad)])
    assert json.loads(r.output)["error"]["code"] == "park.bad_electricity_file"
    r = runner.invoke(app, ["park", "report", "P-1", "--year", "2019", "--json", "--electricity", str(bad)])
    assert r.exit_code == 2


def test_equivalent_value_override(home: Path) -> None:
    doc = _report("--electricity-kgce", "0.3")
    energy = doc["energy_tce"]
    assert isinstance(energy, dict)
    assert energy["electricity_equivalent"] == "3.600"  # 12,000 kWh x 0.3 kgce


def test_own_data_file(home: Path, tmp_path: Path) -> None:
    from importlib import resources

    doc = json.loads(resources.files("park").joinpath("data", "park_indicators.json").read_text())
    doc["version"] = "park-own-1"
    doc["core"]["autonomous_region"]["classes"] = [{"min_tce": "0", "max_tce": None, "max_value": "0.5"}]
    own = tmp_path / "own.json"
    own.write_text(json.dumps(doc, ensure_ascii=False))
    out = _report("--data", str(own))
    assert out["data_version"] == "park-own-1"
    core = out["core"]
    assert isinstance(core, dict)
    assert core["threshold"] == "0.5"
    bad = tmp_path / "broken.json"
    bad.write_text("{")
    r = runner.invoke(app, ["park", "report", "P-1", "--year", "2025", "--json", "--data", str(bad)])
    assert json.loads(r.output)["error"]["code"] == "park.bad_data_file"
