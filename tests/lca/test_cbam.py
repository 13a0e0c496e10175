"""CBAM export: a smelter with grid, direct-link and PPA electricity by hand; the direct-only rule; files."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from api.cli import app as cli
from lca.background import Background
from lca.cbam.files import write_cbam
from lca.cbam.ledger import cbam_records, cn_code_of
from lca.cbam.rules import (
    CbamError,
    CbamGoods,
    ElectricitySource,
    GridDefault,
    cbam_record,
    load_cbam_rules,
)
from lca.model import example_models, parse_model
from ledger.attribution.runner import run_attribution
from tests.conftest import Park, setup_energy_park

D = Decimal
HOURS = 744
START = "2026-01-01T00:00:00+08:00"  # the park's January (Asia/Shanghai)
RULES = load_cbam_rules()


def smelter_model(cn: str = "hs:760110", model_id: str = "al-smelter") -> dict[str, Any]:
    """50 t of metal in January 2026 from meter C-1; 1,500 kg CO2/t anode CO2, 2 GJ/t gas, 100 kg/t
    material."""
    return {
        "schema": "tanji.product-model/1",
        "id": model_id,
        "product": {
            "name": f"Test metal {cn}",
            "classifications": [f"urn:pact:productclassification:{cn}"],
            "declared_unit": {"unit": "kilogram", "amount": 1000},
            "mass_per_declared_unit_kg": 1000,
        },
        "reference_period": {"start": "2026-01-01", "end": "2026-02-01"},
        "geography": {"country": "CN", "subdivision": "CN-NM"},
        "reference_process": "electrolysis",
        "processes": [
            {
                "id": "electrolysis",
                "name": "Electrolysis",
                "stage": "electrolysis",
                "output": {"amount": 1, "unit": "t"},
                "inputs": [
                    {"id": "gas", "background": "fuel/gas", "amount": 2, "unit": "GJ"},
                    {"id": "x", "background": "material/x", "amount": 100, "unit": "kg"},
                ],
                "emissions": [{"gas": "co2_fossil", "amount": 1500}],
                "electricity": {"meters": [{"meter": "C-1", "share": 1.0}], "output_over_period": 50},
            }
        ],
    }


def smelter_park(park: Park) -> Park:
    """C-1 (E-1) draws 1 MWh every hour of January 2026: W-1 gives 300 kWh/h over link L-1; trade T-1 sells
    S-1 (600 kWh in local hours 0-11) to C-1, 100 MWh settled; the grid gives the rest. Attributed for C-1."""
    setup_energy_park(park)
    values = {
        "C-1": [1_000_000] * HOURS,
        "W-1": [300_000] * HOURS,
        "S-1": [600_000 if h % 24 < 12 else 0 for h in range(HOURS)],
    }
    owners = {"C-1": "E-1", "W-1": "G-1", "S-1": "G-1"}
    park.ledger.append(
        [
            park.sign(
                "readings.batch", owners[m], {"meter": m, "start": START, "resolution": "PT1H", "values": v}
            )
            for m, v in values.items()
        ]
    )
    park.ledger.append(
        [
            park.sign(
                "supply.direct_link",
                "operator",
                {
                    "id": "L-1",
                    "name": "Wind line",
                    "park": "P-1",
                    "generation_meters": ["W-1"],
                    "consumer_meters": ["C-1"],
                    "valid_from": START,
                },
            ),
            park.sign(
                "trade.green_power",
                "G-1",
                {
                    "id": "T-1",
                    "seller": "G-1",
                    "seller_meters": ["S-1"],
                    "buyer": "E-1",
                    "buyer_meters": ["C-1"],
                    "first_month": "2026-01",
                    "last_month": "2026-01",
                    "mwh": 100,
                },
            ),
        ]
    )
    park.ledger.append(
        [park.sign("trade.settle", "G-1", {"contract": "T-1", "month": "2026-01", "wh": 100_000_000})]
    )
    run_attribution(park.ledger, "operator", park.keys["operator"], "2026-01", ["C-1"])
    return park


# ------------------------------------------------------------------------ pure rules


def _goods(cn: str, grid_mwh: str = "100", direct_mwh: str = "50", ppa_mwh: str = "25") -> CbamGoods:
    return CbamGoods(
        "P-1/E-1",
        "Smelter",
        "E-1",
        "Smelter Co",
        "CN",
        cn,
        "metal",
        "2026-01-01",
        "2027-01-01",
        None,
        D("10"),
        D("16"),
        (
            ElectricitySource("grid_default", D(grid_mwh)),
            ElectricitySource("direct_technical_link", D(direct_mwh), D(0), "actual"),
            ElectricitySource("ppa", D(ppa_mwh), D(0), "actual"),
        ),
    )


@pytest.mark.parametrize(
    ("cn", "year", "declare"),
    [
        ("76011000", 2025, "direct_and_indirect"),  # transitional period: everything
        ("76011000", 2026, "direct"),
        ("7604", 2027, "direct"),
        ("72081000", 2026, "direct"),  # steel
        ("72022100", 2026, "direct_and_indirect"),  # ferro-alloys (7202) keep indirect
        ("72022100", 2025, "direct_and_indirect"),
        ("25231000", 2026, "direct_and_indirect"),  # cement
    ],
)
def test_direct_only_or_direct_and_indirect_by_cn_and_year(cn: str, year: int, declare: str) -> None:
    r = cbam_record(_goods(cn), year, RULES, GridDefault(D("0.5"), "test", "configured"))
    assert r.declare == declare
    # 100 MWh grid x 0.5 = 50 t over 10 t = 5 t/t; direct link and PPA at zero.
    assert r.see_indirect_computed == D(5)
    assert r.see_direct == D("1.60000")
    if declare == "direct":
        assert r.see_indirect is None and r.see_declared == D("1.60000")
        assert r.row()["specific_indirect_embedded_emissions_tco2e_per_t"] == ""
    else:
        assert r.see_indirect == D("5.00000") and r.see_declared == D("6.60000")
    assert r.electricity_mwh_per_t == D("17.50000")
    assert r.electricity_factor == D("0.28571")  # 50 t / 175 MWh, half up at 5 places
    assert r.electricity_factor_source == "mixed: direct_technical_link, grid_default, ppa"


def test_rules_file_names_its_sources_and_unverified_entries() -> None:
    assert RULES.grid_default_value is None and RULES.grid_default_status == "unverified"
    assert RULES.rule("72022100", 2026).status == "unverified"
    assert RULES.rounding_status == "unverified"
    r = cbam_record(_goods("72022100"), 2026, RULES, GridDefault(D("0.5"), "test", "unverified"))
    assert any("rule CN 7202" in u for u in r.unverified) and any("grid default" in u for u in r.unverified)
    with pytest.raises(CbamError, match="no CBAM rule"):
        RULES.rule("01012100", 2026)
    with pytest.raises(CbamError, match="net mass"):
        cbam_record(
            CbamGoods("i", "n", "o", "n", "CN", "7601", "p", "a", "b", None, D(0), D(1), ()),
            2026,
            RULES,
            GridDefault(D(1), "s", "configured"),
        )


def test_example_models_carry_cn_codes() -> None:
    codes = {m.id: cn_code_of(m) for m in example_models()}
    assert codes["example-al-ingot-a00"] == "760110" and codes["example-fesi75"] == "720221"


# --------------------------------------------------------------- from the ledger, by hand


def test_smelter_with_grid_direct_link_and_ppa(
    make_park: Callable[[], Park], tiny_background: Background, tmp_path: Path
) -> None:
    park = smelter_park(make_park())
    models = [parse_model(smelter_model()), parse_model(smelter_model("hs:720221", "fesi"))]
    with park.ledger.db.read_session() as s:
        export = cbam_records(
            s, "E-1", 2026, models, grid_factor=D("0.6"), background=tiny_background, data_dir=tmp_path
        )
    al, fesi = export.records
    # Direct at the installation: 1,500 kg CO2 + 2 GJ x (50 kg CO2 + 0.001 kg CH4 x 29.8) = 1,600.0596 kg/t;
    # the 100 kg/t of material/x (200 kg CO2e) is a purchased input, not a direct emission.
    assert al.see_direct == D("1.60006")
    assert al.net_mass_t == D("50.000")
    # C-1 used 744 MWh: 223.2 MWh direct from W-1 (300 kWh x 744 h), 100 MWh PPA from S-1 (the settled volume,
    # hour-matched in sunny hours), 420.8 MWh grid. Per tonne (50 t): 14.88 MWh/t.
    assert al.electricity_mwh_per_t == D("14.88000")
    rows = {r["source"]: r for r in al.electricity_rows}
    assert rows["grid_default"]["mwh_per_t"] == "8.41600"
    assert rows["direct_technical_link"]["mwh_per_t"] == "4.46400"
    assert rows["ppa"]["mwh_per_t"] == "2.00000"
    assert "L-1" in rows["direct_technical_link"]["evidence"] and "T-1" in rows["ppa"]["evidence"]
    assert rows["grid_default"]["factor_source"].startswith("configured")
    # Indirect: 8.416 MWh/t x 0.6 = 5.0496 t/t; aluminium in 2026 declares direct only.
    assert al.see_indirect_computed == D("5.0496")
    assert al.see_indirect is None and al.declare == "direct" and al.see_declared == D("1.60006")
    assert al.electricity_factor == D("0.33935")  # 5.0496 / 14.88 = 0.3393548...
    # The same installation's ferro-silicon (CN 7202) declares direct and indirect.
    assert fesi.declare == "direct_and_indirect" and fesi.see_indirect == D("5.04960")
    assert fesi.see_declared == D("6.64966")
    assert al.goods.installation_id == "P-1/E-1" and al.goods.operator_id == "E-1"

    paths = write_cbam(export, tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == ["cbam-E-1-2026-electricity.csv", "cbam-E-1-2026-installations.csv", "cbam-E-1-2026.xlsx"]
    with (tmp_path / "out" / "cbam-E-1-2026-installations.csv").open(encoding="utf-8") as f:
        back = list(csv.DictReader(f))
    assert [r["cn_code"] for r in back] == ["760110", "720221"]
    assert back[0]["specific_direct_embedded_emissions_tco2e_per_t"] == "1.60006"
    assert back[0]["specific_indirect_embedded_emissions_tco2e_per_t"] == ""
    assert back[1]["specific_indirect_embedded_emissions_tco2e_per_t"] == "5.04960"
    wb = load_workbook(tmp_path / "out" / "cbam-E-1-2026.xlsx")
    assert wb.sheetnames == ["installations", "electricity", "sources"]
    sheet = list(wb["installations"].iter_rows(values_only=True))
    header = list(sheet[0])
    # numbers are numbers in the workbook, shown with the places they were rounded to
    assert sheet[1][header.index("electricity_consumed_mwh_per_t")] == pytest.approx(14.88)
    cell = wb["installations"].cell(row=2, column=header.index("electricity_consumed_mwh_per_t") + 1)
    assert cell.data_type == "n" and cell.number_format == "0.00000"
    assert sheet[1][header.index("specific_indirect_embedded_emissions_tco2e_per_t")] is None
    assert sheet[2][header.index("year")] == 2026
    sources = list(wb["sources"].iter_rows(values_only=True))
    assert sources[0][:3] == ("id", "kind", "title")
    assert {"reg-2023-956", "ir-2023-1773", "ec-default-values-transitional"} <= {r[0] for r in sources[1:]}
    assert {r[0]: r[1] for r in sources[1:]}["ir-2023-1773"] == "primary"
    assert len(list(wb["electricity"].iter_rows())) == 1 + 6


def test_grid_default_falls_back_to_the_public_factor_marked_unverified(
    make_park: Callable[[], Park], tiny_background: Background, tmp_path: Path
) -> None:
    park = smelter_park(make_park())
    with park.ledger.db.read_session() as s:
        export = cbam_records(
            s,
            "E-1",
            2026,
            [parse_model(smelter_model("hs:720221"))],
            background=tiny_background,
            data_dir=tmp_path,
        )
        with pytest.raises(CbamError, match="no product model of E-2"):
            cbam_records(
                s, "E-2", 2026, [parse_model(smelter_model())], background=tiny_background, data_dir=tmp_path
            )
        with pytest.raises(CbamError, match="CN 760110 is not 7202"):
            cbam_records(
                s,
                "E-1",
                2026,
                [parse_model(smelter_model())],
                cn="7202",
                background=tiny_background,
                data_dir=tmp_path,
            )
    # China's latest published national factor for 2026 is 2023's (MEE/NBS): 0.5306
    assert export.grid.status == "unverified" and export.grid.value == D("0.5306")
    assert "2023 for 2026" in export.grid.source
    (r,) = export.records
    assert r.see_indirect == D("4.46553")  # 8.416 x 0.5306 = 4.4655296
    assert any("grid default factor: unverified" in u for u in r.unverified)


def test_cli_export(
    make_park: Callable[[], Park],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tiny_background: Background,
) -> None:
    park = smelter_park(make_park())
    model = tmp_path / "m.json"
    model.write_text(json.dumps(smelter_model()), encoding="utf-8")
    monkeypatch.setattr("lca.cbam.ledger.load_background", lambda: tiny_background)
    out = tmp_path / "cbam"
    r = CliRunner().invoke(
        cli,
        [
            "cbam",
            "export",
            "--enterprise",
            "E-1",
            "--year",
            "2026",
            "--cn",
            "7601",
            "--model",
            str(model),
            "--grid-factor",
            "0.6",
            "--out",
            str(out),
            "--json",
            "--db",
            park.ledger.db.url,
            "--home",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)  # Brightway's progress bars go to stderr
    assert doc["installations"][0]["specific_direct_embedded_emissions_tco2e_per_t"] == "1.60006"
    assert sorted(p.name for p in out.iterdir()) == [
        "cbam-E-1-2026-electricity.csv",
        "cbam-E-1-2026-installations.csv",
        "cbam-E-1-2026.xlsx",
    ]
    r = CliRunner().invoke(
        cli,
        [
            "cbam",
            "export",
            "--enterprise",
            "E-1",
            "--year",
            "2025",
            "--model",
            str(model),
            "--out",
            str(out),
            "--db",
            park.ledger.db.url,
            "--home",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 2 and "cbam.nothing" in r.output
