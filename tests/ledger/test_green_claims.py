"""Issue 13, "Green claims that hold": the auditor's scenarios as tests on demo-sized ledgers.

- moving certificates cannot raise the park's claimable green (the demo's March transfer);
- phantom certificates are refused (issuance capped by metered generation, complete months);
- expired units and retirements outside their period are refused; beneficiaries are actors who
  own the meters;
- a Beijing-time March of readings attributes with no gaps;
- sub-meters are counted once, inside their parents;
- 650号 grid export is what the link's grid_export meters measured.

Every refusal names a rule code and leaves the log and projections unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.attribution.reports import direct_link_report
from ledger.attribution.runner import RunSummary, run_attribution
from ledger.attribution.store import read_meter_hours, read_table
from ledger.errors import LedgerError
from ledger.store.replay import replay_check
from tests.conftest import Park
from tests.ledger.energy_helpers import state
from tests.ledger.green_claims_fixtures import (
    END,
    FESI_WH,
    HOURS,
    MONTH,
    MWH,
    SETTLED_MWH,
    SI_WH,
    START,
    build_silicon_march,
    hourly,
    month_period,
    setup_silicon_park,
)


def _run(park: Park, period: str = MONTH, **scope: Any) -> RunSummary:
    scope = scope or {"park": "P-ORDOS"}
    return run_attribution(park.ledger, "operator", park.keys["operator"], period, **scope)


def _meters(park: Park, run: RunSummary) -> dict[str, dict[str, int]]:
    with park.ledger.db.read_session() as s:
        frame = read_table(s, "meters", run.seq).set_index("meter_id")
    return {str(m): {str(k): int(v) for k, v in row.items() if k != "month"} for m, row in frame.iterrows()}


def _claimable(row: dict[str, int]) -> int:
    return row["claimable_direct_wh"] + row["claimable_contracted_wh"] + row["certificate_wh"]


def _refused(park: Park, subs: list[Any], code: str) -> LedgerError:
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append(subs)
    assert e.value.code == code, e.value
    assert state(park.ledger) == before
    return e.value


# -- 1. the claims law: moving certificates cannot raise the park's claimable green --------------


@pytest.mark.parametrize("retire_by", ["E-SILICON", "E-FERRO"])
def test_bundled_gec_transferred_away_take_the_claim_with_them(
    make_park: Callable[[], Park], retire_by: str
) -> None:
    park = build_silicon_march(make_park(), retire_by=retire_by)
    rows = _meters(park, _run(park))
    si, fesi = rows["M-SI-FURNACE-1"], rows["M-FESI-FURNACE-1"]
    settled = SETTLED_MWH * MWH
    # either way the silicon furnace's contracted energy is delivered and matched hour by hour
    assert si["contracted_wh"] == si["hourly_matched_wh"] == settled
    if retire_by == "E-SILICON":  # it retired its bundled GEC: the contracted energy is claimed
        assert si["claimable_contracted_wh"] == settled and _claimable(fesi) == 0
    else:  # transferred to E-FERRO and retired there: the claim went with them
        assert si["claimable_contracted_wh"] == 0 and _claimable(si) == 0
        assert fesi["certificate_wh"] == settled
    # the park's claimable green is 12,722 MWh either way, counted once (the bug made it 25,444)
    assert sum(map(_claimable, rows.values())) == settled
    assert replay_check(park.ledger).ok


def test_unretired_bundled_gec_claim_nothing(make_park: Callable[[], Park]) -> None:
    """Settled with its bundled GEC but none retired: the contracted energy is matched, not claimed."""
    park = build_silicon_march(make_park(), retire_by=None)
    rows = _meters(park, _run(park))
    si = rows["M-SI-FURNACE-1"]
    assert si["contracted_wh"] == si["hourly_matched_wh"] == SETTLED_MWH * MWH
    assert si["claimable_contracted_wh"] == 0 and sum(map(_claimable, rows.values())) == 0


# -- 2. phantom certificates --------------------------------------------------------------------


def _issue(first: int, last: int, vintage: str = MONTH, meter: str = "W-2") -> dict[str, Any]:
    return {
        "first": first,
        "last": last,
        "mwh": last - first + 1,
        "generator_meter": meter,
        "technology": "wind",
        "vintage": vintage,
    }


def test_phantom_issue_is_refused(make_park: Callable[[], Park]) -> None:
    """200 MW in a 696-hour month without readings: at most 139,200 MWh could have been metered,
    and none was -- refused; then issuance is capped by what was metered."""
    park = setup_silicon_park(make_park())
    e = _refused(
        park, [park.sign("gec.issue", "R-GEC", _issue(1, 200_000, "2028-02"))], "gec.readings_incomplete"
    )
    assert e.details["missing_hours"] == 696
    # 77,375 MWh metered in March (104 MWh an hour, less 1 MWh): 77,375 units, not 78,375
    values = [104 * MWH] * HOURS
    values[0] -= MWH
    park.ledger.append(
        [
            park.sign(
                "readings.batch",
                "G-WIND2",
                {"meter": "W-2", "start": START, "resolution": "PT1H", "values": values},
            )
        ]
    )
    e = _refused(park, [park.sign("gec.issue", "R-GEC", _issue(1, 78_375))], "gec.exceeds_generation")
    assert (e.details["cap"], e.details["units"]) == (77_375, 78_375)
    park.ledger.append([park.sign("gec.issue", "R-GEC", _issue(1, 77_375))])
    _refused(park, [park.sign("gec.issue", "R-GEC", _issue(77_376, 77_376))], "gec.exceeds_generation")
    assert replay_check(park.ledger).ok


def test_the_sub_mwh_remainder_carries_to_the_next_month(make_park: Callable[[], Park]) -> None:
    park = setup_silicon_park(make_park())
    # March 1.5 MWh, April 1.5 MWh: one unit each month on its own, the remainders make a third in April
    march = [0] * HOURS
    march[0] = 1_500_000
    april = [0] * 720
    april[0] = 1_500_000
    park.ledger.append(
        [
            park.sign(
                "readings.batch",
                "G-WIND2",
                {"meter": "W-2", "start": START, "resolution": "PT1H", "values": march},
            ),
            park.sign(
                "readings.batch",
                "G-WIND2",
                {"meter": "W-2", "start": END, "resolution": "PT1H", "values": april},
            ),
        ]
    )
    _refused(park, [park.sign("gec.issue", "R-GEC", _issue(1, 2))], "gec.exceeds_generation")
    park.ledger.append([park.sign("gec.issue", "R-GEC", _issue(1, 1))])
    park.ledger.append([park.sign("gec.issue", "R-GEC", _issue(2, 3, "2025-04"))])
    _refused(park, [park.sign("gec.issue", "R-GEC", _issue(4, 4, "2025-04"))], "gec.exceeds_generation")
    # a late March unit would take away April's carried remainder: refused too
    _refused(park, [park.sign("gec.issue", "R-GEC", _issue(5, 5))], "gec.exceeds_generation")


# -- 3. validity, consumption periods, vintage policy; 4. beneficiaries ---------------------------


def _issued_march(make_park: Callable[[], Park], **settings: Any) -> Park:
    park = setup_silicon_park(make_park(), **settings)
    park.ledger.append(
        [
            park.sign("readings.batch", "G-WIND2", hourly("W-2", 20 * MWH)),
            park.sign("readings.batch", "E-FERRO", hourly("M-FESI-FURNACE-1", FESI_WH)),
            park.sign("gec.issue", "R-GEC", _issue(1, 100)),
            park.sign("gec.transfer", "G-WIND2", {"first": 1, "last": 100, "to": "E-FERRO"}),
        ]
    )
    return park


def _retire(first: int, last: int, **extra: Any) -> dict[str, Any]:
    return {
        "first": first,
        "last": last,
        "beneficiary": "E-FERRO",
        "consumer_meters": ["M-FESI-FURNACE-1"],
        **month_period(),
        **extra,
    }


class _Clock(datetime):
    """``datetime`` whose ``now`` is :attr:`at` (the ledger stamps entries with it)."""

    at = datetime(2027, 3, 1, tzinfo=UTC)

    @classmethod
    def now(cls, tz: Any = None) -> _Clock:  # noqa: ARG003 - the ledger asks for UTC
        return cls.fromtimestamp(cls.at.timestamp(), UTC)


def test_expired_units_are_neither_transferred_nor_retired(
    make_park: Callable[[], Park], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GEC of March 2025 are valid for 24 months: until 2027-03-01T00:00+08:00 (2027-02-28T16:00Z)."""
    park = _issued_march(make_park)
    monkeypatch.setattr("ledger.store.append.datetime", _Clock)
    _Clock.at = datetime(2027, 2, 28, 15, 59, tzinfo=UTC)  # the last minute of validity
    park.ledger.append([park.sign("gec.retire", "E-FERRO", _retire(1, 10))])
    _Clock.at = datetime(2027, 2, 28, 16, tzinfo=UTC)
    e = _refused(park, [park.sign("gec.retire", "E-FERRO", _retire(11, 20))], "gec.validity_expired")
    assert e.details["valid_until"] == "2027-03-01T00:00:00+08:00"
    _refused(
        park,
        [park.sign("gec.transfer", "E-FERRO", {"first": 11, "last": 20, "to": "E-SILICON"})],
        "gec.validity_expired",
    )
    # an expired vintage cannot be issued either: the 2021-01 certificate of the auditor
    _refused(park, [park.sign("gec.issue", "R-GEC", _issue(500, 500, "2021-01"))], "gec.validity_expired")
    monkeypatch.undo()
    assert replay_check(park.ledger).ok  # replay re-checks validity at each entry's recorded time


