"""Direct-supply links: rules and the month query for attribution."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.energy.links import links_for_month, links_for_period
from ledger.errors import LedgerError
from tests.conftest import Park
from tests.ledger.energy_helpers import state


def link(**extra: Any) -> dict[str, Any]:
    """Link L-1: W-1 feeds C-1 and C-2, grid meter X-1, from 2026-01-15 (Shanghai) to March."""
    return {
        "id": "L-1",
        "name": "Wind to smelter",
        "park": "P-1",
        "generation_meters": ["W-1"],
        "consumer_meters": ["C-2", "C-1"],
        "grid_meters": ["X-1"],
        "valid_from": "2026-01-15T00:00:00+08:00",
        "valid_to": "2026-03-01T00:00:00+08:00",
        **extra,
    }


def test_link_recorded_and_queried(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    park.ledger.append(
        [
            park.sign("supply.direct_link", "E-1", link()),
            park.sign(
                "supply.direct_link",
                "operator",
                link(id="L-2", consumer_meters=["C-3"], key="static_shares", shares=[600_000], valid_to=None),
            ),
        ]
    )
    with park.ledger.db.read_session() as s:
        jan = links_for_period(s, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
        assert [lk.link_id for lk in jan] == ["L-1", "L-2"]
        assert jan[0].consumer_ids == ("C-2", "C-1") and jan[0].generator_ids == ("W-1",)
        assert jan[0].valid_from == datetime(2026, 1, 14, 16, tzinfo=UTC)
        assert jan[1].shares == (600_000,) and jan[1].valid_to is None
        later = links_for_period(s, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
        assert [lk.link_id for lk in later] == ["L-2"]
        assert links_for_month(s, "2026-01") == jan and links_for_month(s, "2025-12") == []


@pytest.mark.parametrize(
    ("actor", "payload", "code"),
    [
        ("E-2", link(), "link.not_authorised"),
        ("E-1", link(generation_meters=["C-3"]), "meter.wrong_kind"),
        ("E-1", link(grid_meters=["C-1"]), "link.meter_repeated"),
        ("E-1", link(valid_to="2026-01-01T00:00:00+08:00"), "time.interval_empty"),
        ("E-1", link(valid_from="2026-01-15T00:00:00"), "time.naive"),
        ("E-1", link(key="static_shares"), "link.shares"),
        ("E-1", link(key="static_shares", shares=[900_000, 200_000]), "link.shares"),
        ("E-1", link(park="P-9"), "park.unknown"),
    ],
)
def test_link_rules(
    make_energy_park: Callable[[], Park], actor: str, payload: dict[str, Any], code: str
) -> None:
    park = make_energy_park()
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("supply.direct_link", actor, payload)])
    assert e.value.code == code, e.value
    assert state(park.ledger) == before
