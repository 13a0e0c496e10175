"""The park report from a recorded attribution run (the hand-computed January park of ``park_fixtures``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ledger.attribution.runner import run_attribution
from park.accounting import ElectricityYear
from park.report import build_park_report, electricity_from_attribution, park_run_for_year
from tests.conftest import Park
from tests.ledger.park_fixtures import EXPECTED, build_month_park

D = Decimal


def test_report_uses_the_parks_attribution_run(make_park: Callable[[], Park]) -> None:
    park = build_month_park(make_park())
    park.ledger.append(
        [
            park.sign(
                "park.fuel_use",
                "E-1",
                {
                    "park": "P-1",
                    "enterprise": "E-1",
                    "year": 2026,
                    "fuel": "diesel",
                    "quantity": "1",
                    "unit": "t",
                },
            )
        ]
    )
    with park.ledger.db.read_session() as s:
        assert park_run_for_year(s, "P-1", 2026) is None
        readings_only = build_park_report(s, "P-1", 2026)
    assert readings_only.electricity_source.startswith("readings")
    assert readings_only.account.electricity is not None
    assert readings_only.account.electricity.claimable_green_wh == 0

    run = run_attribution(
        park.ledger, "operator", park.keys["operator"], "2026-01..2026-12", park="P-1", on_missing="gap"
    )
    with park.ledger.db.read_session() as s:
        assert park_run_for_year(s, "P-1", 2026) == run.seq
        assert park_run_for_year(s, "P-1", 2025) is None
        got = electricity_from_attribution(s, "P-1", 2026)
        report = build_park_report(s, "P-1", 2026)
    assert got is not None
    by_enterprise, source = got
    c1, c2, c3 = EXPECTED["C-1"], EXPECTED["C-2"], EXPECTED["C-3"]

    def year(*rows: dict[str, int]) -> ElectricityYear:
        keys = ("consumption_wh", "direct_wh", "claimable_direct_wh", "certificate_wh")
        sums = {k: sum(r[k] for r in rows) for k in keys}
        # contracted energy is claimed only where its GEC were retired for the meter; the rest is
        # grid-delivered energy without its green attribute
        claimed = sum(r["claimable_contracted_wh"] for r in rows)
        grid = sum(r["grid_wh"] + r["contracted_wh"] - r["claimable_contracted_wh"] for r in rows)
        return ElectricityYear(**sums, contracted_wh=claimed, grid_wh=grid, source=source)

    assert by_enterprise == {"E-1": year(c1, c2), "E-2": year(c3)}
    assert f"attribution.run seq {run.seq}" in source and "sub-meters" not in source
    el = report.account.electricity
    assert el is not None and report.electricity_source == source
    # T-1 bundles no GEC, so C-3's 100,000 Wh contracted are matched but not claimable
    assert el.claimable_green_wh == 178_560 + 119_040
    # Unclaimed: C-2's grid 29,760 and unclaimable direct 44,640, C-3's grid 272,000 and its
    # unclaimable contracted 100,000.
    assert el.unclaimed_wh == 446_400
    grid = report.account.grid_factor
    # the latest published national residual for 2026: MEE/NBS 2023, 0.6096 (the ledger's one table)
    assert grid is not None and (grid.value, grid.year, grid.for_year) == (D("0.6096"), 2023, 2026)
    assert report.account.electricity_t == D(446_400) * D("0.6096") / 1_000_000
    assert report.to_json()["electricity"]["grid_factor"]["for_year"] == 2026
    # 744,000 Wh at the 2022 equivalent value 0.3007 kgce/kWh (the latest published before 2026).
    assert report.account.electricity_tce == D(744_000) * D("0.3007") / 1_000_000
    assert report.record_seqs and report.to_json()["electricity"]["claimable_green_wh"] == 297_600


def test_report_shows_other_gases_beside_the_co2_only_indicator(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    base = {"park": "P-1", "enterprise": "E-1", "year": 2026, "process": "electrolysis"}
    park.ledger.append(
        [
            park.sign("park.process_emission", "E-1", {**base, "gas": "CO2", "tco2e": "1000"}),
            park.sign("park.process_emission", "E-1", {**base, "gas": "PFCs", "tco2e": "54"}),
        ]
    )
    el = {"E-1": ElectricityYear(10**9, grid_wh=10**9)}  # 1,000 MWh of grid electricity
    with park.ledger.db.read_session() as s:
        report = build_park_report(s, "P-1", 2026, electricity=el)
    doc = report.to_json()
    grid_t = D(10**9) * D("0.6096") / 1_000_000
    assert doc["emissions_t"]["processes"] == "1000.000"
    assert D(doc["emissions_t"]["net"]) == (D(1000) + grid_t).quantize(D("0.001"))
    assert doc["other_gases_t_co2e"]["by_gas"] == {"PFCs": "54.000"}
    assert doc["other_gases_t_co2e"]["total"] == "54.000"
    assert report.core.value == (D(1000) + grid_t) / report.account.energy_tce
    assert doc["by_enterprise"][0]["other_gases_t_co2e"] == "54.000"
