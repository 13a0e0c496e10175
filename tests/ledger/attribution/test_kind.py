"""``attribution.run`` end to end from ledger entries (SQLite and PostgreSQL).

The park of ``tests.ledger.park_fixtures`` (two generators, three consumers, a
month of hourly readings, a direct link, a trade and a GEC retirement) has
hand-computed totals; runs are recorded, tampered runs rejected, and recorded
runs re-run from the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from ledger.attribution.reports import meter_electricity
from ledger.attribution.result import METHOD_VERSION
from ledger.attribution.runner import require_reproducible, run_attribution, verify_run
from ledger.attribution.store import read_meter_hours, read_table
from ledger.errors import LedgerError
from ledger.log.keys import generate_key
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url
from ledger.store.replay import replay_check
from ledger.store.tables import LedgerEntryRow
from tests.conftest import Park, setup_energy_park
from tests.ledger.energy_helpers import state
from tests.ledger.park_fixtures import (
    EXPECTED,
    HOURS,
    MONTH,
    START,
    add_trade_and_gec,
    build_month_park,
    hourly,
    month_batch,
    profile,
)

ALL = ["C-1", "C-2", "C-3"]


@pytest.fixture
def month_park(make_park: Callable[[], Park]) -> Park:
    return build_month_park(make_park())


def _run(
    park: Park,
    meters: list[str] | None = None,
    actor: str = "operator",
    period_months: tuple[str, ...] = (MONTH,),
    **kw: Any,
) -> Any:
    return run_attribution(
        park.ledger, actor, park.keys[actor], period_months, ALL if meters is None else meters, **kw
    )


def _payload(park: Park, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A valid payload for ALL over MONTH at the current log size (computed by a dry run)."""
    from ledger.attribution.inputs import Scope
    from ledger.attribution.kind import compute

    with park.ledger.db.read_session() as s:
        run = compute(s, Scope(meters=tuple(ALL)), (MONTH,), "raise")
    doc = {
        "first_month": MONTH,
        "last_month": MONTH,
        "meters": ALL,
        "log_end": park.ledger.size(),
        "method": METHOD_VERSION,
        "on_missing": "raise",
        "month_sha256": list(run.month_hashes),
        "sha256": run.sha256,
    }
    doc.update(changes or {})
    return doc


def test_hand_computed_month_from_the_log(month_park: Park) -> None:
    park = month_park
    summary = _run(park)
    assert park.ledger.entry(summary.seq).kind == "attribution.run"
    assert summary.log_end == summary.seq  # read the whole log before it
    with park.ledger.db.read_session() as s:
        meters = read_table(s, "meters", summary.seq).set_index("meter_id").to_dict(orient="index")
        gens = read_table(s, "generators", summary.seq).set_index("generator_id").to_dict(orient="index")
        trades = read_table(s, "trades", summary.seq)
        certs = read_table(s, "certificates", summary.seq)
        c3 = read_meter_hours(s, summary.seq, "C-3")
        electricity = {r.meter_id: r for r in meter_electricity(s, summary.seq)}
    for meter, expected in EXPECTED.items():
        assert {k: meters[meter][k] for k in expected} == expected, meter
    assert meters["C-1"]["hourly_matched_wh"] == 178_560  # certificates are not hourly matches
    assert [gens["W-1"][k] for k in ("generation_wh", "direct_wh", "surplus_wh")] == [223_200, 223_200, 0]
    assert [gens["S-1"][k] for k in ("generation_wh", "contracted_wh", "surplus_wh")] == [
        223_200,
        100_000,
        123_200,
    ]
    assert trades[["contract_id", "delivered_wh", "unused_wh"]].values.tolist() == [["T-1", 100_000, 0]]
    assert certs[["units", "claimed_direct_wh", "covered_wh", "unused_wh"]].values.tolist() == [
        [1, 178_560, 119_040, 702_400]
    ]
    # the trade delivers 500 Wh in each of the first 200 sunny hours: days 1-16 and 8 hours of day 17
    assert len(c3) == HOURS and int(c3["contracted"].iloc[:12].sum()) == 6_000
    assert int((c3["contracted"] > 0).sum()) == 200 and int(c3["contracted"].iloc[16 * 24 + 8]) == 0
    assert dict(electricity["C-1"].direct_claimable_wh) == {"wind": 178_560}
    assert dict(electricity["C-3"].contracted_wh) == {"solar": 100_000}
    assert electricity["C-2"].grid_wh == 29_760 and electricity["C-2"].consumption_wh == 74_400

    report = verify_run(park.ledger, summary.seq)
    assert report.ok and report.actual_sha256 == summary.sha256 and report.months_checked == 1
    assert replay_check(park.ledger).ok  # the projection rebuilds row for row


