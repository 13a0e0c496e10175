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
        keys = (
            "consumption_wh",
            "direct_wh",
            "claimable_direct_wh",
            "contracted_wh",
            "certificate_wh",
            "grid_wh",
        )
        return ElectricityYear(**{k: sum(r[k] for r in rows) for k in keys}, source=source)

    assert by_enterprise == {"E-1": year(c1, c2), "E-2": year(c3)}
    assert f"attribution.run seq {run.seq}" in source and "sub-meters C-2" in source
    el = report.account.electricity
    assert el is not None and report.electricity_source == source
    assert el.claimable_green_wh == 178_560 + 119_040 + 100_000
    # Unclaimed: C-2's grid 29,760 and unclaimable direct 44,640, C-3's grid 272,000.
    assert el.unclaimed_wh == 346_400
    grid = report.account.grid_factor
    assert grid is not None and grid.value == D("0.5856")
    assert report.account.electricity_t == D(346_400) * D("0.5856") / 1_000_000
    # 744,000 Wh at the 2022 equivalent value 0.3007 kgce/kWh (the latest published before 2026).
    assert report.account.electricity_tce == D(744_000) * D("0.3007") / 1_000_000
    assert report.record_seqs and report.to_json()["electricity"]["claimable_green_wh"] == 397_600