@pytest.mark.parametrize(
    ("period", "code"),
    [
        # consumption before the production month: the auditor's 2024-01 consumption
        (("2024-01-01T00:00:00+08:00", "2024-02-01T00:00:00+08:00"), "gec.period_before_production"),
        # after the last valid month (2027-02)
        (("2027-03-01T00:00:00+08:00", "2027-04-01T00:00:00+08:00"), "gec.period_after_validity"),
        # not one whole park-local month: a UTC month, part of a month, two months
        (("2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"), "gec.period_not_month"),
        (("2025-03-01T00:00:00+08:00", "2025-03-15T00:00:00+08:00"), "gec.period_not_month"),
        (("2025-03-01T00:00:00+08:00", "2025-05-01T00:00:00+08:00"), "gec.period_not_month"),
    ],
)
def test_retirement_periods(make_park: Callable[[], Park], period: tuple[str, str], code: str) -> None:
    park = _issued_march(make_park)
    _refused(park, [park.sign("gec.retire", "E-FERRO", _retire(1, 10, **month_period(*period)))], code)


def test_a_later_month_is_covered_not_the_production_month(make_park: Callable[[], Park]) -> None:
    """A retirement naming June covers June's consumption (the auditor's unit was applied to its
    production month): it covers, it does not claim March's physical energy."""
    park = _issued_march(make_park)
    june = ("2025-06-01T00:00:00+08:00", "2025-07-01T00:00:00+08:00")
    park.ledger.append(
        [
            park.sign("readings.batch", "E-FERRO", hourly("M-FESI-FURNACE-1", 1_000, 720, june[0])),
            park.sign("gec.retire", "E-FERRO", _retire(1, 2, **month_period(*june))),
        ]
    )
    march, june_run = (_run(park, m, meters=["M-FESI-FURNACE-1"]) for m in (MONTH, "2025-06"))
    with park.ledger.db.read_session() as s:
        assert read_table(s, "certificates", march.seq).empty  # not applied to its production month
        certs = read_table(s, "certificates", june_run.seq)
    assert certs["month"].tolist() == ["2025-06"] and certs["covered_wh"].tolist() == [720_000]
    assert certs["claimed_direct_wh"].tolist() == [0] and certs["claimed_contracted_wh"].tolist() == [0]