def test_closure_pulls_in_link_partners(month_park: Park) -> None:
    """Asking for C-2 alone still computes C-1 (same link): C-2 gets the same 60 Wh per hour."""
    summary = _run(month_park, ["C-2"], actor="operator")
    with month_park.ledger.db.read_session() as s:
        meters = read_table(s, "meters", summary.seq)
    assert meters[["meter_id", "requested"]].values.tolist() == [["C-1", False], ["C-2", True]]
    assert summary.direct_wh == 44_640 and summary.consumption_wh == 74_400


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"sha256": "0" * 64}, "attribution.hash_mismatch"),
        ({"month_sha256": ["1" * 64]}, "attribution.hash_mismatch"),
        ({"method": "tanji.attribution/0"}, "attribution.method_unsupported"),
        ({"log_end": 10_000}, "attribution.bad_range"),
        ({"last_month": "2026-02"}, "attribution.bad_period"),
        ({"meters": ["C-404"]}, "attribution.unknown_meter"),
        ({"meters": ["W-1"]}, "attribution.not_consumer"),
        ({"park": "P-1"}, "schema.invalid"),  # two scopes
    ],
)
def test_tampered_or_bad_runs_are_rejected(month_park: Park, change: dict[str, Any], code: str) -> None:
    park = month_park
    payload = _payload(park, change)
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("attribution.run", "operator", payload)])
    assert e.value.code == code, e.value
    assert state(park.ledger) == before


def test_log_moved_and_unrelated_growth(month_park: Park) -> None:
    park = month_park
    stale = _payload(park)
    park.register("V-1", "verifier")  # the log grows, the inputs do not
    placed = park.ledger.append([park.sign("attribution.run", "V-1", stale)])
    assert placed[0].seq == stale["log_end"] + 1
    assert verify_run(park.ledger, placed[0].seq).ok
    old = _payload(park)
    # readings of another month of the same meter: not an input of January
    park.ledger.append(
        [park.sign("readings.batch", "E-2", hourly("C-3", [1] * 24, start="2026-03-01T00:00:00+08:00"))]
    )
    assert park.ledger.append([park.sign("attribution.run", "operator", old)])
    seq_c3 = _batch_seq(park, "C-3")
    park.ledger.append(
        [
            park.sign(
                "readings.correct",
                "E-2",
                {**hourly("C-3", [600] * HOURS), "replaces": [seq_c3], "reason": "meter constant fixed"},
            )
        ]
    )
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("attribution.run", "V-1", old)])
    assert e.value.code == "attribution.log_moved"
    # today's hashes with a log_end from before the correction: the hashes match the current
    # state but not log [0, log_end), so the claim is refused
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("attribution.run", "V-1", _payload(park, {"log_end": old["log_end"]}))])
    assert e.value.code == "attribution.log_moved" and e.value.details["changed_seq"] == before[0] - 1
    assert state(park.ledger) == before


def _batch_seq(park: Park, meter: str) -> int:
    for entry in park.ledger.entries():
        if entry.kind == "readings.batch" and entry.payload["meter"] == meter:
            return entry.seq
    raise AssertionError(meter)


