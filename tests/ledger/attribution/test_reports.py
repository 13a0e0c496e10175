"""Reports over recorded runs: indicators, emissions, LCA electricity, 650号 compliance, CBAM evidence.

Numbers are those of the hand-computed month of ``tests.ledger.park_fixtures``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd
import pytest

from lca.electricity import MeterElectricity, Period
from lca.ledger_footprints import meter_electricity_of
from ledger.attribution.reports import (
    direct_link_report,
    enterprise_indicators,
    find_run,
    green_report,
    hourly_matching_evidence,
    link_indicators,
    meter_electricity,
    meter_electricity_for_period,
    meter_indicators,
)
from ledger.attribution.runner import RunSummary, run_attribution
from ledger.energy.factors import load_factors
from ledger.errors import LedgerError
from tests.conftest import Park
from tests.ledger.park_fixtures import EXPECTED, HOURS, MONTH, build_month_park


@pytest.fixture
def recorded(make_park: Callable[[], Park]) -> tuple[Park, RunSummary]:
    park = build_month_park(make_park())
    return park, run_attribution(park.ledger, "operator", park.keys["operator"], MONTH, ["C-1", "C-2", "C-3"])


def test_meter_and_enterprise_indicators(recorded: tuple[Park, RunSummary]) -> None:
    park, run = recorded
    factors = load_factors()
    avg, resid = factors.grid_factor("CN-NM", 2026).value, factors.residual_factor("CN-NM", 2026).value
    assert avg is not None and resid is not None
    with park.ledger.db.read_session() as s:
        meters = meter_indicators(s, run.seq).set_index("meter_id")
        ents = enterprise_indicators(s, run.seq).set_index("enterprise")
    for m, exp in EXPECTED.items():
        assert meters.loc[m, "location_kg"] == pytest.approx(exp["consumption_wh"] / 1000 * avg)
    # market-based: claimed green is zero; grid, unclaimed direct and unclaimed contracted energy (T-1
    # bundles no GEC, so none were retired for C-3) take the residual factor
    assert meters.loc["C-1", "market_kg"] == 0.0
    assert meters.loc["C-2", "market_kg"] == pytest.approx((29_760 + 44_640) / 1000 * resid)
    assert meters.loc["C-3", "market_kg"] == pytest.approx((272_000 + 100_000) / 1000 * resid)
    assert meters.loc["C-3", "claimable_contracted_wh"] == 0 and meters.loc["C-3", "contracted_wh"] == 100_000
    e1 = ents.loc["E-1"]
    assert e1["consumption_wh"] == 372_000 and e1["physical_green_share"] == pytest.approx(0.6)
    assert e1["claimable_green_share"] == pytest.approx((178_560 + 119_040) / 372_000)
    assert e1["hourly_matched_share"] == pytest.approx(0.6) and e1["unused_certificate_wh"] == 702_400
    assert ents.loc["E-2", "hourly_matched_share"] == pytest.approx(100_000 / 372_000)
    assert ents.loc["G-1", "surplus_exported_wh"] == 123_200 and ents.loc["G-1", "consumption_wh"] == 0


def test_meter_electricity_maps_onto_lca(recorded: tuple[Park, RunSummary]) -> None:
    park, run = recorded
    with park.ledger.db.read_session() as s:
        records = meter_electricity(s, run.seq)
        with pytest.raises(LedgerError) as e:
            meter_electricity(s, run.seq, ["C-404"])
    assert e.value.code == "attribution.meter_not_in_run"
    for r in records:
        fields = dataclasses.asdict(r)
        period = Period(fields.pop("period_start"), fields.pop("period_end"))
        assert dict(fields.pop("contracted_claimable_wh")) == {}  # T-1's GEC were not retired for C-3
        lca = MeterElectricity(period=period, **fields)
        assert lca.consumption_wh == r.consumption_wh == EXPECTED[r.meter_id]["consumption_wh"]
        assert sum(lca.direct_claimable_wh.values()) == EXPECTED[r.meter_id]["claimable_direct_wh"]
        assert lca.attribution_seq == run.seq
        # what footprints get: contracted energy only where claimable, the rest with the grid's
        claims = meter_electricity_of(r, period)
        assert claims.consumption_wh == r.consumption_wh and sum(claims.contracted_wh.values()) == 0
        assert claims.grid_wh == r.grid_wh + sum(r.contracted_wh.values())


def test_green_report_and_run_lookup(recorded: tuple[Park, RunSummary]) -> None:
    park, run = recorded
    with park.ledger.db.read_session() as s:
        assert find_run(s, MONTH, MONTH, meter="C-2") == run.seq
        with pytest.raises(LedgerError) as e:
            find_run(s, "2026-01", "2026-02", meter="C-2")
        assert e.value.code == "attribution.no_run"
        rep = green_report(s, "C-3", MONTH, MONTH)
    assert rep.run_seq == run.seq and len(rep.hourly) == HOURS
    assert rep.hourly["hour"].iloc[0].isoformat() == "2026-01-01T00:00:00+08:00"  # the park's time
    assert rep.totals["contracted_wh"] == 100_000 and rep.totals["grid_wh"] == 272_000
    assert rep.hourly["consumption"].eq(500).all()
    assert (
        rep.hourly[["direct", "contracted", "certificate", "grid"]].sum(axis=1) == rep.hourly["consumption"]
    ).all()


def test_direct_link_compliance(recorded: tuple[Park, RunSummary]) -> None:
    park, run = recorded
    with park.ledger.db.read_session() as s:
        rep = direct_link_report(s, "L-1", 2026)
        with pytest.raises(LedgerError) as e:
            direct_link_report(s, "L-404", 2026)
        assert e.value.code == "link.unknown"
        with pytest.raises(LedgerError) as e:
            direct_link_report(s, "L-1", 2025)
        assert e.value.code == "attribution.no_run"
    ratios = {c.threshold.id: (c.ratio, c.passed) for c in rep.compliance.checks}
    assert ratios == {
        "self_use_of_generation": (1.0, True),
        "self_use_of_consumption": (0.6, True),
        "grid_export_of_generation": (None, None),  # L-1 has no grid_export meter: not measured
    }
    [export] = [c for c in rep.to_json()["checks"] if c["id"] == "grid_export_of_generation"]
    assert export["measured"] is False and "not measured" in export["note"]
    assert rep.run_seq == run.seq and not rep.compliance.complete  # one month of twelve
    assert rep.to_json()["monthly"][0]["users_consumption_wh"] == 372_000


def test_cbam_hourly_matching(recorded: tuple[Park, RunSummary]) -> None:
    park, run = recorded
    with park.ledger.db.read_session() as s:
        link = hourly_matching_evidence(s, run.seq, link="L-1")
        ppa = hourly_matching_evidence(s, run.seq, contract="T-1")
    assert len(link) == HOURS
    assert link[["production_wh", "delivered_wh", "consumption_wh", "matched_wh"]].iloc[0].tolist() == [
        300,
        300,
        500,
        300,
    ]
    assert link["matched_wh"].sum() / link["consumption_wh"].sum() == pytest.approx(0.6)
    assert ppa["production_wh"].sum() == 223_200 and ppa["delivered_wh"].sum() == 100_000
    assert ppa["matched_wh"].sum() / ppa["consumption_wh"].sum() == pytest.approx(100_000 / 372_000)
    night = ppa.iloc[20]  # 20:00 in the park (Shanghai): no sun, no delivery
    assert night["production_wh"] == 0 and night["matched_wh"] == 0


def test_period_lookup_gaps_and_link_indicators(recorded: tuple[Park, RunSummary]) -> None:
    park, run = recorded
    with park.ledger.db.read_session() as s:
        (c1,) = meter_electricity_for_period(s, MONTH, MONTH, ["C-1"])
        links = link_indicators(s, run.seq).set_index("link_id").to_dict(orient="index")
        with pytest.raises(LedgerError) as e:
            meter_electricity(s, run.seq, months=("2025-12", MONTH))
        assert e.value.code == "attribution.outside_run"
    assert c1.attribution_seq == run.seq and dict(c1.certificate_wh) == {"wind": 119_040}
    assert links["L-1"]["self_use_of_consumption"] == pytest.approx(0.6)
    assert pd.isna(links["L-1"]["grid_export_of_generation"])  # not measured
    # a month with no readings, attributed with gaps: the LCA split refuses it unless told
    gap_run = run_attribution(
        park.ledger, "operator", park.keys["operator"], "2026-02", ["C-2"], on_missing="gap"
    )
    with park.ledger.db.read_session() as s:
        with pytest.raises(LedgerError) as e:
            meter_electricity(s, gap_run.seq)
        assert e.value.code == "attribution.gaps" and e.value.details["meters"] == ["C-2"]
        (c2,) = meter_electricity(s, gap_run.seq, allow_gaps=True)
    assert c2.consumption_wh == 0