@pytest.mark.parametrize("policy", [None, "same_calendar_year"])
def test_same_calendar_year_policy(make_park: Callable[[], Park], policy: str | None) -> None:
    park = _issued_march(make_park, policy=policy)
    january = _retire(1, 10, **month_period("2026-01-01T00:00:00+08:00", "2026-02-01T00:00:00+08:00"))
    if policy is None:  # China's rules: any month of the 24
        park.ledger.append([park.sign("gec.retire", "E-FERRO", january)])
        return
    e = _refused(park, [park.sign("gec.retire", "E-FERRO", january)], "gec.vintage_policy")
    assert e.details["policy"] == "same_calendar_year"
    park.ledger.append([park.sign("gec.retire", "E-FERRO", _retire(1, 10))])  # March 2025: fine


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"beneficiary": "我的铁合金厂 My Ferro Plant"}, "schema.invalid"),  # free text: not an actor id
        ({"beneficiary": "E-NOBODY"}, "gec.beneficiary_unknown"),
        ({"consumer_meters": ["M-SI-FURNACE-1"]}, "gec.meter_not_owned"),  # another enterprise's meter
        ({"beneficiary": "E-SILICON"}, "gec.meter_not_owned"),  # E-SILICON does not own the ferro meter
    ],
)
def test_beneficiary_is_an_actor_owning_the_meters(
    make_park: Callable[[], Park], change: dict[str, Any], code: str
) -> None:
    park = _issued_march(make_park)
    _refused(park, [park.sign("gec.retire", "E-FERRO", {**_retire(1, 10), **change})], code)