def test_correction_gives_new_hash_and_old_run_still_verifies(month_park: Park) -> None:
    park = month_park
    first = _run(park)
    park.ledger.append(
        [
            park.sign(
                "readings.correct",
                "E-2",
                {**hourly("C-3", [600] * HOURS), "replaces": [_batch_seq(park, "C-3")], "reason": "CT ratio"},
            )
        ]
    )
    second = _run(park)
    assert second.sha256 != first.sha256 and second.consumption_wh == first.consumption_wh + 100 * HOURS
    a, b = verify_run(park.ledger, first.seq), verify_run(park.ledger, second.seq)
    assert a.ok and a.actual_sha256 == first.sha256
    assert b.ok and b.actual_sha256 == second.sha256


def test_who_may_record(month_park: Park) -> None:
    park = month_park
    assert _run(park, ["C-3"], actor="E-2").consumption_wh == 372_000
    park.register("V-1", "verifier")
    assert _run(park, ["C-3"], actor="V-1").seq > 0
    for actor, meters, code in (
        ("E-2", ["C-1"], "attribution.not_authorised"),
        ("G-1", ["C-1"], "actor.role_forbidden"),
    ):
        with pytest.raises(LedgerError) as e:
            _run(park, meters, actor=actor)
        assert e.value.code == code
    summary = run_attribution(park.ledger, "E-1", park.keys["E-1"], MONTH, enterprise="E-1")
    assert summary.scope == "enterprise E-1" and summary.consumption_wh == 297_600 + 74_400


def test_link_to_missing_meter_and_generator_without_readings(month_park: Park) -> None:
    park = month_park
    link: dict[str, object] = {
        "id": "L-2",
        "name": "New line",
        "park": "P-1",
        "generation_meters": ["W-404"],
        "consumer_meters": ["C-3"],
        "valid_from": START,
    }
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("supply.direct_link", "operator", link)])
    assert e.value.code == "meter.unknown"
    park.ledger.append(
        [
            park.sign(
                "meter.register",
                "operator",
                {"id": "W-2", "owner": "G-1", "park": "P-1", "kind": "generation", "technology": "wind"},
            ),
            park.sign("supply.direct_link", "operator", {**link, "generation_meters": ["W-2"]}),
        ]
    )
    with pytest.raises(LedgerError) as e:
        _run(park)
    assert e.value.code == "attribution.missing_readings" and e.value.details["meter"] == "W-2"
    summary = _run(park, on_missing="gap")
    with park.ledger.db.read_session() as s:
        w2 = read_table(s, "generators", summary.seq).set_index("generator_id").to_dict(orient="index")["W-2"]
    assert w2["gap_hours"] == HOURS and w2["generation_wh"] == 0
    assert verify_run(park.ledger, summary.seq).ok


def test_missing_hour_is_named_or_a_gap(make_park: Callable[[], Park]) -> None:
    park = build_month_park(make_park(), readings=False)
    values = {m: profile(m) for m in ("C-1", "C-2", "C-3", "W-1", "S-1")}
    batches = [
        park.sign(
            "readings.batch",
            "E-1" if m in ("C-1", "C-2") else "E-2" if m == "C-3" else "G-1",
            month_batch(m, v),
        )
        for m, v in values.items()
        if m != "C-3"
    ]
    batches += [
        park.sign("readings.batch", "E-2", hourly("C-3", values["C-3"][:5])),
        park.sign(
            "readings.batch", "E-2", hourly("C-3", values["C-3"][6:], start="2026-01-01T06:00:00+08:00")
        ),
    ]
    park.ledger.append(batches)
    add_trade_and_gec(park)
    with pytest.raises(LedgerError) as e:
        _run(park)
    assert e.value.code == "attribution.missing_readings"
    assert e.value.details["meter"] == "C-3" and e.value.details["hours"] == ["2026-01-01T05:00+08:00"]
    summary = _run(park, on_missing="gap")
    assert summary.gap_hours == 1 and summary.consumption_wh == 744_000 - 500
    assert verify_run(park.ledger, summary.seq).ok


# -- property: random small parks re-run from the log give the same hash ------------------------------

_hours = 24 * 28  # February 2026


