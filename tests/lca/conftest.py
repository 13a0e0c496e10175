"""Fixtures for the lca tests: a tiny background with round factors and a tiny model."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lca.background import Background, parse_background
from lca.electricity import MeterElectricity, Period
from lca.warm import using
from ledger import FactorTable

TINY_BACKGROUND = """
schema: tanji.background/1
version: test-1
factors:
  - {key: material/x, name: X, kind: material, unit: kg, emissions: {co2_fossil: 2.0},
     source: test factor, year: 2024, status: published, gwp_basis: per gas}
  - {key: fuel/gas, name: Gas, kind: fuel, unit: GJ,
     emissions: {co2_fossil: 50.0, ch4_fossil: 0.001},
     source: test factor, year: 2024, status: published, gwp_basis: per gas}
  - {key: lc/wind, name: Wind, kind: electricity_technology, technology: wind, unit: kWh,
     emissions: {ghg_co2e_fossil: 0.011}, source: test factor, year: 2014,
     status: published, gwp_basis: AR5}
  - {key: lc/solar, name: Solar, kind: electricity_technology, technology: solar, unit: kWh,
     emissions: {ghg_co2e_fossil: 0.048}, source: test factor, year: 2014,
     status: published, gwp_basis: AR5}
  - {key: material/missing, name: Missing, kind: material, unit: kg, emissions: {},
     source: test factor, year: 2024, status: missing, gwp_basis: CO2 only}
"""


def _grid(scope: str, region: str, value: float) -> dict[str, Any]:
    return {
        "scope": scope,
        "region": region,
        "year": 2026,
        "value": value,
        "source": "t",
        "status": "confirmed",
    }


#: The ledger's factor table in miniature: CN-NM and CN averages 0.5, a published national
#: residual 0.6, so CN-NM's residual is derived: 0.5 x 0.6 / 0.5 = 0.6 (status 'derived').
TINY_GRID = FactorTable.from_json(
    {
        "version": "test-grid-1",
        "sources": {"t": {"publisher": "test", "title": "test factors", "date": "2026"}},
        "grid_average": [_grid("provincial", "CN-NM", 0.5), _grid("national", "CN", 0.5)],
        "residual": {"method": "test", "published": [_grid("national", "CN", 0.6)]},
        "direct_supply_thresholds": [],
    }
)
LOCATION_KEY = "electricity/grid/cn-nm/2026"
RESIDUAL_KEY = "electricity/grid/cn-nm/2026/residual"

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 2, 1))

# Hand-computed figures of TINY_MODEL per kg (see test_footprint.py for the derivation)
PART_PER_KG = 0.5 * 2.0 + 0.1 * 50.0 + 0.1 * 0.001 * 29.8 + 0.0001 * 7380  # 6.74098
ASSEMBLY_NON_ELEC = 1.0 * 2.0 + 0.01 * 27.0  # 2.27
KWH_PER_KG = 4_000_000 * 0.5 / 1000 / 1000  # 2.0


def tiny_model_dict() -> dict[str, Any]:
    return {
        "schema": "tanji.product-model/1",
        "id": "tiny-widget",
        "product": {
            "name": "Tiny widget",
            "ids": ["urn:tanji:test:widget"],
            "declared_unit": {"unit": "kilogram", "amount": 1},
            "mass_per_declared_unit_kg": 1,
        },
        "reference_period": {"start": "2026-01-01", "end": "2026-02-01"},
        "geography": {"country": "CN", "subdivision": "CN-NM"},
        "reference_process": "assembly",
        "processes": [
            {
                "id": "part",
                "name": "Part making",
                "stage": "parts",
                "output": {"amount": 1, "unit": "kg"},
                "inputs": [
                    {"id": "x", "background": "material/x", "amount": 0.5, "unit": "kg"},
                    {"id": "gas", "background": "fuel/gas", "amount": 0.1, "unit": "GJ"},
                ],
                "emissions": [{"gas": "cf4", "amount": 0.0001}],
            },
            {
                "id": "assembly",
                "name": "Assembly",
                "stage": "assembly",
                "output": {"amount": 1, "unit": "kg"},
                "inputs": [
                    {"id": "parts", "process": "part", "amount": 2, "unit": "kg"},
                    {"id": "x", "background": "material/x", "amount": 1000, "unit": "g"},
                ],
                "emissions": [
                    {"gas": "co2_biogenic", "amount": 0.3},
                    {"gas": "ch4_non_fossil", "amount": 0.01},
                ],
                "electricity": {
                    "meters": [{"meter": "M1", "share": 0.5}],
                    "output_over_period": 1000,
                },
            },
        ],
    }


@pytest.fixture
def tiny_model() -> Callable[[], dict[str, Any]]:
    return lambda: copy.deepcopy(tiny_model_dict())


@pytest.fixture(scope="session")
def tiny_background() -> Background:
    return parse_background(TINY_BACKGROUND, grid=TINY_GRID)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tanji-lca")


@pytest.fixture
def ledger_background(tiny_background: Background) -> Iterator[Background]:
    """The ledger re-computes footprints on the tiny background during the test."""
    with using(background=tiny_background):
        yield tiny_background


def grid_only(meter: str = "M1", wh: int = 4_000_000) -> MeterElectricity:
    return MeterElectricity(meter, PERIOD, grid_wh=wh)


def direct_wind(fraction: float, *, claimable: bool = True, wh: int = 4_000_000) -> MeterElectricity:
    wind = round(wh * fraction)
    return MeterElectricity(
        "M1",
        PERIOD,
        direct_wh={"wind": wind},
        direct_claimable_wh={"wind": wind if claimable else 0},
        grid_wh=wh - wind,
    )
