"""A tiny product computed by hand, and how electricity attribution moves it.

TINY_MODEL per kg of widget:

- part (per kg part): 0.5 kg X × 2.0 = 1.0; 0.1 GJ gas × (50 CO2 + 0.001 CH4 × 29.8)
  = 5.00298; 0.0001 kg CF4 × 7,380 = 0.738 → 6.74098 kg CO2e
- assembly: 2 kg part → 13.48196; 1,000 g X = 1 kg × 2.0 = 2.0; 0.01 kg non-fossil
  CH4 × 27.0 = 0.27 (biogenic); 0.3 kg biogenic CO2 (0 in total, reported apart)
- electricity: meter M1, 4,000,000 Wh × share 0.5 / 1,000 kg output = 2 kWh/kg;
  grid: market 2 × 0.6 = 1.2, location 2 × 0.5 = 1.0
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lca.background import Background
from lca.calculate import compute_footprints
from lca.footprint import format_contribution_table
from lca.model import parse_model
from tests.lca.conftest import (
    ASSEMBLY_NON_ELEC,
    KWH_PER_KG,
    PART_PER_KG,
    RESIDUAL_KEY,
    direct_wind,
    grid_only,
)

REL = 1e-12


def approx(x: float) -> Any:
    return pytest.approx(x, rel=REL, abs=1e-12)


def test_tiny_product_by_hand(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    [r] = compute_footprints([parse_model(tiny_model())], [grid_only()], data_dir, background=tiny_background)
    expected_market = 2 * PART_PER_KG + ASSEMBLY_NON_ELEC + KWH_PER_KG * 0.6
    assert pytest.approx(6.74098) == PART_PER_KG
    assert r.market.total == approx(expected_market)
    assert r.market.total == approx(16.95196)
    assert r.market.fossil == approx(16.95196 - 0.27)
    assert r.market.biogenic == approx(0.27)
    assert r.market.biogenic_co2 == approx(0.3)
    assert r.market.land_use == 0
    assert r.location.total == approx(16.95196 - 1.2 + 1.0)
    stages = {s.stage: s for s in r.by_stage}
    assert stages["parts"].market.total == approx(2 * PART_PER_KG)
    assert stages["assembly"].market.total == approx(ASSEMBLY_NON_ELEC + 1.2)
    assert stages["assembly"].location.total == approx(ASSEMBLY_NON_ELEC + 1.0)
    assert sum(i.market.total for i in r.by_input) == approx(r.market.total)
    assert r.electricity.total_kwh == approx(2.0)
    # primary data: the direct emissions (CF4 of the part, CH4 of the assembly)
    primary = 2 * 0.0001 * 7380 + 0.27
    assert r.primary_data_share == approx(100 * primary / 16.95196)
    assert r.unverified_factors == (RESIDUAL_KEY,)  # derived, not an official figure
    assert "Tiny widget" in format_contribution_table(r)


@pytest.mark.parametrize(
    ("fraction", "claimable", "kwh_factor"),
    [
        (0.0, True, 0.6),
        (0.5, True, 0.5 * 0.011 + 0.5 * 0.6),
        (1.0, True, 0.011),
        (1.0, False, 0.6),  # physical wind without its GECs retired: no claim
    ],
)
def test_direct_wind_moves_market_result(
    tiny_model: Callable[[], dict[str, Any]],
    tiny_background: Background,
    data_dir: Path,
    fraction: float,
    claimable: bool,
    kwh_factor: float,
) -> None:
    [r] = compute_footprints(
        [parse_model(tiny_model())],
        [direct_wind(fraction, claimable=claimable)],
        data_dir,
        background=tiny_background,
    )
    base = 2 * PART_PER_KG + ASSEMBLY_NON_ELEC
    assert r.electricity.market_kg_co2e_per_kwh == approx(kwh_factor)
    assert r.market.total == approx(base + KWH_PER_KG * kwh_factor)
    # location-based ignores the claim: grid average for all
    assert r.location.total == approx(base + KWH_PER_KG * 0.5)
    assert r.electricity.direct_physical_kwh == approx(KWH_PER_KG * fraction)
    assert r.electricity.claimable_green_kwh == approx(KWH_PER_KG * fraction * claimable)


def test_contracted_and_certificate_green_use_their_technology(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    from lca.electricity import MeterElectricity
    from tests.lca.conftest import PERIOD

    rec = MeterElectricity(
        "M1",
        PERIOD,
        contracted_wh={"wind": 1_000_000},
        certificate_wh={"solar": 1_000_000},
        grid_wh=2_000_000,
    )
    [r] = compute_footprints([parse_model(tiny_model())], [rec], data_dir, background=tiny_background)
    per_kwh = 0.25 * 0.011 + 0.25 * 0.048 + 0.5 * 0.6
    assert r.electricity.market_kg_co2e_per_kwh == approx(per_kwh)
    assert r.electricity.contracted_kwh == approx(0.5)
    assert r.electricity.certificate_kwh == approx(0.5)


def test_mass_allocation_halves_the_assembly(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    d = tiny_model()
    d["processes"][1]["allocation"] = {
        "method": "mass",
        "co_products": [{"name": "offcut", "amount": 1000, "unit": "g"}],
    }
    [r] = compute_footprints([parse_model(d)], [grid_only()], data_dir, background=tiny_background)
    assert r.market.total == approx(0.5 * 16.95196)
    assert r.market.biogenic_co2 == approx(0.15)


def test_economic_allocation(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    d = tiny_model()
    d["processes"][1]["allocation"] = {
        "method": "economic",
        "main_price_per_unit": 3.0,
        "co_products": [{"name": "offcut", "amount": 1, "unit": "kg", "price_per_unit": 1.0}],
    }
    [r] = compute_footprints([parse_model(d)], [grid_only()], data_dir, background=tiny_background)
    assert r.market.total == approx(0.75 * 16.95196)


def test_allocation_on_an_upstream_process(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    d = tiny_model()
    d["processes"][0]["allocation"] = {
        "method": "mass",
        "co_products": [{"name": "scrap", "amount": 3, "unit": "kg"}],
    }
    [r] = compute_footprints([parse_model(d)], [grid_only()], data_dir, background=tiny_background)
    assert r.market.total == approx(2 * PART_PER_KG / 4 + ASSEMBLY_NON_ELEC + 1.2)


def test_declared_unit_of_one_tonne(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    d = tiny_model()
    d["product"]["declared_unit"] = {"unit": "kilogram", "amount": 1000}
    d["product"]["mass_per_declared_unit_kg"] = 1000
    [r] = compute_footprints([parse_model(d)], [grid_only()], data_dir, background=tiny_background)
    assert r.market.total == pytest.approx(1000 * 16.95196, rel=1e-12)


def test_a_period_over_years_with_different_factors_must_be_split(
    tiny_model: Callable[[], dict[str, Any]],
) -> None:
    from lca.background import parse_background
    from lca.errors import InvalidModel
    from lca.system import grid_choice
    from ledger import FactorTable
    from tests.lca.conftest import TINY_BACKGROUND

    def avg(region: str, year: int, value: float) -> dict[str, Any]:
        return {
            "scope": "x",
            "region": region,
            "year": year,
            "value": value,
            "source": "t",
            "status": "confirmed",
        }

    table = FactorTable.from_json(
        {
            "version": "two-years",
            "sources": {"t": {"title": "test"}},
            "grid_average": [
                avg("CN-NM", 2025, 0.7),
                avg("CN-NM", 2026, 0.5),
                avg("CN", 2025, 0.5),
                avg("CN", 2026, 0.5),
            ],
            "residual": {"method": "test", "published": [avg("CN", 2025, 0.6), avg("CN", 2026, 0.6)]},
            "direct_supply_thresholds": [],
        }
    )
    bg = parse_background(TINY_BACKGROUND, grid=table)
    d = tiny_model()
    d["reference_period"] = {"start": "2025-07-01", "end": "2026-07-01"}
    with pytest.raises(InvalidModel) as e:
        grid_choice(parse_model(d), bg)
    assert e.value.code == "lca.period_spans_factor_years"
    d["reference_period"] = {"start": "2026-01-01", "end": "2027-01-01"}  # ends on 1 January: one year
    assert grid_choice(parse_model(d), bg).location.key == "electricity/grid/cn-nm/2026"


def test_the_contribution_table_names_the_grid_factors(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    (r,) = compute_footprints(
        [parse_model(tiny_model())], [grid_only()], data_dir, background=tiny_background
    )
    assert r.grid is not None and r.grid.location.key == "electricity/grid/cn-nm/2026"
    text = format_contribution_table(r)
    assert "grid CN-NM for 2026: location-based electricity/grid/cn-nm/2026" in text