@st.composite
def _parks(draw: st.DrawFn) -> dict[str, Any]:
    def series(hi: int) -> list[int]:
        base = draw(st.lists(st.integers(0, hi), min_size=24, max_size=24))
        return [base[h % 24] * (1 + (h // 24) % 3) for h in range(_hours)]

    return {
        "values": {
            m: series(hi) for m, hi in (("C-1", 900), ("C-2", 300), ("C-3", 900), ("W-1", 800), ("S-1", 800))
        },
        "link": draw(st.sampled_from([None, ["C-1"], ["C-1", "C-2"], ["C-2", "C-3"]])),
        "key": draw(st.sampled_from(["pro_rata", "priority"])),
        "trade_wh": draw(st.integers(0, 50_000)),
        "retire": draw(st.booleans()),
        "missing": draw(st.sets(st.integers(0, _hours - 1), max_size=3)),
    }


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=_parks())
def test_random_parks_rerun_from_the_log(
    tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]
) -> None:
    operator = generate_key()
    path = tmp_path_factory.mktemp("prop") / "t.db"
    park = Park(
        Ledger.create(Database(sqlite_url(path)), operator, origin="test.tanji/prop"), {"operator": operator}
    )
    setup_energy_park(park)
    feb = "2026-02-01T00:00:00+08:00"  # the park's February (Asia/Shanghai)
    owner = {"C-1": "E-1", "C-2": "E-1", "C-3": "E-2", "W-1": "G-1", "S-1": "G-1"}
    subs = []
    for m, v in spec["values"].items():
        if m == "C-1" and spec["missing"]:  # drop a few hours: the run must flag them, never zero them
            hours = sorted(spec["missing"])
            cuts = [-1, *hours, _hours]
            for a, b in zip(cuts, cuts[1:], strict=False):
                if b - a > 1:
                    subs.append(
                        park.sign(
                            "readings.batch",
                            owner[m],
                            hourly(
                                m,
                                v[a + 1 : b],
                                start=f"2026-02-{1 + (a + 1) // 24:02d}T{(a + 1) % 24:02d}:00:00+08:00",
                            ),
                        )
                    )
        elif m == "W-1":  # an hour of January first: its 999,999 Wh carry into February's GEC
            subs.append(
                park.sign("readings.batch", owner[m], hourly(m, [999_999, *v], "2026-01-31T23:00:00+08:00"))
            )
        else:
            subs.append(park.sign("readings.batch", owner[m], hourly(m, v, start=feb)))
    park.ledger.append(subs)
    units = (999_999 + sum(spec["values"]["W-1"])) // 1_000_000  # the GEC February's metering allows
    if spec["link"]:
        park.ledger.append(
            [
                park.sign(
                    "supply.direct_link",
                    "operator",
                    {
                        "id": "L-1",
                        "name": "line",
                        "park": "P-1",
                        "generation_meters": ["W-1"],
                        "consumer_meters": spec["link"],
                        "valid_from": feb,
                        "key": spec["key"],
                    },
                )
            ]
        )
    if spec["trade_wh"] and sum(spec["values"]["S-1"]):
        park.ledger.append(
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
                        "first_month": "2026-02",
                        "last_month": "2026-02",
                        "mwh": 1,
                    },
                ),
                park.sign(
                    "trade.settle",
                    "G-1",
                    {
                        "contract": "T-1",
                        "month": "2026-02",
                        "wh": min(spec["trade_wh"], sum(spec["values"]["S-1"])),
                    },
                ),
            ]
        )
    if spec["retire"] and units:
        park.ledger.append(
            [
                park.sign(
                    "gec.issue",
                    "R-1",
                    {
                        "first": 1,
                        "last": units,
                        "mwh": units,
                        "generator_meter": "W-1",
                        "technology": "wind",
                        "vintage": "2026-02",
                    },
                ),
                park.sign("gec.transfer", "G-1", {"first": 1, "last": units, "to": "E-1"}),
                park.sign(
                    "gec.retire",
                    "E-1",
                    {
                        "first": 1,
                        "last": min(2, units),
                        "beneficiary": "E-1",
                        "consumer_meters": ["C-1", "C-2"],
                        "period_start": feb,
                        "period_end": "2026-03-01T00:00:00+08:00",
                    },
                ),
            ]
        )
    summary = run_attribution(park.ledger, "operator", operator, "2026-02", park="P-1", on_missing="gap")
    assert summary.gap_hours == len(spec["missing"])
    report = verify_run(park.ledger, summary.seq)
    assert report.ok and report.actual_sha256 == summary.sha256
    park.ledger.db.dispose()


