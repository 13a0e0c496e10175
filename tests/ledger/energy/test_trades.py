"""Green-power trades: contract rules, settlement limits (contract, metered generation), bundled GEC."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.energy.gec import holdings, retirements_for_month
from ledger.energy.trades import settlements_for_month
from ledger.errors import LedgerError
from tests.conftest import Park
from tests.ledger.energy_helpers import JANUARY, JANUARY_HOURS, batch, issue, retire, state


def contract(**extra: Any) -> dict[str, Any]:
    """Contract T-1: G-1 sells W-1's output to E-1's C-1, Jan-Feb 2026, 100 MWh."""
    return {
        "id": "T-1",
        "seller": "G-1",
        "seller_meters": ["W-1"],
        "buyer": "E-1",
        "buyer_meters": ["C-1"],
        "first_month": "2026-01",
        "last_month": "2026-02",
        "mwh": 100,
        **extra,
    }


def _trading_park(make_energy_park: Callable[[], Park]) -> Park:
    """W-1 generates 2 MWh an hour for the first 24 hours of the park's January (48 MWh) and nothing
    after; S-1 1 MWh an hour (24 MWh). GEC 1..48 of W-1's January are issued."""
    park = make_energy_park()
    rest = [0] * (JANUARY_HOURS - 24)
    park.ledger.append(
        [
            park.sign(
                "readings.batch",
                "G-1",
                batch("W-1", start=JANUARY, resolution="PT1H", values=[2_000_000] * 24 + rest),
            ),
            park.sign(
                "readings.batch",
                "G-1",
                batch("S-1", start=JANUARY, resolution="PT1H", values=[1_000_000] * 24 + rest),
            ),
            park.sign("gec.issue", "R-1", issue(1, 48)),
            park.sign("trade.green_power", "G-1", contract()),
        ]
    )
    return park


def test_settle_moves_bundled_gec(make_energy_park: Callable[[], Park]) -> None:
    park = _trading_park(make_energy_park)
    park.ledger.append(
        [
            park.sign(
                "trade.settle",
                "G-1",
                {"contract": "T-1", "month": "2026-01", "wh": 30_000_000, "gec_first": 1, "gec_last": 30},
            )
        ]
    )
    with park.ledger.db.read_session() as s:
        [tm] = settlements_for_month(s, "2026-01")
        assert (tm.contract_id, tm.volume_wh, tm.seller_meter_ids, tm.buyer_meter_ids) == (
            "T-1",
            30_000_000,
            ("W-1",),
            ("C-1",),
        )
        assert settlements_for_month(s, "2026-02") == []
        assert holdings(s, "E-1") == [(1, 30)]
    park.ledger.append([park.sign("gec.retire", "E-1", retire(1, 30))])
    with park.ledger.db.read_session() as s:
        [r] = retirements_for_month(s, "2026-01")
        assert r.bundled_with_trade == "T-1" and r.units == 30


def test_bundled_gec_are_the_sellers_of_the_month(make_energy_park: Callable[[], Park]) -> None:
    """A settlement of January bundles GEC of the seller meters produced in January, nothing else."""
    park = _trading_park(make_energy_park)
    park.ledger.append([park.sign("gec.issue", "R-1", issue(101, 110, meter="S-1", technology="solar"))])
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append(
            [
                park.sign(
                    "trade.settle",
                    "G-1",
                    {
                        "contract": "T-1",
                        "month": "2026-01",
                        "wh": 10_000_000,
                        "gec_first": 101,
                        "gec_last": 110,
                    },
                )
            ]
        )
    assert e.value.code == "trade.gec_mismatch" and e.value.details["month"] == "2026-01"
    assert state(park.ledger) == before


@pytest.mark.parametrize(
    ("actor", "payload", "code"),
    [
        ("G-1", {"contract": "T-1", "month": "2026-01", "wh": 48_000_001}, "trade.exceeds_generation"),
        ("G-1", {"contract": "T-1", "month": "2026-03", "wh": 1}, "trade.month_outside"),
        ("G-1", {"contract": "T-9", "month": "2026-01", "wh": 1}, "trade.unknown"),
        ("E-2", {"contract": "T-1", "month": "2026-01", "wh": 1}, "trade.not_authorised"),
        (
            "G-1",
            {"contract": "T-1", "month": "2026-02", "wh": 1},
            "trade.exceeds_generation",
        ),  # no February data
        (
            "G-1",
            {"contract": "T-1", "month": "2026-01", "wh": 5_000_000, "gec_first": 1, "gec_last": 6},
            "trade.gec_exceeds_settlement",
        ),
        (
            "G-1",
            {"contract": "T-1", "month": "2026-01", "wh": 5_000_000, "gec_first": 60, "gec_last": 61},
            "gec.range_unknown",
        ),
        ("G-1", {"contract": "T-1", "month": "2026-01", "wh": 5_000_000, "gec_first": 1}, "trade.gec_range"),
    ],
)
def test_settle_rules(
    make_energy_park: Callable[[], Park], actor: str, payload: dict[str, Any], code: str
) -> None:
    park = _trading_park(make_energy_park)
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("trade.settle", actor, payload)])
    assert e.value.code == code, e.value
    assert state(park.ledger) == before


def test_settlements_cannot_exceed_contract(make_energy_park: Callable[[], Park]) -> None:
    park = _trading_park(make_energy_park)
    park.ledger.append(
        [park.sign("trade.green_power", "G-1", contract(id="T-2", mwh=10, seller_meters=["S-1"]))]
    )
    park.ledger.append(
        [park.sign("trade.settle", "G-1", {"contract": "T-2", "month": "2026-01", "wh": 10_000_000})]
    )
    with pytest.raises(LedgerError) as e:
        park.ledger.append(
            [park.sign("trade.settle", "G-1", {"contract": "T-2", "month": "2026-01", "wh": 1})]
        )
    assert e.value.code == "trade.exceeds_contract"
    # the seller's total in a month stays within all its generation (48 + 24 MWh), across contracts
    park.ledger.append(
        [park.sign("trade.settle", "G-1", {"contract": "T-1", "month": "2026-01", "wh": 48_000_000})]
    )
    park.ledger.append(
        [park.sign("trade.green_power", "G-1", contract(id="T-3", seller_meters=["W-1", "S-1"]))]
    )
    with pytest.raises(LedgerError) as e:
        park.ledger.append(
            [park.sign("trade.settle", "G-1", {"contract": "T-3", "month": "2026-01", "wh": 14_000_001})]
        )
    assert e.value.code == "trade.exceeds_generation"
    park.ledger.append(
        [park.sign("trade.settle", "G-1", {"contract": "T-3", "month": "2026-01", "wh": 14_000_000})]
    )


@pytest.mark.parametrize(
    ("actor", "payload", "code"),
    [
        ("G-1", contract(id="T-1", mwh=5), "trade.exists"),
        ("G-1", contract(id="T-2", seller_meters=["C-1"]), "meter.wrong_kind"),
        ("G-1", contract(id="T-2", buyer_meters=["C-3"]), "trade.meter_owner"),
        ("E-2", contract(id="T-2"), "trade.not_authorised"),
        ("G-1", contract(id="T-2", first_month="2026-03"), "trade.period_invalid"),
        ("G-1", contract(id="T-2", buyer="ghost"), "actor.unknown"),
    ],
)
def test_contract_rules(
    make_energy_park: Callable[[], Park], actor: str, payload: dict[str, Any], code: str
) -> None:
    park = _trading_park(make_energy_park)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("trade.green_power", actor, payload)])
    assert e.value.code == code, e.value
