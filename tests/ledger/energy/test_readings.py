"""Interval readings: batch rules, corrections, and the hourly matrix against a naive oracle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import cast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.energy.readings import energy_wh, hourly_matrix, last_reading_end
from ledger.errors import LedgerError
from tests.conftest import Park
from tests.ledger.energy_helpers import DAY, batch, state

JAN1 = datetime(2026, 1, 1, tzinfo=UTC)


def test_batch_by_owner_and_gateway(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    park.ledger.append(
        [
            park.sign("readings.batch", "E-1", batch("C-1")),
            park.sign("readings.batch", "GW-1", batch("C-2", source="gateway")),
        ]
    )
    with park.ledger.db.read_session() as s:
        assert last_reading_end(s, "C-1") == int(datetime(2026, 1, 1, 16, tzinfo=UTC).timestamp())
        assert (
            energy_wh(s, ["C-1", "C-2"], JAN1 - timedelta(hours=8), JAN1 + timedelta(hours=16)) == 2 * 96_000
        )


@pytest.mark.parametrize(
    ("actor", "payload", "code"),
    [
        ("E-1", batch(values=[1000, -5, 3]), "readings.negative"),
        ("E-1", batch(values=[2**31]), "readings.too_large"),
        ("E-1", batch(values=cast("list[int]", [1.5])), "schema.invalid"),  # deliberately not integers
        ("E-1", batch(start="2026-01-01T00:00:00"), "time.naive"),
        ("E-1", batch(start="2026-01-01T00:07:00+08:00"), "time.misaligned"),
        ("E-1", batch(start="2026-01-01T00:15:00+08:00", resolution="PT1H", values=[1]), "time.misaligned"),
        ("E-1", batch(start="yesterday+08:00"), "time.malformed"),
        ("E-1", batch(resolution="PT5M"), "schema.invalid"),
        ("E-1", batch("C-404"), "meter.unknown"),
        ("E-2", batch("C-1"), "readings.not_owner"),
        ("GW-1", batch("C-1"), "readings.not_owner"),
        ("R-1", batch("C-1"), "actor.role_forbidden"),
        ("E-1", batch(values=[]), "schema.invalid"),
    ],
)
def test_batch_rules(
    make_energy_park: Callable[[], Park], actor: str, payload: dict[str, object], code: str
) -> None:
    park = make_energy_park()
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("readings.batch", actor, payload)])
    assert e.value.code == code, e.value
    assert state(park.ledger) == before


def test_overlap_within_and_across_batches(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    park.ledger.append([park.sign("readings.batch", "E-1", batch("C-1"))])
    before = state(park.ledger)
    shifted = batch("C-1", start="2026-01-01T23:45:00+08:00", values=[1, 2])  # last quarter of the day + 1
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("readings.batch", "E-1", shifted)])
    assert e.value.code == "readings.overlap" and e.value.details["existing_seq"] == before[0] - 1
    # adjacent batches are fine (half-open), an overlap inside one batch is not
    nxt = batch("C-1", start="2026-01-02T00:00:00+08:00", values=[1] * 4)
    dup = batch("C-1", start="2026-01-02T00:30:00+08:00", values=[1] * 4)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("readings.batch", "E-1", nxt), park.sign("readings.batch", "E-1", dup)])
    assert e.value.code == "readings.overlap" and e.value.details["index"] == 1
    assert state(park.ledger) == before
    park.ledger.append([park.sign("readings.batch", "E-1", nxt)])


def test_correction_replaces_and_keeps_original(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    first = park.ledger.append([park.sign("readings.batch", "E-1", batch("C-1"))])[0].seq
    fix = {**batch("C-1", values=[2000] * 96), "replaces": [first], "reason": "CT ratio was wrong"}
    with pytest.raises(LedgerError) as e:  # a plain batch cannot overwrite
        park.ledger.append([park.sign("readings.batch", "E-1", batch("C-1", values=[2000] * 96))])
    assert e.value.code == "readings.overlap"
    corrected = park.ledger.append([park.sign("readings.correct", "E-1", fix)])[0].seq
    with park.ledger.db.read_session() as s:
        v, present = hourly_matrix(s, ["C-1"], JAN1 - timedelta(hours=8), JAN1 + timedelta(hours=16))
    assert present.all() and (v == 8000).all()
    assert park.ledger.entry(first).payload["values"][0] == 1000  # the original stays in the log
    for payload, code in (
        ({**fix, "values": [3] * 96, "replaces": [first]}, "readings.replaces_superseded"),
        ({**fix, "values": [3] * 96, "replaces": [1]}, "readings.replaces_unknown"),
        ({**fix, "values": [3] * 96, "replaces": [corrected, corrected]}, "readings.replaces_invalid"),
    ):
        with pytest.raises(LedgerError) as e:
            park.ledger.append([park.sign("readings.correct", "E-1", payload)])
        assert e.value.code == code
    park.ledger.append(
        [park.sign("readings.correct", "E-1", {**fix, "values": [3] * 96, "replaces": [corrected]})]
    )


def _oracle(
    batches: list[tuple[int, int, int, list[int]]], meters: int, start: datetime, hours: int
) -> tuple[np.ndarray, np.ndarray]:
    """Naive per-value reference: a dict of (meter, second) → Wh, then hour by hour."""
    cells: dict[tuple[int, int], int] = {}
    for m, t0, step, vals in batches:
        for i, v in enumerate(vals):
            cells[(m, t0 + i * step)] = v if step == 900 else -1 - v  # mark hourly
    base = int(start.timestamp())
    values = np.zeros((meters, hours), dtype=np.int64)
    present = np.zeros((meters, hours), dtype=bool)
    for m in range(meters):
        for h in range(hours):
            t = base + h * 3600
            if (m, t) in cells and cells[(m, t)] < 0:
                values[m, h], present[m, h] = -1 - cells[(m, t)], True
                continue
            quarters = [cells.get((m, t + q * 900)) for q in range(4)]
            if all(q is not None and q >= 0 for q in quarters):
                values[m, h], present[m, h] = sum(q for q in quarters if q is not None), True
    return values, present


_PARKS: dict[str, tuple[Park, int]] = {}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(-8, 40), st.booleans(), st.integers(1, 12)),
        min_size=1,
        max_size=8,
    )
)
def test_hourly_matrix_matches_oracle(
    make_energy_park: Callable[[], Park],
    request: pytest.FixtureRequest,
    specs: list[tuple[int, int, bool, int]],
) -> None:
    """Random non-overlapping 15-minute and hourly batches around a window; vectorised == naive.

    One ledger per test; each example works in its own 10-day window of it.
    """
    key = request.node.nodeid
    park, n = _PARKS.get(key) or (make_energy_park(), 0)
    _PARKS[key] = (park, n + 1)
    base = JAN1 + timedelta(days=10 * n)
    meters = ["C-1", "C-3"]
    owners = {"C-1": "E-1", "C-3": "E-2"}
    taken: dict[int, set[int]] = {0: set(), 1: set()}
    kept: list[tuple[int, int, int, list[int]]] = []
    subs = []
    rng = np.random.default_rng(len(specs))
    for m, slot, hourly, n in specs:
        step = 3600 if hourly else 900
        t0 = int(base.timestamp()) + slot * 900 * (4 if hourly else 1)
        cover = set(range(t0, t0 + n * step, 900))
        if cover & taken[m]:
            continue
        taken[m] |= cover
        vals = [int(x) for x in rng.integers(0, 10_000, n)]
        kept.append((m, t0, step, vals))
        start = datetime.fromtimestamp(t0, UTC).isoformat()
        subs.append(
            park.sign(
                "readings.batch",
                owners[meters[m]],
                batch(meters[m], start=start, values=vals, resolution="PT1H" if hourly else "PT15M"),
            )
        )
    park.ledger.append(subs)
    window = base + timedelta(hours=2)
    with park.ledger.db.read_session() as s:
        values, present = hourly_matrix(s, meters, window, window + timedelta(hours=6))
    want_v, want_p = _oracle(kept, 2, window, 6)
    assert (present == want_p).all()
    assert (values == want_v).all()


def test_hourly_matrix_preconditions(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    with park.ledger.db.read_session() as s:
        with pytest.raises(ValueError):
            hourly_matrix(s, ["C-1"], JAN1 + timedelta(minutes=15), JAN1 + timedelta(hours=2))
        with pytest.raises(ValueError):
            hourly_matrix(s, ["C-1", "C-1"], JAN1, JAN1 + timedelta(hours=2))
        v, p = hourly_matrix(s, [], JAN1, JAN1 + timedelta(hours=2))
        assert v.shape == (0, 2) and p.shape == (0, 2)


def test_day_constant() -> None:
    assert datetime.fromisoformat(DAY).astimezone(UTC) == JAN1 - timedelta(hours=8)


def test_big_batches_see_their_own_and_earlier_rows(make_energy_park: Callable[[], Park]) -> None:
    """Past the bulk-load thresholds (many meters in one batch) overlaps are still caught,
    and later entries of a batch (a settlement) see readings queued by earlier ones."""
    park = make_energy_park()
    ids = [f"Q-{i:02d}" for i in range(40)]
    park.ledger.append(
        [
            park.sign(
                "meter.register", "E-1", {"id": m, "owner": "E-1", "park": "P-1", "kind": "consumption"}
            )
            for m in ids
        ]
    )
    park.ledger.append([park.sign("readings.batch", "E-1", batch("Q-30"))])  # already in the log
    before = state(park.ledger)
    day2 = "2026-01-02T00:00:00+08:00"
    subs = [park.sign("readings.batch", "E-1", batch(m, start=day2)) for m in ids]
    subs.append(
        park.sign("readings.batch", "E-1", batch("Q-30", start="2026-01-01T23:00:00+08:00", values=[1] * 4))
    )
    with pytest.raises(LedgerError) as e:
        park.ledger.append(subs)
    assert e.value.code == "readings.overlap" and e.value.details["index"] == 40
    subs[-1] = park.sign(
        "readings.batch", "E-1", batch("Q-31", start="2026-01-02T12:00:00+08:00", values=[1])
    )
    with pytest.raises(LedgerError) as e:  # overlaps a batch queued earlier in the same append
        park.ledger.append(subs)
    assert e.value.code == "readings.overlap" and e.value.details["index"] == 40
    assert state(park.ledger) == before
    park.ledger.append(
        subs[:-1]
        + [
            park.sign(
                "readings.batch",
                "G-1",
                batch("W-1", start="2026-01-01T00:00:00Z", resolution="PT1H", values=[1_000_000] * 24),
            ),
            park.sign(
                "trade.green_power",
                "G-1",
                {
                    "id": "T-1",
                    "seller": "G-1",
                    "seller_meters": ["W-1"],
                    "buyer": "E-1",
                    "buyer_meters": ["C-1"],
                    "first_month": "2026-01",
                    "last_month": "2026-01",
                    "mwh": 30,
                },
            ),
            park.sign("trade.settle", "G-1", {"contract": "T-1", "month": "2026-01", "wh": 24_000_000}),
        ]
    )
    with park.ledger.db.read_session() as s:
        v, p = hourly_matrix(s, ids, JAN1 + timedelta(hours=16), JAN1 + timedelta(hours=40))
    assert p.all() and (v == 4000).all()