# -- 5. park-local time ---------------------------------------------------------------------------


def _beijing_march(park: Park) -> Park:
    """A full Beijing-time March of 15-minute readings, one batch per Shanghai day."""
    subs = []
    for day in range(31):
        start = f"2025-03-{day + 1:02d}T00:00:00+08:00"
        subs.append(
            park.sign(
                "readings.batch",
                "E-SILICON",
                {
                    "meter": "M-SI-FURNACE-1",
                    "start": start,
                    "resolution": "PT15M",
                    "values": [9_500_000] * 96,
                },
            )
        )
    park.ledger.append(subs)
    return park


def test_a_beijing_time_march_attributes_with_no_gaps(make_park: Callable[[], Park]) -> None:
    park = _beijing_march(setup_silicon_park(make_park()))
    run = _run(park, MONTH, meters=["M-SI-FURNACE-1"])  # on_missing="raise": any gap would fail
    assert run.gap_hours == 0 and run.consumption_wh == 38 * MWH * HOURS
    with park.ledger.db.read_session() as s:
        hours = read_meter_hours(s, run.seq, "M-SI-FURNACE-1")
    assert len(hours) == HOURS and hours["hour"].iloc[0] == datetime(2025, 2, 28, 16, tzinfo=UTC)


def test_a_utc_park_has_utc_months(make_park: Callable[[], Park]) -> None:
    """A park may keep another zone; the same Beijing-time readings then miss 8 hours of its March."""
    park = _beijing_march(setup_silicon_park(make_park(), time_zone="UTC"))
    with pytest.raises(LedgerError) as e:
        _run(park, MONTH, meters=["M-SI-FURNACE-1"])
    assert e.value.code == "attribution.missing_readings" and e.value.details["count"] == 8
    assert e.value.details["hours"][0] == "2025-03-31T16:00+00:00"


def test_unknown_time_zone_is_refused(make_park: Callable[[], Park]) -> None:
    park = make_park()
    park.register("PA-X", "park")
    for tz, code in (("Mars/Olympus", "time.zone_unknown"), ("Asia/Kolkata", "time.zone_not_whole_hours")):
        _refused(
            park,
            [
                park.sign(
                    "park.register", "PA-X", {"id": "P-X", "name": "X", "level": "national", "time_zone": tz}
                )
            ],
            code,
        )


# -- 6. sub-meters counted once -------------------------------------------------------------------


