"""Park record kinds on SQLite and PostgreSQL: each rule's bad input gives its code and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from ledger.errors import BadEntry
from ledger.store.replay import replay_check
from park.records import ParkRecordRow, live_records
from tests.conftest import Park

Payload = dict[str, Any]


@pytest.fixture
def park(make_energy_park: Callable[[], Park]) -> Park:
    """P-1 (autonomous region, administered by operator) with enterprises E-1, E-2; plus a park actor PA-1
    administering P-2 and another park actor PA-2."""
    p = make_energy_park()
    p.register("PA-1", "park")
    p.register("PA-2", "park")
    p.ledger.append(
        [p.sign("park.register", "PA-1", {"id": "P-2", "name": "Ordos park", "level": "national"})]
    )
    return p


def _fuel(**over: Any) -> Payload:
    """A fuel record of E-1; a field set to None is left out."""
    payload = {
        "park": "P-1",
        "enterprise": "E-1",
        "year": 2025,
        "fuel": "raw_coal",
        "quantity": "1200.5",
        "unit": "t",
        **over,
    }
    return {k: v for k, v in payload.items() if v is not None}


def _count(park: Park) -> tuple[int, int]:
    with park.ledger.db.read_session() as s:
        return park.ledger.size(), int(s.scalar(select(func.count()).select_from(ParkRecordRow)) or 0)


def _rejects(park: Park, kind: str, actor: str, payload: Payload, code: str) -> None:
    before = _count(park)
    with pytest.raises(BadEntry) as e:
        park.ledger.append([park.sign(kind, actor, payload)])
    assert e.value.code == code, e.value
    assert _count(park) == before


def test_every_kind_is_recorded_and_read_back(park: Park) -> None:
    subs = [
        park.sign("park.fuel_use", "E-1", _fuel()),
        park.sign("park.fuel_use", "E-1", _fuel(fuel="natural_gas", quantity="12", unit="1e4Nm3", month=1)),
        park.sign("park.fuel_use", "E-1", _fuel(fuel="natural_gas", quantity="10", unit="1e4Nm3", month=2)),
        park.sign(
            "park.heat",
            "E-2",
            {"park": "P-1", "enterprise": "E-2", "year": 2025, "direction": "purchased", "gj": "5000"},
        ),
        park.sign(
            "park.process_emission",
            "E-1",
            {
                "park": "P-1",
                "enterprise": "E-1",
                "year": 2025,
                "process": "anode consumption",
                "gas": "CO2",
                "tco2e": "900",
            },
        ),
        park.sign(
            "park.process_emission",
            "E-1",
            {
                "park": "P-1",
                "enterprise": "E-1",
                "year": 2025,
                "process": "anode effect",
                "gas": "PFCs",
                "tco2e": "120.25",
            },
        ),
        park.sign(
            "park.ccus",
            "E-2",
            {
                "park": "P-1",
                "enterprise": "E-2",
                "year": 2025,
                "facility": "cc-1",
                "captured_t": "100",
                "stored_t": "90",
            },
        ),
        park.sign(
            "park.resource_use",
            "E-2",
            {
                "park": "P-1",
                "enterprise": "E-2",
                "year": 2025,
                "indicator": "equipment",
                "total": "40",
                "used": "31",
                "unit": "count",
            },
        ),
        park.sign(
            "park.product_energy",
            "E-1",
            {
                "park": "P-1",
                "enterprise": "E-1",
                "year": 2025,
                "product": "Al ingot",
                "standard": "GB 21346",
                "output": "100000",
                "output_unit": "t",
                "unit_energy": "13100",
                "unit_energy_unit": "kWh/t",
                "grade": 2,
                "limits": ["12900", "13150", "13350"],
            },
        ),
        park.sign("park.fuel_use", "E-1", _fuel(year=2024)),
    ]
    park.ledger.append(subs)
    with park.ledger.db.read_session() as s:
        got = live_records(s, "P-1", 2025)
    assert len(got) == 9
    assert [r.kind for r in got][:4] == ["park.fuel_use"] * 3 + ["park.heat"]
    assert got[0].payload.model_dump()["quantity"] == "1200.5"
    assert replay_check(park.ledger).ok


def test_park_actor_records_park_level_data(park: Park) -> None:
    sink = {
        "park": "P-2",
        "year": 2025,
        "sink": "forest",
        "site": "shelterbelt",
        "tco2": "800",
        "method": "CCER-14",
    }
    park.ledger.append([park.sign("park.carbon_sink", "PA-1", sink)])
    _rejects(park, "park.carbon_sink", "PA-2", {**sink, "site": "other"}, "park.not_authorised")
    _rejects(
        park, "park.carbon_sink", "PA-1", {**sink, "site": "x", "enterprise": "E-1"}, "park.not_own_record"
    )


def test_correction_replaces_a_record(park: Park) -> None:
    [first] = park.ledger.append([park.sign("park.fuel_use", "E-1", _fuel())])
    _rejects(park, "park.fuel_use", "E-1", _fuel(quantity="1300"), "park.duplicate_period")
    park.ledger.append([park.sign("park.fuel_use", "E-1", _fuel(quantity="1300", replaces=first.seq))])
    with park.ledger.db.read_session() as s:
        [live] = live_records(s, "P-1", 2025)
    assert live.payload.model_dump()["quantity"] == "1300"
    # The replaced record cannot be replaced twice.
    _rejects(
        park, "park.fuel_use", "E-1", _fuel(quantity="1400", replaces=first.seq), "park.replaces_invalid"
    )
    assert replay_check(park.ledger).ok


@pytest.mark.parametrize(
    ("kind", "actor", "payload", "code"),
    [
        ("park.fuel_use", "E-1", _fuel(park="P-9"), "park.unknown"),
        ("park.fuel_use", "E-1", _fuel(enterprise="E-2"), "park.not_own_record"),
        ("park.fuel_use", "E-1", _fuel(enterprise=None), "park.not_own_record"),
        ("park.fuel_use", "G-1", _fuel(enterprise="G-1"), "actor.role_forbidden"),
        ("park.fuel_use", "PA-2", _fuel(enterprise=None), "park.not_authorised"),
        ("park.fuel_use", "E-1", _fuel(fuel="unobtainium"), "park.fuel_unknown"),
        ("park.fuel_use", "E-1", _fuel(unit="Nm3"), "park.unit_mismatch"),
        ("park.fuel_use", "E-1", _fuel(quantity="-1"), "schema.invalid"),
        ("park.fuel_use", "E-1", _fuel(quantity=12.5), "schema.invalid"),  # floats are refused
        ("park.fuel_use", "E-1", _fuel(quantity="1.1234567"), "schema.invalid"),  # more than 6 places
        ("park.fuel_use", "E-1", _fuel(month=13), "schema.invalid"),
        ("park.fuel_use", "E-1", _fuel(replaces=1), "park.replaces_invalid"),  # seq 1 is an actor entry
        (
            "park.heat",
            "E-1",
            {"park": "P-1", "enterprise": "E-1", "year": 2025, "direction": "lent", "gj": "1"},
            "schema.invalid",
        ),
        (
            "park.ccus",
            "E-1",
            {
                "park": "P-1",
                "enterprise": "E-1",
                "year": 2025,
                "facility": "cc",
                "captured_t": "10",
                "stored_t": "11",
            },
            "park.ccus_exceeds_captured",
        ),
        (
            "park.resource_use",
            "E-1",
            {
                "park": "P-1",
                "enterprise": "E-1",
                "year": 2025,
                "indicator": "water",
                "total": "10",
                "used": "11",
                "unit": "m3",
            },
            "park.used_exceeds_total",
        ),
        (
            "park.resource_use",
            "E-1",
            {
                "park": "P-1",
                "enterprise": "E-1",
                "year": 2025,
                "indicator": "water",
                "total": "10",
                "used": "1",
                "unit": "t",
            },
            "park.unit_mismatch",
        ),
        (
            "park.product_energy",
            "E-1",
            {
                "park": "P-1",
                "enterprise": "E-1",
                "year": 2025,
                "product": "Si",
                "standard": "GB x",
                "output": "1",
                "output_unit": "t",
                "unit_energy": "13200",
                "unit_energy_unit": "kWh/t",
                "grade": 2,
                "limits": ["12900", "13150", "13350"],
            },
            "park.grade_inconsistent",
        ),
        (
            "park.product_energy",
            "E-1",
            {
                "park": "P-1",
                "enterprise": "E-1",
                "year": 2025,
                "product": "Si",
                "standard": "GB x",
                "output": "1",
                "output_unit": "t",
                "unit_energy": "1",
                "unit_energy_unit": "kWh/t",
                "grade": 1,
                "limits": ["3", "2", "1"],
            },
            "park.limits_order",
        ),
    ],
)
def test_bad_input_gives_its_code_and_writes_nothing(
    park: Park, kind: str, actor: str, payload: Payload, code: str
) -> None:
    _rejects(park, kind, actor, payload, code)


def test_periods_may_not_overlap(park: Park) -> None:
    park.ledger.append([park.sign("park.fuel_use", "E-1", _fuel(month=3))])
    _rejects(park, "park.fuel_use", "E-1", _fuel(month=3, quantity="2"), "park.duplicate_period")
    _rejects(
        park, "park.fuel_use", "E-1", _fuel(quantity="2"), "park.duplicate_period"
    )  # annual over a month
    park.ledger.append(
        [
            park.sign("park.fuel_use", "E-1", _fuel(month=4)),
            park.sign("park.fuel_use", "E-1", _fuel(use="feedstock")),  # another subject
            park.sign("park.fuel_use", "E-2", _fuel(enterprise="E-2")),
        ]
    )
    # Within one batch the second of two overlapping records is refused, and the batch writes nothing.
    before = _count(park)
    with pytest.raises(BadEntry) as e:
        park.ledger.append(
            [
                park.sign("park.fuel_use", "E-1", _fuel(month=5)),
                park.sign("park.fuel_use", "E-1", _fuel(month=5, quantity="3")),
            ]
        )
    assert e.value.code == "park.duplicate_period" and e.value.details["index"] == 1
    assert _count(park) == before
