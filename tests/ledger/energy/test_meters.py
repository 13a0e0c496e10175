"""Parks and meters: registration rules, roles, retirement (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.energy.meters import get_meter, meters_of
from ledger.energy.parks import get_park
from ledger.errors import LedgerError
from tests.conftest import Park
from tests.ledger.energy_helpers import batch, state


def test_registered_meters_and_park(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    with park.ledger.db.read_session() as s:
        p = get_park(s, "P-1")
        assert p is not None and p.level == "autonomous_region"
        assert p.time_zone == "Asia/Shanghai" and p.vintage_policy == "china"  # the defaults
        c2 = get_meter(s, "C-2")
        assert c2 is not None and c2.gateway == "GW-1" and c2.parent_id is None
        assert (
            c2.may_submit_readings("GW-1")
            and c2.may_submit_readings("E-1")
            and not c2.may_submit_readings("E-2")
        )
        assert [m.meter_id for m in meters_of(s, "G-1")] == ["S-1", "W-1"]
    assert park.ledger.verify().ok


def test_owner_registers_its_own_meter(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    park.ledger.append(
        [
            park.sign(
                "meter.register", "E-2", {"id": "C-9", "owner": "E-2", "park": "P-1", "kind": "consumption"}
            )
        ]
    )
    with pytest.raises(LedgerError) as e:
        park.ledger.append(
            [
                park.sign(
                    "meter.register",
                    "E-2",
                    {"id": "C-10", "owner": "E-1", "park": "P-1", "kind": "consumption"},
                )
            ]
        )
    assert e.value.code == "meter.not_authorised"


@pytest.mark.parametrize(
    ("actor", "payload", "code"),
    [
        (
            "operator",
            {"id": "C-1", "owner": "E-1", "park": "P-1", "kind": "consumption", "capacity_kw": 5},
            "meter.exists",
        ),
        ("operator", {"id": "C-9", "owner": "E-1", "park": "P-9", "kind": "consumption"}, "park.unknown"),
        ("operator", {"id": "C-9", "owner": "nobody", "park": "P-1", "kind": "consumption"}, "actor.unknown"),
        ("operator", {"id": "C-9", "owner": "R-1", "park": "P-1", "kind": "consumption"}, "meter.owner_role"),
        ("operator", {"id": "W-9", "owner": "G-1", "park": "P-1", "kind": "generation"}, "meter.technology"),
        (
            "operator",
            {"id": "C-9", "owner": "E-1", "park": "P-1", "kind": "consumption", "technology": "wind"},
            "meter.technology",
        ),
        (
            "operator",
            {"id": "C-9", "owner": "E-1", "park": "P-1", "kind": "consumption", "parent": "C-404"},
            "meter.unknown",
        ),
        (
            "operator",
            {"id": "C-9", "owner": "E-1", "park": "P-1", "kind": "consumption", "gateway": "E-2"},
            "meter.gateway_role",
        ),
        ("operator", {"id": "C-9", "owner": "E-1", "park": "P-1", "kind": "heat"}, "schema.invalid"),
        ("R-1", {"id": "C-9", "owner": "E-1", "park": "P-1", "kind": "consumption"}, "actor.role_forbidden"),
        ("operator", {"id": "P-1", "name": "again", "level": "national"}, "park.exists"),
    ],
)
def test_meter_and_park_rules(
    make_energy_park: Callable[[], Park], actor: str, payload: dict[str, Any], code: str
) -> None:
    park = make_energy_park()
    kind = "park.register" if "level" in payload else "meter.register"
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign(kind, actor, payload)])
    assert e.value.code == code, e.value
    assert state(park.ledger) == before


def test_park_actor_registers_its_park(make_park: Callable[[], Park]) -> None:
    park = make_park()
    park.register("PK-1", "park")
    park.ledger.append(
        [park.sign("park.register", "PK-1", {"id": "P-2", "name": "Ordos", "level": "national"})]
    )
    with park.ledger.db.read_session() as s:
        p = get_park(s, "P-2")
        assert p is not None and p.admin == "PK-1"
    with pytest.raises(LedgerError) as e:
        park.ledger.append(
            [
                park.sign(
                    "park.register",
                    "PK-1",
                    {"id": "P-3", "name": "x", "level": "national", "admin": "operator"},
                )
            ]
        )
    assert e.value.code == "park.not_authorised"


def test_meter_retire(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    park.ledger.append([park.sign("readings.batch", "E-1", batch("C-1"))])  # to 2026-01-01T16:00Z
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("meter.retire", "E-1", {"id": "C-1", "at": "2026-01-01T00:00:00Z"})])
    assert e.value.code == "meter.readings_after_retire"
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("meter.retire", "E-2", {"id": "C-1", "at": "2026-01-02T00:00:00Z"})])
    assert e.value.code == "meter.not_authorised"
    park.ledger.append([park.sign("meter.retire", "E-1", {"id": "C-1", "at": "2026-01-02T00:00:00Z"})])
    with pytest.raises(LedgerError) as e:
        park.ledger.append(
            [park.sign("readings.batch", "E-1", batch("C-1", start="2026-01-02T00:00:00+08:00"))]
        )
    assert e.value.code == "meter.retired"
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("meter.retire", "E-1", {"id": "C-1", "at": "2026-01-03T00:00:00Z"})])
    assert e.value.code == "meter.retired"
