"""One factor table for the same electricity (issue 13, point 8): meter reports, footprints, park."""

from __future__ import annotations

import pandas as pd
import pytest

from lca.background import load_background
from ledger import GridFactors, grid_factors, load_factors
from ledger.attribution.totals import add_emissions
from park.coefficients import load_park_data
from park.report import grid_factor_for


def test_meter_reports_footprints_and_park_get_the_same_factor_for_the_same_kwh() -> None:
    """One table, one rule: attribution totals, the lca background and the park accounts agree."""
    chosen: GridFactors = grid_factors("CN-NM", 2026)
    rows = pd.DataFrame(
        {
            "meter_id": ["M"],
            "month": ["2026-03"],
            "consumption_wh": [1_000_000],
            "grid_wh": [1_000_000],
            "direct_wh": [0],
            "claimable_direct_wh": [0],
            "contracted_wh": [0],
            "claimable_contracted_wh": [0],
        }
    )
    report = add_emissions(rows, load_factors(), "CN-NM").iloc[0]
    assert report["location_kg"] == pytest.approx(1000 * 0.6849)
    assert report["market_kg"] == pytest.approx(1000 * chosen.residual.value)  # type: ignore[operator]
    lca = load_background().grid_factors("CN-NM", 2026)
    assert lca.location.emissions == {"co2_fossil": 0.6849} and lca.location.year == 2022
    assert lca.market_unclaimed.emissions == {"co2_fossil": chosen.residual.value}
    assert lca.ledger_choice == chosen
    park = grid_factor_for(load_park_data(), None, 2026)  # the park's configured region and kind
    national = grid_factors(park.region, 2026)
    assert float(park.value) == (national.residual if park.kind == "residual" else national.location).value
