"""Shared attribution test data: one hand-computed day of June 2025, and
random small months for the property tests (``hypothesis``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray

from ledger.attribution.engine import attribute_month
from ledger.attribution.records import AllocationKey, DirectLink, MonthInputs, Retirement, Trade
from ledger.attribution.result import MonthResult
from ledger.energy.periods import month_hours

LOCAL = ZoneInfo("Asia/Shanghai")  # the default park time zone
MONTH = "2025-06"
H = month_hours(MONTH)  # 720
MWH = 1_000_000

# One day of hand-computed data (hours 0-3; the rest of June is zero).
DAY_C = {"A": [100, 100, 50, 40], "B": [200, 200, 50, 80], "C": [300, 0, 100, 50]}
DAY_G = {"G1": [300, 100, 500, 0], "G2": [200, 100, 100, 100]}
TECH = {"G1": "wind", "G2": "solar"}


def rows(values: dict[str, list[int]], order: list[str]) -> np.ndarray:
    out = np.zeros((len(order), H), dtype=np.int64)
    for i, name in enumerate(order):
        out[i, : len(values[name])] = values[name]
    return out


def day(
    links: Sequence[DirectLink] = (),
    trades: Sequence[Trade] = (),
    retirements: Sequence[Retirement] = (),
    meters: list[str] | None = None,
    gens: list[str] | None = None,
    *,
    consumption_missing: NDArray[np.bool_] | None = None,
    generation_missing: NDArray[np.bool_] | None = None,
    meter_owners: Mapping[str, str] | None = None,
    export: dict[str, list[int]] | None = None,
) -> MonthInputs:
    meters = meters or ["A", "B", "C"]
    gens = gens or ["G1", "G2"]
    export = export or {}
    return MonthInputs.build(
        MONTH,
        meters,
        rows(DAY_C, meters),
        gens,
        [TECH[g] for g in gens],
        rows(DAY_G, gens),
        links,
        trades,
        retirements,
        consumption_missing=consumption_missing,
        generation_missing=generation_missing,
        meter_owners=meter_owners,
        export_ids=sorted(export),
        export=rows(export, sorted(export)),
    )


def first4(a: NDArray[np.int64]) -> list[list[int]]:
    hours: list[list[int]] = a[:, :4].tolist()
    return hours


L1 = DirectLink("L1", ("G1",), ("A", "B"))
T1 = Trade("T1", ("G2",), ("B", "C"), MONTH, 250)
T2 = Trade("T2", ("G1",), ("C",), MONTH, 1000)
R1 = Retirement("R1", 1, "E1", ("A",), MONTH, "G1", "wind")
R2 = Retirement("R2", 1, "E1", ("B", "C"), MONTH, "G2", "solar")


def full() -> tuple[MonthInputs, MonthResult]:
    inputs = day([L1], [T1, T2], [R1, R2])
    return inputs, attribute_month(inputs)


def mutated(result: MonthResult, name: str, m: int, h: int, delta: int) -> MonthResult:
    arr = np.array(getattr(result, name))
    arr[m, h] += delta
    changes: dict[str, Any] = {name: arr}
    return dataclasses.replace(result, **changes)


# ------------------------------------------------------------------ random months

PH = month_hours("2025-02")  # 672
KEYS: tuple[AllocationKey, ...] = ("pro_rata", "static_shares", "priority")


@st.composite
def random_inputs(draw: st.DrawFn) -> MonthInputs:
    """Random small months: up to 5 meters, 4 generators, links of every key,
    trades and retirements (some of remote generators), sparse and tied values."""
    n_m = draw(st.integers(1, 5))
    n_g = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([3, 100, 3_000_000, 2**31 - 1]))
    active = draw(st.integers(1, 30))
    meters = [f"M{i}" for i in range(n_m)]
    gens = [f"G{i}" for i in range(n_g)]
    c = np.zeros((n_m, PH), dtype=np.int64)
    g = np.zeros((n_g, PH), dtype=np.int64)
    c[:, :active] = rng.integers(0, scale, (n_m, active)) * (rng.random((n_m, active)) < 0.8)
    g[:, :active] = rng.integers(0, min(2 * scale, 2**31), (n_g, active)) * (rng.random((n_g, active)) < 0.7)
    free = list(rng.permutation(gens))
    links = []
    for i in range(draw(st.integers(0, 2))):
        if not free:
            break
        take = [str(free.pop()) for _ in range(int(rng.integers(1, len(free) + 1)))]
        cons = [meters[j] for j in rng.choice(n_m, int(rng.integers(1, n_m + 1)), replace=False)]
        key = draw(st.sampled_from(KEYS))
        shares = None
        if key == "static_shares":
            raw = rng.integers(0, 10, len(cons))
            shares = tuple(int(x) * 1_000_000 // max(int(raw.sum()), 10) for x in raw)
        start = datetime(2025, 2, 1, int(rng.integers(0, 3)), tzinfo=LOCAL) if i else None
        links.append(DirectLink(f"L{i}", tuple(take), tuple(cons), key, shares, start))
    trades = []
    for i in range(draw(st.integers(0, 3))):
        sellers = [gens[j] for j in rng.choice(n_g, int(rng.integers(1, n_g + 1)), replace=False)]
        buyers = [meters[j] for j in rng.choice(n_m, int(rng.integers(1, n_m + 1)), replace=False)]
        trades.append(
            Trade(
                f"T{i}",
                tuple(sellers),
                tuple(buyers),
                "2025-02",
                int(rng.integers(0, scale * active + 1)),
            )
        )
    rets = []
    for i in range(draw(st.integers(0, 3))):
        buyers = [meters[j] for j in rng.choice(n_m, int(rng.integers(1, n_m + 1)), replace=False)]
        gen = str(rng.choice([*gens, "GX"]))
        rets.append(
            Retirement(
                f"R{i}",
                int(rng.integers(0, 4 + 2 * scale * active // MWH)),
                "E",
                tuple(buyers),
                draw(st.sampled_from(["2025-02", "2025-02", "2025-01"])),
                gen,
                "wind",
                bundled_with_trade="T0" if draw(st.booleans()) and i == 2 else None,
            )
        )
    return MonthInputs.build("2025-02", meters, c, gens, ["wind"] * n_g, g, links, trades, rets)


def permuted(inputs: MonthInputs, seed: int) -> MonthInputs:
    rng = np.random.default_rng(seed)
    pm = rng.permutation(len(inputs.consumer_ids))
    pg = rng.permutation(len(inputs.generator_ids))
    return MonthInputs.build(
        inputs.month,
        [inputs.consumer_ids[i] for i in pm],
        inputs.consumption[pm],
        [inputs.generator_ids[i] for i in pg],
        [inputs.technologies[i] for i in pg],
        inputs.generation[pg],
        list(reversed(inputs.links)),
        list(reversed(inputs.trades)),
        list(reversed(inputs.retirements)),
    )
