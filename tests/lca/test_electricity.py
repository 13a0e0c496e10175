"""The electricity split is pure arithmetic over the ledger's attribution."""

from __future__ import annotations

import pytest

from lca.electricity import (
    MeterElectricity,
    from_technology_rows,
    index_attribution,
    split_electricity,
)
from lca.errors import InvalidAttribution, MissingAttribution
from tests.lca.conftest import PERIOD


def test_split_applies_shares_and_classes() -> None:
    recs = index_attribution(
        [
            MeterElectricity(
                "A",
                PERIOD,
                direct_wh={"wind": 600_000},
                direct_claimable_wh={"wind": 400_000},
                contracted_wh={"solar": 100_000},
                certificate_wh={"hydro": 100_000},
                grid_wh=200_000,
                attribution_seq=3,
            ),
            MeterElectricity("B", PERIOD, grid_wh=1_000_000, attribution_seq=4),
        ]
    )
    s = split_electricity([("A", 0.5), ("B", 0.25)], PERIOD, recs)
    assert s.total_kwh == pytest.approx(500 + 250)
    assert dict(s.claimable_kwh) == pytest.approx({"wind": 200, "solar": 50, "hydro": 50})
    # unclaimed: grid of A (100) + unclaimed direct of A (100) + grid of B (250)
    assert s.unclaimed_kwh == pytest.approx(450)
    assert s.direct_physical_kwh == pytest.approx(300)
    assert s.claimable_share == pytest.approx(300 / 750)
    assert s.physical_green_share == pytest.approx(300 / 750)  # direct supply only (DESIGN.md section 4)
    assert s.attribution_seqs == (3, 4)
    assert sum(s.claimable_kwh.values()) + s.unclaimed_kwh == pytest.approx(s.total_kwh)


def test_missing_meter_names_meter_period_and_model() -> None:
    with pytest.raises(MissingAttribution) as e:
        split_electricity([("Z", 1.0)], PERIOD, {}, model_id="m-1")
    assert "'Z'" in str(e.value) and "'m-1'" in str(e.value)
    assert e.value.diagnostics()["period"] == str(PERIOD)


def test_from_technology_rows() -> None:
    rows = [
        ("A", "direct", "wind", 600),
        ("A", "claimable_direct", "wind", 400),
        ("A", "certificate", "solar", 100),
        ("A", "direct", "wind", 10),  # a second month adds up
    ]
    recs = from_technology_rows(PERIOD, rows, {"A": 90, "B": 50}, attribution_seq=9)
    a, b = recs
    assert a.meter_id == "A" and dict(a.direct_wh) == {"wind": 610}
    assert dict(a.certificate_wh) == {"solar": 100} and a.grid_wh == 90
    assert a.consumption_wh == 800 and a.attribution_seq == 9
    assert b.consumption_wh == 50 and not b.direct_wh
    with pytest.raises(InvalidAttribution, match="unknown attribution kind"):
        from_technology_rows(PERIOD, [("A", "stolen", "wind", 1)], {"A": 0})
    with pytest.raises(InvalidAttribution, match="no grid_wh"):
        from_technology_rows(PERIOD, [("C", "direct", "wind", 1)], {"A": 0})