@pytest.mark.parametrize(
    ("old", "new", "bad"),
    [
        ("[400,400,", "[401,400,", None),  # a different reading: the hash differs
        ("[400,400,", "[-40,400,", "readings.negative"),  # the replay itself fails
    ],
)
def test_verify_names_the_month_of_a_tampered_log(
    month_park: Park, old: str, new: str, bad: str | None
) -> None:
    park = month_park
    summary = _run(park, period_months=("2025-12", MONTH), on_missing="gap")
    assert summary.months == ("2025-12", MONTH)
    seq = _batch_seq(park, "C-1")
    with (
        park.ledger.db.write_session() as s
    ):  # tamper with the stored body (the log's own verify catches it too)
        body = s.scalar(select(LedgerEntryRow.body).where(LedgerEntryRow.seq == seq))
        assert body is not None and old in body
        s.execute(
            update(LedgerEntryRow).where(LedgerEntryRow.seq == seq).values(body=body.replace(old, new, 1))
        )
    report = verify_run(park.ledger, summary.seq)
    assert not report.ok and report.first_bad_month == (MONTH if bad is None else "2025-12")
    assert (report.error or {}).get("code") == bad
    if bad is None:
        assert report.month_sha256[0] == summary.month_sha256[0]  # December still matches
    with pytest.raises(LedgerError) as e:
        require_reproducible(park.ledger, summary.seq)
    assert e.value.code == "attribution.not_reproducible"
    assert not park.ledger.verify().ok


def test_migration_matches_the_models(db_url: str) -> None:
    """The ``attribution`` Alembic branch creates exactly the tables of ``ledger.attribution.store``."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ledger.store.tables import Base

    db = Database(db_url)
    db.migrate()
    with db.engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), Base.metadata)
    db.dispose()
    assert [d for d in diff if "attribution_" in str(d)] == []


def test_rerun_happens_before_the_writer_lock(month_park: Park, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: the ledger re-runs the attribution before taking the writer lock; under the lock it only
    looks whether an input was recorded after ``log_end``."""
    import ledger.attribution.kind as kind_module

    park = month_park
    locked = False
    computed_locked: list[bool] = []
    real_compute, real_write_session = kind_module.compute, Database.write_session

    def spy_compute(*args: Any, **kw: Any) -> Any:
        computed_locked.append(locked)
        return real_compute(*args, **kw)

    @contextmanager
    def spy_write_session(self: Database) -> Iterator[Any]:
        nonlocal locked
        with real_write_session(self) as s:
            locked = True
            try:
                yield s
            finally:
                locked = False

    monkeypatch.setattr(kind_module, "compute", spy_compute)
    monkeypatch.setattr(Database, "write_session", spy_write_session)
    payload = _payload(park)
    computed_locked.clear()
    park.ledger.append([park.sign("attribution.run", "operator", payload)])
    assert computed_locked == [False]


def test_input_recorded_in_the_same_batch_after_the_rerun_is_caught(month_park: Park) -> None:
    """The re-run before the lock sees the log without the batch; a correction of an input earlier in the
    same batch is found under the lock (``attribution.log_moved``) and nothing is written."""
    park = month_park
    payload = _payload(park)
    correction = park.sign(
        "readings.correct",
        "E-2",
        {
            **hourly("C-3", [600] * HOURS),
            "replaces": [_batch_seq(park, "C-3")],
            "reason": "meter constant fixed",
        },
    )
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([correction, park.sign("attribution.run", "operator", payload)])
    assert e.value.code == "attribution.log_moved" and e.value.details["index"] == 1
    assert state(park.ledger) == before
