"""The shipped background data and the AR6 table."""

from __future__ import annotations

import pytest

from lca.background import load_background, parse_background
from lca.errors import BackgroundDataError
from lca.gases import GAS_BY_CODE

AR6_GWP100 = {
    "ch4_fossil": 29.8,
    "ch4_non_fossil": 27.0,
    "n2o": 273,
    "sf6": 25200,
    "cf4": 7380,
    "c2f6": 12400,
    "nf3": 17400,
    "hfc_134a": 1530,
    "hfc_23": 14600,
    "hfc_32": 771,
    "hfc_125": 3740,
    "hfc_143a": 5810,
    "hfc_152a": 164,
    "co2_fossil": 1,
    "co2_biogenic": 0,
}


@pytest.mark.parametrize(("code", "gwp"), sorted(AR6_GWP100.items()))
def test_ar6_gwp100(code: str, gwp: float) -> None:
    assert GAS_BY_CODE[code].gwp100 == gwp


def test_biogenic_co2_is_reported_apart() -> None:
    g = GAS_BY_CODE["co2_biogenic"]
    assert not g.in_total and g.origin == "biogenic"


def test_every_factor_is_cited() -> None:
    bg = load_background()
    assert bg.version
    for f in bg.factors.values():
        assert f.source and len(f.source) > 10, f.key
        assert 1990 <= f.year <= 2100, f.key
        assert f.status in ("published", "derived", "unverified", "missing"), f.key
        if f.status == "unverified":
            assert f.note, f"{f.key} is unverified without a note"


def test_life_cycle_factors_of_green_electricity() -> None:
    bg = load_background()
    assert bg.technology_factor("wind").emissions == {"ghg_co2e_fossil": 0.011}
    assert bg.technology_factor("solar").emissions == {"ghg_co2e_fossil": 0.048}
    assert bg.technology_factor("hydro").emissions == {"ghg_co2e_fossil": 0.024}


def test_main_park_materials_are_present() -> None:
    keys = set(load_background().factors)
    for k in (
        "material/alumina",
        "material/petroleum-coke-calcined",
        "material/carbon-anode-prebaked",
        "material/quartz",
        "material/caustic-soda",
        "material/lime",
        "fuel/coal-bituminous/combustion",
        "fuel/natural-gas/combustion",
        "fuel/diesel/combustion",
        "fuel/coke/combustion",
        "electricity/grid/cn/2022",
    ):
        assert k in keys


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("schema: tanji.background/1\nversion: x\nfactors: [{key: a}]", "malformed"),
        (
            "schema: tanji.background/1\nversion: x\nfactors:\n"
            "  - {key: a, name: A, kind: material, unit: kg, emissions: {xenon: 1},"
            " source: somewhere, year: 2020, status: published, gwp_basis: x}",
            "xenon",
        ),
        (
            "schema: tanji.background/1\nversion: x\nfactors:\n"
            "  - {key: a, name: A, kind: material, unit: kg, emissions: {},"
            " source: somewhere, year: 2020, status: published, gwp_basis: x}",
            "no emissions",
        ),
    ],
)
def test_malformed_background(text: str, needle: str) -> None:
    with pytest.raises(BackgroundDataError, match=needle):
        parse_background(text)


def test_grid_factors_are_the_ledgers_one_table() -> None:
    """Every grid factor of the background is the ledger's, with its source; none is in the YAML."""
    from ledger import load_factors

    bg, table = load_background(), load_factors()
    grid = {k: f for k, f in bg.factors.items() if f.kind == "electricity_grid"}
    assert grid and all(k.startswith("electricity/grid/") for k in grid)
    for f in table.grid_average:
        key = f"electricity/grid/{f.region.lower()}/{f.year}"
        if f.value is None or f.status == "unverified":
            assert key not in grid
        else:
            assert grid[key].emissions == {"co2_fossil": f.value} and grid[key].year == f.year
            assert table.citation(f.source) in grid[key].source
    assert bg.version.endswith(f"+factors.{table.version}")


def test_the_shipped_models_get_inner_mongolias_factor_like_the_meter_reports() -> None:
    from lca.model import example_models
    from lca.system import grid_choice
    from ledger import grid_factors

    bg = load_background()
    for model in example_models():
        choice = grid_choice(model, bg)
        assert (choice.region, choice.year) == ("CN-NM", model.reference_period.start.year)
        assert choice.location.key == "electricity/grid/cn-nm/2022"
        assert choice.location.emissions == {"co2_fossil": 0.6849}
        ledger_choice = grid_factors("CN-NM", choice.year)
        assert choice.market_unclaimed.emissions == {"co2_fossil": ledger_choice.residual.value}