def _sub_metered(make_park: Callable[[], Park], sub_wh: int) -> Park:
    park = setup_silicon_park(make_park())
    park.ledger.append(
        [
            park.sign(
                "meter.register",
                "PA-ORDOS",
                {
                    "id": "M-SI-AUX",
                    "owner": "E-SILICON",
                    "park": "P-ORDOS",
                    "kind": "consumption",
                    "parent": "M-SI-FURNACE-1",
                },
            ),
            park.sign("readings.batch", "E-SILICON", hourly("M-SI-FURNACE-1", SI_WH)),
            park.sign("readings.batch", "E-SILICON", hourly("M-SI-AUX", sub_wh)),
            park.sign("readings.batch", "E-FERRO", hourly("M-FESI-FURNACE-1", FESI_WH)),
        ]
    )
    return park


def test_sub_meters_are_counted_once_inside_their_parent(make_park: Callable[[], Park]) -> None:
    park = _sub_metered(make_park, 3 * MWH)
    run = _run(park)
    assert run.consumption_wh == (SI_WH + FESI_WH) * HOURS  # not + the sub-meter's 3 MWh an hour
    rows = _meters(park, run)
    assert rows["M-SI-FURNACE-1"]["consumption_wh"] == (SI_WH - 3 * MWH) * HOURS  # net of M-SI-AUX
    assert rows["M-SI-AUX"]["consumption_wh"] == 3 * MWH * HOURS
    # the parent alone brings its sub-meter into the computation, still counted once
    alone = _run(park, meters=["M-SI-FURNACE-1"])
    assert alone.consumption_wh == (SI_WH - 3 * MWH) * HOURS


def test_a_sub_meter_above_its_parent_is_a_named_error(make_park: Callable[[], Park]) -> None:
    park = _sub_metered(make_park, SI_WH + 1)
    with pytest.raises(LedgerError) as e:
        _run(park)
    assert e.value.code == "attribution.submeter_exceeds_parent"
    assert e.value.details["meter"] == "M-SI-FURNACE-1" and e.value.details["sub_meters"] == ["M-SI-AUX"]
    assert e.value.details["hour"] == "2025-03-01T00:00+08:00" and e.value.details["count"] == HOURS


# -- 7. 650号 grid export from the link's grid_export meters ---------------------------------------


def test_grid_export_is_measured_not_available_minus_self_use(make_park: Callable[[], Park]) -> None:
    park = setup_silicon_park(make_park())
    park.ledger.append(
        [
            park.sign(
                "meter.register",
                "PA-ORDOS",
                {"id": "X-EXPORT", "owner": "G-WIND2", "park": "P-ORDOS", "kind": "grid_export"},
            ),
            park.sign("readings.batch", "G-WIND2", hourly("W-2", 50 * MWH)),
            park.sign("readings.batch", "G-WIND2", hourly("X-EXPORT", 2 * MWH)),  # 10 MWh an hour curtailed
            park.sign("readings.batch", "E-SILICON", hourly("M-SI-FURNACE-1", SI_WH)),
            park.sign("readings.batch", "E-FERRO", hourly("M-FESI-FURNACE-1", FESI_WH)),
        ]
    )
    link = {
        "name": "line",
        "park": "P-ORDOS",
        "generation_meters": ["W-2"],
        "consumer_meters": ["M-SI-FURNACE-1"],
        "valid_from": START,
    }
    park.ledger.append(
        [park.sign("supply.direct_link", "PA-ORDOS", {**link, "id": "DL-X", "grid_meters": ["X-EXPORT"]})]
    )
    run = _run(park)
    with park.ledger.db.read_session() as s:
        report = direct_link_report(s, "DL-X", 2025, run_seq=run.seq)
        links = read_table(s, "links", run.seq).set_index("link_id")
    checks = {c.threshold.id: c for c in report.compliance.checks}
    export = checks["grid_export_of_generation"]
    assert export.measured and export.numerator_wh == 2 * MWH * HOURS  # not 50 - 38 = 12 MWh an hour
    assert export.ratio == pytest.approx(2 / 50)
    row = links.loc["DL-X"].to_dict()
    assert int(row["available_generation_wh"]) == 50 * MWH * HOURS
    assert int(row["self_consumed_wh"]) == SI_WH * HOURS
