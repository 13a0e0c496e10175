"""The claims law and the physical law (DESIGN.md section 4) as properties over random small parks.

Each example builds a park from ledger entries over the park's January and February 2026
(Asia/Shanghai): random hourly readings, maybe a 绿电直连 link, maybe a 绿电交易 trade settled
each month with bundled GEC, every GEC the metering allows, then random transfers and
retirements of held units (some refused: a refusal names its rule and changes nothing). A
park-scope run of both months must then satisfy:

- **claims**: for every (generator, production month), the claimable Wh its retired units back
  (direct and contracted energy made claimable, consumption covered) never exceed those units
  x 1 MWh; every claimable Wh of a meter comes from a retirement; no unit is retired twice and
  a retirement backs consumption of one month only (its consumption period's);
- **physical**: in every hour a generator gives no more than it generated.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.attribution.runner import run_attribution
from ledger.attribution.store import read_generator_hours, read_table
from ledger.energy.gec import GecIssueRow, GecRetirementRow, holdings
from ledger.energy.periods import month_of
from ledger.errors import LedgerError
from ledger.log.keys import generate_key, public_key_b64
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url
from tests.conftest import Park, setup_energy_park
from tests.ledger.energy_helpers import state

MONTHS = ("2026-01", "2026-02")
HOURS = (744, 672)
START = "2026-01-01T00:00:00+08:00"
BOUNDS = {
    "2026-01": ("2026-01-01T00:00:00+08:00", "2026-02-01T00:00:00+08:00"),
    "2026-02": ("2026-02-01T00:00:00+08:00", "2026-03-01T00:00:00+08:00"),
}
MWH = 1_000_000
OWNERS = {"C-1": "E-1", "C-2": "E-1", "C-3": "E-2", "W-1": "G-1", "S-1": "G-1", "W-2": "G-2"}
CONSUMERS = {"E-1": ("C-1", "C-2"), "E-2": ("C-3",)}
ACTORS = ("G-1", "G-2", "E-1", "E-2")


def _series(day: list[int], hours: int) -> list[int]:
    return [day[h % 24] * (1 + (h // 24) % 3) for h in range(hours)]


@st.composite
def _parks(draw: st.DrawFn) -> dict[str, Any]:
    day = st.lists(st.integers(0, 4).map(lambda x: 3_000 * x), min_size=24, max_size=24)
    return {
        "days": {m: draw(day) for m in OWNERS},
        "link": draw(
            st.sampled_from([None, ("C-1",), ("C-1", "C-2"), ("C-2", "C-3"), ("C-1", "C-2", "C-3")])
        ),
        "key": draw(st.sampled_from(["pro_rata", "priority"])),
        "buyer": draw(st.sampled_from([None, "E-1", "E-2"])),
        "settle": draw(st.lists(st.floats(0.1, 1.0), min_size=2, max_size=2)),
        "bundle": draw(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2)),
        "ops": draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["transfer", "retire", "retire", "retire"]),
                    st.integers(0, 3),  # actor
                    st.integers(0, 50),  # range pick
                    st.integers(1, 6),  # units
                    st.integers(0, 3),  # recipient / beneficiary
                    st.integers(0, 2),  # meters pick
                    st.sampled_from(MONTHS),  # consumption month
                ),
                min_size=2,
                max_size=12,
            )
        ),
    }


def _park(tmp: pytest.TempPathFactory) -> Park:
    operator = generate_key()
    db = Database(sqlite_url(tmp.mktemp("law") / "t.db"))
    park = setup_energy_park(
        Park(Ledger.create(db, operator, origin="test.tanji/law"), {"operator": operator})
    )
    key = generate_key()
    park.keys["G-2"] = key
    park.ledger.append(
        [
            park.sign(
                "actor.register",
                "operator",
                {
                    "id": "G-2",
                    "name": "G-2",
                    "role": "generator",
                    "public_key": public_key_b64(key.public_key()),
                },
            ),
            park.sign(
                "meter.register",
                "operator",
                {"id": "W-2", "owner": "G-2", "park": "P-1", "kind": "generation", "technology": "wind"},
            ),
        ]
    )
    return park


def _build(park: Park, spec: dict[str, Any]) -> None:
    led = park.ledger
    values = {m: _series(d, sum(HOURS)) for m, d in spec["days"].items()}
    led.append(
        [
            park.sign(
                "readings.batch", OWNERS[m], {"meter": m, "start": START, "resolution": "PT1H", "values": v}
            )
            for m, v in values.items()
        ]
    )
    if spec["link"]:
        led.append(
            [
                park.sign(
                    "supply.direct_link",
                    "operator",
                    {
                        "id": "L-1",
                        "name": "line",
                        "park": "P-1",
                        "generation_meters": ["W-1"],
                        "consumer_meters": list(spec["link"]),
                        "valid_from": START,
                        "key": spec["key"],
                    },
                )
            ]
        )
    # every GEC the metering allows, month by month (the remainder carried), and not one more
    serial, carried, first_w2 = 1, dict.fromkeys(("W-1", "S-1", "W-2"), 0), {}
    for i, month in enumerate(MONTHS):
        lo = sum(HOURS[:i])
        for g in ("W-1", "S-1", "W-2"):
            gen = sum(values[g][lo : lo + HOURS[i]]) + carried[g]
            units = gen // MWH
            carried[g] = min(gen - units * MWH, MWH - 1)
            issue = {
                "generator_meter": g,
                "technology": "solar" if g == "S-1" else "wind",
                "vintage": month,
            }
            if units:
                led.append(
                    [
                        park.sign(
                            "gec.issue",
                            "R-1",
                            {"first": serial, "last": serial + units - 1, "mwh": units, **issue},
                        )
                    ]
                )
                if g == "W-2":
                    first_w2[month] = (serial, units)
            over = {"first": serial + units, "last": serial + units, "mwh": 1, **issue}
            before = state(led)
            with pytest.raises(LedgerError) as e:
                led.append([park.sign("gec.issue", "R-1", over)])
            assert e.value.code == "gec.exceeds_generation" and state(led) == before
            serial += units
    if spec["buyer"]:
        buyer = spec["buyer"]
        led.append(
            [
                park.sign(
                    "trade.green_power",
                    "G-2",
                    {
                        "id": "T-1",
                        "seller": "G-2",
                        "seller_meters": ["W-2"],
                        "buyer": buyer,
                        "buyer_meters": list(CONSUMERS[buyer]),
                        "first_month": MONTHS[0],
                        "last_month": MONTHS[-1],
                        "mwh": 10**6,
                    },
                )
            ]
        )
        for i, month in enumerate(MONTHS):
            lo = sum(HOURS[:i])
            wh = int(sum(values["W-2"][lo : lo + HOURS[i]]) * spec["settle"][i])
            settle: dict[str, Any] = {"contract": "T-1", "month": month, "wh": wh}
            first, units = first_w2.get(month, (0, 0))
            k = min(units, wh // MWH, int(units * spec["bundle"][i]))
            if k:
                settle |= {"gec_first": first, "gec_last": first + k - 1}
            if wh:
                led.append([park.sign("trade.settle", "G-2", settle)])


def _ops(park: Park, spec: dict[str, Any]) -> None:
    led = park.ledger
    for step, (kind, who, pick, n, other, meters_pick, month) in enumerate(spec["ops"]):
        with led.db.read_session() as s:
            holders = {a: held for a in ACTORS if (held := holdings(s, a))}
        if not holders:
            break
        actor = sorted(holders)[who % len(holders)]
        held = holders[actor]
        a, b = held[pick % len(held)]
        first, last = a, min(b, a + n - 1)
        if kind == "transfer":
            payload: dict[str, Any] = {"first": first, "last": last, "to": ACTORS[other]}
        else:
            beneficiary = ("E-1", "E-2")[other % 2]
            mine = CONSUMERS[beneficiary]
            meters = list(mine[: 1 + meters_pick % len(mine)])
            start, end = BOUNDS[month]
            payload = {
                "first": first,
                "last": last,
                "beneficiary": beneficiary,
                "consumer_meters": meters,
                "period_start": start,
                "period_end": end,
            }
        sub = park.sign(f"gec.{kind}", actor, payload, client_id=f"op-{step}")
        before = state(led)
        try:
            led.append([sub])
        except LedgerError as e:  # a refusal names its rule and changes nothing
            assert e.code in ("gec.self_transfer", "gec.period_before_production"), e
            assert state(led) == before


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=_parks())
def test_claims_and_physical_laws(tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]) -> None:
    park = _park(tmp_path_factory)
    _build(park, spec)
    _ops(park, spec)
    run = run_attribution(park.ledger, "operator", park.keys["operator"], MONTHS, park="P-1")
    with park.ledger.db.read_session() as s:
        meters = read_table(s, "meters", run.seq)
        certs = read_table(s, "certificates", run.seq)
        vintage = dict(s.execute(select(GecIssueRow.issue_seq, GecIssueRow.vintage)).all())
        generator = dict(s.execute(select(GecIssueRow.issue_seq, GecIssueRow.generator_meter)).all())
        retired = s.execute(
            select(
                GecRetirementRow.retire_seq,
                GecRetirementRow.first,
                GecRetirementRow.last,
                GecRetirementRow.issue_seq,
                GecRetirementRow.period_start,
            )
        ).all()
        hours = {g: read_generator_hours(s, run.seq, g) for g in ("W-1", "S-1", "W-2")}
    event(f"retirements: {min(len({r for r, *_ in retired}), 3)}+")
    event(f"claimable contracted: {int(meters['claimable_contracted_wh'].sum()) > 0}")
    event(f"claimable direct: {int(meters['claimable_direct_wh'].sum()) > 0}")
    # no unit is retired twice
    units = [u for _r, a, b, _i, _p in retired for u in range(a, b + 1)]
    assert len(units) == len(set(units))
    # Σ claimable Wh per (generator, production month) <= retired units x 1 MWh
    backed: dict[tuple[str, str], int] = defaultdict(int)
    for _r, a, b, issue_seq, _p in retired:
        backed[(generator[issue_seq], vintage[issue_seq])] += (b - a + 1) * MWH
    claimed: dict[tuple[str, str], int] = defaultdict(int)
    for row in certs.to_dict(orient="records"):
        issue_seq = int(str(row["retirement_id"]).split("/")[1])
        claimed[(generator[issue_seq], vintage[issue_seq])] += (
            int(row["claimed_direct_wh"]) + int(row["claimed_contracted_wh"]) + int(row["covered_wh"])
        )
        assert int(row["unused_wh"]) >= 0
    for key, wh in claimed.items():
        assert wh <= backed[key], (key, wh, backed[key])
    # a retirement backs one consumer-month: the month of its consumption period, and only there
    month_of_retirement = {int(r): month_of(p) for r, _a, _b, _i, p in retired}
    for rid, group in certs.groupby("retirement_id"):
        assert len(group) == 1, rid
        assert group["month"].iloc[0] == month_of_retirement[int(str(rid).split("/")[0])]
    # every claimable Wh of a meter comes from a retirement; nothing claims more than it consumed
    claimable = meters["claimable_direct_wh"] + meters["claimable_contracted_wh"] + meters["certificate_wh"]
    assert int(claimable.sum()) == sum(claimed.values())
    assert (claimable <= meters["consumption_wh"]).all()
    assert (meters["claimable_contracted_wh"] <= meters["contracted_wh"]).all()
    assert (meters["claimable_direct_wh"] <= meters["direct_wh"]).all()
    # the physical law: hour by hour, no generator gives more than it generated
    for frame in hours.values():
        assert (frame["direct"] + frame["contracted"] <= frame["generation"]).all()
    park.ledger.db.dispose()
