"""The one grid factor table (issue 13, point 8): values with sources, the year rule, one definition."""

from __future__ import annotations

import pytest

from ledger import FactorTable, grid_factors, load_factors
from ledger.errors import NotFound, RuleViolation

MEE_2022 = "mee-nbs-2024-12-20"
MEE_2023 = "mee-nbs-2023-factors"


def _average(region: str, year: int) -> float | None:
    (f,) = [f for f in load_factors().grid_average if (f.region, f.year) == (region, year)]
    return f.value


@pytest.mark.parametrize(
    ("region", "year", "value", "source"),
    [
        ("CN", 2022, 0.5366, MEE_2022),
        ("CN-NM", 2022, 0.6849, MEE_2022),
        ("CN-R-NORTH", 2022, 0.6776, MEE_2022),
        ("CN", 2023, 0.5306, MEE_2023),
        ("CN-R-NORTH", 2023, 0.6361, MEE_2023),
        ("CN-R-NORTHEAST", 2023, 0.5122, MEE_2023),
        ("CN-R-EAST", 2023, 0.5500, MEE_2023),
        ("CN-R-CENTRAL", 2023, 0.5271, MEE_2023),
        ("CN-R-NORTHWEST", 2023, 0.5543, MEE_2023),
        ("CN-R-SOUTH", 2023, 0.4042, MEE_2023),
        ("CN-R-SOUTHWEST", 2023, 0.2472, MEE_2023),
    ],
)
def test_published_averages_with_their_source(region: str, year: int, value: float, source: str) -> None:
    f = load_factors().grid_factor(region, year, latest_before=False)
    assert (f.value, f.source, f.status) == (value, source, "confirmed")


def test_2023_national_residual_and_fossil_factors() -> None:
    t = load_factors()
    assert t.residual_factor("CN", 2023, latest_before=False).value == 0.6096
    (fossil,) = [f for f in t.fossil if f.year == 2023]
    assert (fossil.value, fossil.source) == (0.8273, MEE_2023)


def test_2023_changes_agree_with_the_reported_percentages() -> None:
    """The press report gives each region's change from 2022; the two years of the file agree with it."""
    reported = {
        "CN": -1.1,
        "CN-R-NORTH": -6.1,
        "CN-R-NORTHEAST": -8.0,
        "CN-R-EAST": -2.1,
        "CN-R-CENTRAL": -2.3,
        "CN-R-NORTHWEST": -5.4,
        "CN-R-SOUTH": 4.5,
        "CN-R-SOUTHWEST": 9.0,
    }
    for region, pct in reported.items():
        old, new = _average(region, 2022), _average(region, 2023)
        assert old is not None and new is not None
        assert round(100 * (new - old) / old, 1) == pytest.approx(pct, abs=0.11), region  # rounded inputs


def test_unconfirmed_values_are_marked_not_invented() -> None:
    t = load_factors()
    (nm23,) = [f for f in t.grid_average if (f.region, f.year) == ("CN-NM", 2023)]
    assert nm23.value is None and nm23.status == "unverified" and nm23.source == MEE_2023
    for f in (*t.grid_average, *t.residual_published, *t.fossil):
        assert f.source in t.sources, f
        if f.status == "confirmed":
            assert f.value is not None and f.note, f
            assert "checked_via" in t.sources[f.source] or "新京报" in f.note, f


def test_the_year_is_the_periods_else_the_latest_published_and_outputs_say_so() -> None:
    assert grid_factors("CN", 2022).location.year == 2022
    cn = grid_factors("CN", 2025)
    assert (cn.location.year, cn.location.value, cn.residual.value) == (2023, 0.5306, 0.6096)
    assert any("2023's is used" in n for n in cn.notes)
    nm = grid_factors("CN-NM", 2026)
    assert (nm.region, nm.year, nm.location.region, nm.location.year, nm.location.value) == (
        "CN-NM",
        2026,
        "CN-NM",
        2022,
        0.6849,
    )
    assert nm.residual.status == "derived" and nm.residual.value == round(0.6849 * 0.5856 / 0.5366, 4)
    assert any("CN-NM 2023 is published" in n and "not shipped" in n for n in nm.notes)
    doc = nm.to_json()
    assert doc["location"]["year"] == 2022 and doc["year"] == 2026 and doc["region"] == "CN-NM"
    assert "CN-NM 2022" in nm.describe()


def test_bad_questions_are_named_errors() -> None:
    with pytest.raises(RuleViolation) as e:
        grid_factors("CN", 1899)
    assert e.value.code == "factors.bad_year"
    with pytest.raises(RuleViolation) as e:
        grid_factors("", 2025)
    assert e.value.code == "factors.bad_region"
    with pytest.raises(NotFound) as e2:
        grid_factors("CN-NM", 2021)  # 2021's provincial value is not shipped, and nothing is older
    assert e2.value.code == "factors.not_found"


def test_the_shipped_table_is_parsed_once() -> None:
    assert load_factors() is load_factors()
    assert isinstance(load_factors(), FactorTable)
