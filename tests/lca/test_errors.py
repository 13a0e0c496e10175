"""Clear errors: unknown materials, missing attribution, bad models and attribution."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lca.background import Background, load_background, parse_background
from lca.calculate import compute_footprints
from lca.electricity import MeterElectricity, Period
from lca.errors import (
    BackgroundDataError,
    InvalidAttribution,
    InvalidModel,
    LcaError,
    MissingAttribution,
    UnknownMaterial,
    UnknownTechnology,
)
from lca.model import parse_model
from tests.lca.conftest import PERIOD, grid_only


def test_unknown_material_is_an_error_not_zero(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    d = tiny_model()
    d["processes"][0]["inputs"][0]["background"] = "material/unobtainium"
    with pytest.raises(UnknownMaterial) as e:
        compute_footprints([parse_model(d)], [grid_only()], data_dir, background=tiny_background)
    assert e.value.code == "lca.unknown_material"
    assert "material/unobtainium" in str(e.value)
    assert "tiny-widget" in str(e.value)
    assert e.value.diagnostics()["key"] == "material/unobtainium"


def test_factor_without_shipped_value_is_an_error(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    d = tiny_model()
    d["processes"][0]["inputs"][0]["background"] = "material/missing"
    with pytest.raises(UnknownMaterial) as e:
        compute_footprints([parse_model(d)], [grid_only()], data_dir, background=tiny_background)
    assert e.value.code == "lca.factor_unavailable"


def test_a_grid_region_without_factors_is_an_error_not_a_fallback(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    d = tiny_model()
    d["electricity_factors"] = {"region": "CN-GD"}
    with pytest.raises(UnknownMaterial) as e:
        compute_footprints([parse_model(d)], [grid_only()], data_dir, background=tiny_background)
    assert e.value.code == "lca.factor_unavailable"
    assert e.value.details["region"] == "CN-GD" and e.value.details["model_id"] == "tiny-widget"


def test_a_model_cannot_name_its_own_grid_factors(tiny_model: Callable[[], dict[str, Any]]) -> None:
    d = tiny_model()
    d["electricity_factors"] = {"location_based": "grid/location", "market_unclaimed": "grid/residual"}
    with pytest.raises(InvalidModel, match="ledger's factor table by region and year"):
        parse_model(d)


def test_the_background_file_cannot_define_grid_factors() -> None:
    text = (
        "schema: tanji.background/1\nversion: x\nfactors:\n"
        "  - {key: grid/x, name: X, kind: electricity_grid, unit: kWh, emissions: {co2_fossil: 0.5},\n"
        "     source: test factor, year: 2024, status: published, gwp_basis: CO2 only}\n"
    )
    with pytest.raises(BackgroundDataError, match="ledger's emission factor table"):
        parse_background(text)


def test_shipped_inner_mongolia_factor_is_the_ledgers() -> None:
    """Inner Mongolia 2022 is 0.6849 kg/kWh (MEE/NBS), in footprints as in meter reports."""
    f = load_background().factor("electricity/grid/cn-nm/2022")
    assert f.emissions == {"co2_fossil": 0.6849} and f.status == "published" and "2022" in f.source


def test_meter_without_attribution(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    with pytest.raises(MissingAttribution) as e:
        compute_footprints([parse_model(tiny_model())], [], data_dir, background=tiny_background)
    assert e.value.code == "lca.missing_attribution"
    assert "'M1'" in str(e.value) and "2026-01-01" in str(e.value)


def test_attribution_of_another_period_does_not_count(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    other = MeterElectricity("M1", Period(dt.date(2026, 2, 1), dt.date(2026, 3, 1)), grid_wh=1)
    with pytest.raises(MissingAttribution):
        compute_footprints([parse_model(tiny_model())], [other], data_dir, background=tiny_background)


def test_unknown_technology(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    rec = MeterElectricity("M1", PERIOD, certificate_wh={"tidal": 10}, grid_wh=10)
    with pytest.raises(UnknownTechnology, match="tidal"):
        compute_footprints([parse_model(tiny_model())], [rec], data_dir, background=tiny_background)


def test_errors_share_one_root() -> None:
    for cls in (InvalidModel, UnknownMaterial, MissingAttribution, InvalidAttribution):
        assert issubclass(cls, LcaError)


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d.update(reference_process="nope"), "reference_process 'nope'"),
        (
            lambda d: d["processes"][1]["inputs"][0].update(process="ghost"),
            "unknown process 'ghost'",
        ),
        (lambda d: d["processes"][0]["emissions"].append({"gas": "xenon", "amount": 1}), "xenon"),
        (lambda d: d["processes"][0]["inputs"][0].update(unit="furlong"), "furlong"),
        (lambda d: d["processes"].append(dict(d["processes"][0])), "used twice"),
        (lambda d: d["reference_period"].update(end="2025-01-01"), "not after start"),
        (lambda d: d["processes"][1]["electricity"]["meters"][0].update(share=1.5), "share"),
        (lambda d: d.update(electricity_factors={"region": "Inner Mongolia"}), "region"),
        (
            lambda d: d["processes"][0]["inputs"][0].update(process="part"),
            "exactly one of",
        ),
    ],
)
def test_invalid_models_name_the_problem(
    tiny_model: Callable[[], dict[str, Any]], mutate: Callable[[dict[str, Any]], Any], needle: str
) -> None:
    d = tiny_model()
    mutate(d)
    with pytest.raises(InvalidModel) as e:
        parse_model(d)
    assert needle in str(e.value)
    assert e.value.code == "lca.invalid_model"


def test_unit_that_does_not_convert_to_the_factor(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    d = tiny_model()
    d["processes"][0]["inputs"][0]["unit"] = "kWh"  # material/x is per kg
    with pytest.raises(InvalidModel) as e:
        compute_footprints([parse_model(d)], [grid_only()], data_dir, background=tiny_background)
    assert e.value.code == "lca.unit_mismatch"
    assert "'kWh'" in str(e.value) and "material/x" in str(e.value)


def test_duplicate_model_ids(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    m = parse_model(tiny_model())
    with pytest.raises(InvalidModel, match="given twice"):
        compute_footprints([m, m], [grid_only()], data_dir, background=tiny_background)


def test_invalid_attribution_records() -> None:
    with pytest.raises(InvalidAttribution, match="exceeds physical"):
        MeterElectricity("M1", PERIOD, direct_wh={"wind": 5}, direct_claimable_wh={"wind": 6})
    with pytest.raises(InvalidAttribution, match="non-negative"):
        MeterElectricity("M1", PERIOD, contracted_wh={"wind": -1})
    with pytest.raises(InvalidAttribution, match="not after start"):
        Period(dt.date(2026, 2, 1), dt.date(2026, 1, 1))


def test_duplicate_attribution_records(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    with pytest.raises(InvalidAttribution, match="two attribution records"):
        compute_footprints(
            [parse_model(tiny_model())],
            [grid_only(), grid_only()],
            data_dir,
            background=tiny_background,
        )
