"""Indicators on the hand-computed day of test_attribution, and factor data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ledger.attribution.engine import attribute_period
from ledger.attribution.totals import (
    PeriodTotals,
    add_emissions,
    by_enterprise,
    certificate_totals,
    generator_totals,
    link_totals,
    meter_totals,
    summarise,
    technology_totals,
)
from ledger.energy.factors import load_factors
from ledger.errors import NotFound, RuleViolation
from tests.ledger.attribution.cases import MWH, full

OWNERS = {"A": "E1", "B": "E1", "C": "E2"}


def row(frame: pd.DataFrame, label: str) -> pd.Series[Any]:
    """The one row labelled ``label`` (``.loc`` gives a frame for a repeated label)."""
    selected = frame.loc[label]
    assert isinstance(selected, pd.Series), f"{label!r} labels more than one row"
    return selected


def test_meter_totals_by_hand() -> None:
    _, r = full()
    t = meter_totals(r).set_index("meter_id")
    # consumption, direct, claimable direct, contracted, claimable contracted, certificate, grid,
    # hourly matched, unused certificate, gap hours
    assert row(t, "A").drop("month").tolist() == [290, 183, 183, 0, 0, 107, 0, 183, MWH - 290, 0]
    # R2's unit of G2 makes B's 50 Wh contracted from G2 claimable, then covers 163 Wh
    assert row(t, "B").drop("month").tolist() == [530, 317, 0, 50, 50, 163, 0, 367, MWH - 213, 0]
    # C's 300 Wh contracted stay matched but not claimable: no GEC of G1 or G2 were retired for C
    assert row(t, "C").drop("month").tolist() == [450, 0, 0, 300, 0, 0, 150, 300, 0, 0]


def test_shares_and_hourly_matching() -> None:
    _, r = full()
    s = summarise(meter_totals(r), "meter_id").set_index("meter_id")
    assert s.loc["A", "physical_green_share"] == pytest.approx(183 / 290)
    assert s.loc["A", "claimable_green_share"] == pytest.approx(1.0)
    assert s.loc["B", "claimable_green_share"] == pytest.approx((50 + 163) / 530)
    assert s.loc["B", "green_share"] == pytest.approx(1.0)
    assert s.loc["B", "hourly_matched_share"] == pytest.approx(367 / 530)
    assert s.loc["C", "hourly_matched_share"] == pytest.approx(300 / 450)
    assert s.loc["C", "claimable_green_share"] == 0.0 and s.loc["C", "green_share"] == pytest.approx(
        300 / 450
    )


def test_emissions_location_and_market_based() -> None:
    _, r = full()
    table = load_factors()
    e = add_emissions(meter_totals(r), table, "CN-NM").set_index("meter_id")
    loc, res = 0.6849, round(0.6849 * 0.5856 / 0.5366, 4)
    assert (e["location_factor_year"] == 2022).all()
    assert e.loc["A", "location_kg"] == pytest.approx(0.290 * loc)
    assert e.loc["A", "market_kg"] == 0.0  # all of A's green is claimed
    # B's direct energy is physical but unclaimed: it gets the residual factor.
    assert e.loc["B", "market_kg"] == pytest.approx(0.317 * res)
    # C's contracted energy is not claimable (no GEC retired for it): residual factor, like grid
    assert e.loc["C", "market_kg"] == pytest.approx(0.450 * res)


def test_enterprise_summary() -> None:
    _, r = full()
    m = by_enterprise(add_emissions(meter_totals(r), load_factors(), "CN"), OWNERS)
    s = summarise(m, "enterprise").set_index("enterprise")
    assert s.loc["E1", "consumption_wh"] == 820
    assert s.loc["E1", "physical_green_share"] == pytest.approx(500 / 820)
    # CN for 2026: the latest published national factors are MEE/NBS 2023's (0.5306, residual 0.6096)
    assert s.loc["E2", "location_kg"] == pytest.approx(0.450 * 0.5306)
    assert s.loc["E2", "market_kg"] == pytest.approx(0.450 * 0.6096)
    with pytest.raises(NotFound) as e:
        by_enterprise(meter_totals(r), {"A": "E1"})
    assert e.value.code == "indicators.unknown_owner"
    with pytest.raises(RuleViolation):
        summarise(meter_totals(r), "nope")


def test_generator_link_and_certificate_totals() -> None:
    inputs, r = full()
    g = generator_totals(r).set_index("generator_id")
    assert row(g, "G1")[["generation_wh", "direct_wh", "contracted_wh", "surplus_wh"]].tolist() == [
        900,
        500,
        100,
        300,
    ]
    assert row(g, "G2")[["generation_wh", "direct_wh", "contracted_wh", "surplus_wh"]].tolist() == [
        500,
        0,
        250,
        250,
    ]
    lk = link_totals(inputs, r).set_index("link_id")
    assert row(lk, "L1")[
        ["available_generation_wh", "self_consumed_wh", "users_consumption_wh"]
    ].tolist() == [
        900,
        500,
        820,
    ]
    assert pd.isna(row(lk, "L1")["grid_export_wh"])  # no grid_export meter: not measured (not 900 - 500)
    c = certificate_totals(inputs, r).set_index("retirement_id")
    cols = ["claimed_direct_wh", "claimed_contracted_wh", "covered_wh", "unused_wh"]
    assert row(c, "R1")[cols].tolist() == [183, 0, 107, MWH - 290]
    assert row(c, "R2")[cols].tolist() == [0, 50, 163, MWH - 213]


def test_period_totals_sum_months() -> None:
    inputs, _ = full()
    totals = PeriodTotals()
    attribute_period(["2025-06"], lambda m: inputs, sink=totals.add)
    attribute_period(["2025-06"], lambda m: inputs, sink=totals.add)  # same month twice
    s = summarise(totals.meter_frame(), "meter_id").set_index("meter_id")
    assert s.loc["A", "consumption_wh"] == 580
    assert s.loc["A", "physical_green_share"] == pytest.approx(183 / 290)
    assert len(totals.link_frame()) == 2 and len(totals.generator_frame()) == 4
    assert len(summarise(totals.meter_frame(), "meter_id", months=["2025-07"])) == 0


# ------------------------------------------------------------------ the data file


def test_every_value_has_source_year_and_status() -> None:
    path = Path(__file__).parents[3] / "ledger" / "energy" / "data" / "emission_factors.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["version"]
    entries = [*doc["grid_average"], *doc["residual"]["published"], *doc["fossil"]]
    for entry in [*entries, *doc["direct_supply_thresholds"]]:
        assert entry["source"] in doc["sources"]
        assert entry["status"] in ("confirmed", "derived", "unverified")
        assert isinstance(entry["year"], int)
        if entry["value"] is None or entry["status"] == "unverified":
            assert entry["status"] == "unverified" and entry["note"]
    assert doc["residual"]["method"]


def test_factor_lookup() -> None:
    t = load_factors()
    assert t.grid_factor("CN", 2022).value == 0.5366
    assert t.grid_factor("CN", 2021).value == 0.5568
    assert t.grid_factor("CN-NM", 2025).year == 2022  # latest published before 2025
    assert t.residual_factor("CN", 2022).value == 0.5856
    derived = t.residual_factor("CN-NM", 2022)
    assert derived.status == "derived" and derived.value == round(0.6849 * 0.5856 / 0.5366, 4)
    with pytest.raises(NotFound):
        t.grid_factor("CN-NM", 2021)  # the 2021 value is unverified and null
    with pytest.raises(NotFound):
        t.grid_factor("XX", 2022)
    with pytest.raises(NotFound):
        t.grid_factor("CN-NM", 2021, allow_unverified=True, latest_before=False)
    assert np.isclose(t.thresholds_for(2025)["self_use_of_consumption"].value, 0.30)
    assert np.isclose(t.thresholds_for(2030)["self_use_of_consumption"].value, 0.35)
    assert t.thresholds_for(2025)["grid_export_of_generation"].status == "unverified"


def test_technology_split_for_lca() -> None:
    inputs, r = full()
    t = technology_totals(inputs, r)
    got = {(row.meter_id, row.kind, row.technology): row.wh for row in t.itertuples()}
    assert got == {
        ("A", "certificate", "wind"): 107,
        ("A", "claimable_direct", "wind"): 183,
        ("A", "direct", "wind"): 183,
        ("B", "certificate", "solar"): 163,
        ("B", "claimable_contracted", "solar"): 50,
        ("B", "contracted", "solar"): 50,
        ("B", "direct", "wind"): 317,
        ("C", "contracted", "solar"): 200,
        ("C", "contracted", "wind"): 100,
    }


def test_surplus_exported_per_enterprise() -> None:
    _, r = full()
    g = by_enterprise(generator_totals(r), {"G1": "P1", "G2": "P1"}, id_column="generator_id")
    assert int(g.groupby("enterprise")["surplus_wh"].sum()["P1"]) == 550
