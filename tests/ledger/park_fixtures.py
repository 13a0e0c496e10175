"""A small park with a month of hourly readings, a direct link, a trade and a GEC
retirement, built from ledger entries (on top of ``tests.conftest.setup_energy_park``).

January 2026 in the park's time (Asia/Shanghai: 744 hours from 2026-01-01T00:00+08:00),
every hour unless said otherwise:

- W-1 (wind, G-1) 300 Wh; S-1 (solar, G-1) 600 Wh in local hours 0-11 of each day, else 0;
  W-1's batch starts a day early: 24 hours of 32,400 Wh on 2025-12-31, so December leaves
  777,600 Wh (below 1 MWh: no GEC of its own) that carry into January;
- C-1 (E-1) 400 Wh, C-2 (E-1) 100 Wh, C-3 (E-2) 500 Wh;
- link L-1: W-1 -> C-1, C-2 pro rata: C-1 gets 240, C-2 60 each hour;
- trade T-1: G-1 sells S-1 to E-2 for C-3; 100,000 Wh settled in January, delivered
  500 Wh per sunny hour in time order (the first 200 sunny hours); no GEC bundled, so
  the contracted energy is matched but not claimable;
- GEC 1..1 of W-1 January issued by R-1 to G-1 -- the one whole MWh that January's
  223,200 Wh and December's carried 777,600 Wh make (issuance is capped by metered
  generation); unit 1 transferred to E-1 and retired for C-1's January: claims C-1's
  178,560 Wh direct from W-1 and covers its remaining 119,040 Wh; 702,400 Wh unused.

Hand-computed totals (Wh) are in ``EXPECTED``.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Park, setup_energy_park

MONTH = "2026-01"
HOURS = 744
START = "2026-01-01T00:00:00+08:00"
END = "2026-02-01T00:00:00+08:00"
W1_HISTORY = [32_400] * 24  # W-1 on 2025-12-31 (local), before the month
W1_HISTORY_START = "2025-12-31T00:00:00+08:00"

EXPECTED: dict[str, dict[str, int]] = {
    "C-1": {
        "consumption_wh": 297_600,
        "direct_wh": 178_560,
        "claimable_direct_wh": 178_560,
        "contracted_wh": 0,
        "claimable_contracted_wh": 0,
        "certificate_wh": 119_040,
        "grid_wh": 0,
        "unused_certificate_wh": 702_400,
    },
    "C-2": {
        "consumption_wh": 74_400,
        "direct_wh": 44_640,
        "claimable_direct_wh": 0,
        "contracted_wh": 0,
        "claimable_contracted_wh": 0,
        "certificate_wh": 0,
        "grid_wh": 29_760,
        "unused_certificate_wh": 0,
    },
    "C-3": {
        "consumption_wh": 372_000,
        "direct_wh": 0,
        "claimable_direct_wh": 0,
        "contracted_wh": 100_000,
        "claimable_contracted_wh": 0,
        "certificate_wh": 0,
        "grid_wh": 272_000,
        "unused_certificate_wh": 0,
    },
}


def hourly(meter: str, values: list[int], start: str = START) -> dict[str, Any]:
    """A ``readings.batch`` payload of hourly values."""
    return {"meter": meter, "start": start, "resolution": "PT1H", "values": values}


def profile(meter: str, hours: int = HOURS) -> list[int]:
    """The January profile of ``meter`` (see the module docstring)."""
    if meter == "S-1":
        return [600 if h % 24 < 12 else 0 for h in range(hours)]
    return [{"W-1": 300, "C-1": 400, "C-2": 100, "C-3": 500}[meter]] * hours


def month_batch(meter: str, values: list[int] | None = None) -> dict[str, Any]:
    """The January ``readings.batch`` of ``meter`` (its profile unless ``values``); W-1's starts with
    its 2025-12-31 history."""
    values = profile(meter) if values is None else values
    return hourly(meter, W1_HISTORY + values, W1_HISTORY_START) if meter == "W-1" else hourly(meter, values)


def build_month_park(park: Park, *, readings: bool = True) -> Park:
    """Add the records of the module docstring to a fresh ledger (energy park set up here)."""
    setup_energy_park(park)
    led = park.ledger
    if readings:
        led.append(
            [
                park.sign("readings.batch", owner, month_batch(m))
                for m, owner in (
                    ("C-1", "E-1"),
                    ("C-2", "E-1"),
                    ("C-3", "E-2"),
                    ("W-1", "G-1"),
                    ("S-1", "G-1"),
                )
            ]
        )
    led.append(
        [
            park.sign(
                "supply.direct_link",
                "operator",
                {
                    "id": "L-1",
                    "name": "Wind line",
                    "park": "P-1",
                    "generation_meters": ["W-1"],
                    "consumer_meters": ["C-1", "C-2"],
                    "valid_from": START,
                },
            )
        ]
    )
    led.append(
        [
            park.sign(
                "trade.green_power",
                "G-1",
                {
                    "id": "T-1",
                    "seller": "G-1",
                    "seller_meters": ["S-1"],
                    "buyer": "E-2",
                    "buyer_meters": ["C-3"],
                    "first_month": MONTH,
                    "last_month": MONTH,
                    "mwh": 1,
                },
            )
        ]
    )
    if readings:
        add_trade_and_gec(park)
    return park


def add_trade_and_gec(park: Park) -> None:
    """Settle T-1, issue GEC 1..1 of W-1 and retire unit 1 for C-1 (needs the readings)."""
    park.ledger.append(
        [
            park.sign("trade.settle", "G-1", {"contract": "T-1", "month": MONTH, "wh": 100_000}),
            park.sign(
                "gec.issue",
                "R-1",
                {
                    "first": 1,
                    "last": 1,
                    "mwh": 1,
                    "generator_meter": "W-1",
                    "technology": "wind",
                    "vintage": MONTH,
                },
            ),
            park.sign("gec.transfer", "G-1", {"first": 1, "last": 1, "to": "E-1"}),
            park.sign(
                "gec.retire",
                "E-1",
                {
                    "first": 1,
                    "last": 1,
                    "beneficiary": "E-1",
                    "consumer_meters": ["C-1"],
                    "period_start": START,
                    "period_end": END,
                },
            ),
        ]
    )
