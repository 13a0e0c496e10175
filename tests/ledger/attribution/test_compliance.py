"""绿电直连 compliance per link and year (发改能源〔2025〕650号)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ledger.attribution.compliance import LinkCompliance, link_compliance
from ledger.attribution.engine import attribute_month
from ledger.attribution.records import DirectLink, MonthInputs
from ledger.attribution.totals import link_totals
from ledger.energy.factors import load_factors
from ledger.errors import NotFound, RuleViolation
from tests.ledger.attribution.cases import T1, T2, day, full

TABLE = load_factors()


def year_of(
    link_id: str, year: int, avail: int, self_used: int, users: int, months: int = 12, gaps: int = 0
) -> pd.DataFrame:
    """``months`` equal monthly rows adding up to the given annual totals."""
    rows = [
        {
            "month": f"{year}-{m:02d}",
            "link_id": link_id,
            "hours": 720,
            "available_generation_wh": avail // months,
            "self_consumed_wh": self_used // months,
            "grid_export_wh": (avail - self_used) // months,
            "users_consumption_wh": users // months,
            "generation_gap_hours": gaps if m == 1 else 0,
            "consumption_gap_hours": 0,
        }
        for m in range(1, months + 1)
    ]
    return pd.DataFrame(rows)


def ratios(report: LinkCompliance) -> dict[str, tuple[float | None, bool | None]]:
    return {c.threshold.id: (c.ratio, c.passed) for c in report.checks}


def test_three_ratios_pass_and_fail() -> None:
    # 70 % self-use of generation (>= 60 % pass), 35 % of users' consumption
    # (>= 30 % pass), 30 % exported (<= 20 % fail).
    [r] = link_compliance(year_of("L1", 2025, 12_000, 8_400, 24_000), 2025, TABLE)
    got = ratios(r)
    assert got["self_use_of_generation"] == pytest.approx((0.7, True))
    assert got["self_use_of_consumption"] == pytest.approx((0.35, True))
    assert got["grid_export_of_generation"] == pytest.approx((0.3, False))
    assert r.passed is False and r.complete
    assert all(c.threshold.source == "ndrc-nea-2025-650" for c in r.checks)


def test_thirty_five_percent_from_2030() -> None:
    frame = year_of("L1", 2029, 12_000, 9_600, 30_000)
    [before] = link_compliance(frame, 2029, TABLE)
    assert ratios(before)["self_use_of_consumption"] == pytest.approx((0.32, True))
    [after] = link_compliance(year_of("L1", 2030, 12_000, 9_600, 30_000), 2030, TABLE)
    assert ratios(after)["self_use_of_consumption"] == pytest.approx((0.32, False))


def test_provincial_export_cap_override() -> None:
    frame = year_of("L1", 2025, 12_000, 8_400, 24_000)
    [r] = link_compliance(frame, 2025, TABLE, overrides={"grid_export_of_generation": 0.35})
    assert ratios(r)["grid_export_of_generation"][1] is True
    with pytest.raises(NotFound):
        link_compliance(frame, 2025, TABLE, overrides={"nope": 0.1})


def test_zero_generation_is_undefined_not_pass() -> None:
    [r] = link_compliance(year_of("L1", 2025, 0, 0, 1200), 2025, TABLE)
    assert ratios(r)["self_use_of_generation"] == (None, None)
    assert r.passed is None


def test_incomplete_year_is_flagged() -> None:
    [r] = link_compliance(year_of("L1", 2025, 12_000, 8_400, 24_000, months=6), 2025, TABLE)
    assert not r.complete
    [g] = link_compliance(year_of("L1", 2025, 12_000, 8_400, 24_000, gaps=3), 2025, TABLE)
    assert not g.complete and g.gap_hours == 3
    with pytest.raises(RuleViolation) as e:
        link_compliance(year_of("L1", 2025, 1, 1, 1), 2026, TABLE)
    assert e.value.code == "compliance.no_data"


def test_from_attribution_results() -> None:
    inputs, result = full()
    [r] = link_compliance(link_totals(inputs, result), 2025, TABLE)
    got = ratios(r)
    assert got["self_use_of_generation"][0] == pytest.approx(500 / 900)
    assert got["self_use_of_consumption"][0] == pytest.approx(500 / 820)
    # L1 has no grid_export meter: its export is not measured, never available - self-use (400 / 900)
    export = next(c for c in r.checks if c.threshold.id == "grid_export_of_generation")
    assert (export.ratio, export.passed, export.measured) == (None, None, False)
    assert r.months == ("2025-06",) and not r.complete


def test_grid_export_is_what_the_export_meters_measured() -> None:
    """650号: curtailed energy is not export. G1 makes 900 Wh, gives 500 to the link's users and sells
    100 by trade T2; the export meter measured 150 Wh sent to the grid, the rest was curtailed."""
    link = DirectLink("L1", ("G1",), ("A", "B"), export_ids=("EX",))
    inputs = day([link], [T1, T2], export={"EX": [0, 50, 100, 0]})
    result = attribute_month(inputs)
    totals = link_totals(inputs, result)
    assert totals["grid_export_wh"].tolist() == [150]
    assert result.link_export_wh is not None and result.link_export_wh.tolist() == [150]
    [r] = link_compliance(totals, 2025, TABLE)
    assert ratios(r)["grid_export_of_generation"] == pytest.approx((150 / 900, True))
    missing = np.zeros((1, inputs.n_hours), dtype=np.bool_)
    missing[0, 1] = True  # an export hour without readings counts 0 and is a gap, never a guess
    gappy = MonthInputs.build(
        inputs.month,
        inputs.consumer_ids,
        inputs.consumption,
        inputs.generator_ids,
        inputs.technologies,
        inputs.generation,
        inputs.links,
        inputs.trades,
        export_ids=inputs.export_ids,
        export=inputs.export,
        export_missing=missing,
    )
    g = link_totals(gappy, attribute_month(gappy))
    assert g["grid_export_wh"].tolist() == [100] and g["export_gap_hours"].tolist() == [1]
