"""GEC: exact range splitting, holder rules, and properties over random operation sequences."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.energy.gec import (
    GecRangeRow,
    GecRetirementRow,
    holdings,
    retirements_for_month,
    unit_totals,
)
from ledger.errors import LedgerError
from ledger.store.replay import replay_check
from tests.conftest import Park
from tests.ledger.energy_helpers import issue, metered, retire, state


def test_partial_transfer_splits_exactly(make_energy_park: Callable[[], Park]) -> None:
    park = metered(make_energy_park())
    park.ledger.append([park.sign("gec.issue", "R-1", issue(1001, 1100))])
    park.ledger.append([park.sign("gec.transfer", "G-1", {"first": 1021, "last": 1030, "to": "E-1"})])
    park.ledger.append([park.sign("gec.transfer", "E-1", {"first": 1025, "last": 1025, "to": "E-2"})])
    with park.ledger.db.read_session() as s:
        assert holdings(s, "G-1") == [(1001, 1020), (1031, 1100)]
        assert holdings(s, "E-1") == [(1021, 1024), (1026, 1030)]
        assert holdings(s, "E-2") == [(1025, 1025)]
        assert unit_totals(s) == {"issued": 100, "held": 100, "retired": 0, "expired": 0}
    park.ledger.append([park.sign("gec.retire", "E-1", retire(1021, 1024))])
    with park.ledger.db.read_session() as s:
        [r] = retirements_for_month(s, "2026-01")
        assert (r.units, r.wh, r.meter_ids, r.generator_id, r.technology, r.vintage) == (
            4,
            4_000_000,
            ("C-1",),
            "W-1",
            "wind",
            "2026-01",
        )
        assert retirements_for_month(s, "2026-02") == []
    assert replay_check(park.ledger).ok


@pytest.mark.parametrize(
    ("actor", "kind", "payload", "code"),
    [
        ("E-1", "gec.issue", issue(), "actor.role_forbidden"),
        ("R-1", "gec.issue", {**issue(), "mwh": 99}, "gec.mwh_mismatch"),
        ("R-1", "gec.issue", issue(50, 60), "gec.range_exists"),
        ("R-1", "gec.issue", {**issue(200, 300), "first": 300, "last": 200, "mwh": 1}, "gec.range_invalid"),
        ("R-1", "gec.issue", issue(200, 300, meter="C-1"), "meter.wrong_kind"),
        ("R-1", "gec.issue", issue(200, 300, technology="solar"), "gec.technology_mismatch"),
        ("R-1", "gec.issue", issue(200, 300, vintage="2026-13"), "period.invalid"),
        ("E-1", "gec.transfer", {"first": 1, "last": 10, "to": "E-2"}, "gec.not_holder"),
        ("G-1", "gec.transfer", {"first": 90, "last": 110, "to": "E-2"}, "gec.range_unknown"),
        ("G-1", "gec.transfer", {"first": 1, "last": 10, "to": "G-1"}, "gec.self_transfer"),
        ("G-1", "gec.transfer", {"first": 1, "last": 10, "to": "ghost"}, "actor.unknown"),
        ("G-1", "gec.retire", retire(1, 10, ("W-1",)), "meter.wrong_kind"),
        (
            "G-1",
            "gec.retire",
            {**retire(1, 10), "period_end": "2025-01-01T00:00:00Z"},
            "gec.period_not_month",
        ),
        ("R-1", "gec.expire", {"first": 1, "last": 10}, None),
        ("E-1", "gec.expire", {"first": 1, "last": 10}, "actor.role_forbidden"),
    ],
)
def test_gec_rules(
    make_energy_park: Callable[[], Park], actor: str, kind: str, payload: dict[str, object], code: str | None
) -> None:
    park = metered(make_energy_park())
    park.ledger.append([park.sign("gec.issue", "R-1", issue(1, 100))])
    before = state(park.ledger)
    if code is None:
        park.ledger.append([park.sign(kind, actor, payload)])
        return
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign(kind, actor, payload)])
    assert e.value.code == code, e.value
    assert state(park.ledger) == before


def test_expiry_rules(make_energy_park: Callable[[], Park]) -> None:
    park = metered(make_energy_park())
    park.register("R-2", "registry")
    park.ledger.append([park.sign("gec.issue", "R-1", issue(1, 100))])
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("gec.expire", "R-2", {"first": 1, "last": 10})])
    assert e.value.code == "gec.not_issuer"
    park.ledger.append([park.sign("gec.retire", "G-1", retire(1, 5))])
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("gec.expire", "R-1", {"first": 1, "last": 10})])
    assert e.value.code == "gec.already_retired"
    park.ledger.append([park.sign("gec.expire", "R-1", {"first": 6, "last": 10})])
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("gec.retire", "G-1", retire(8, 12))])
    assert e.value.code == "gec.expired"
    with park.ledger.db.read_session() as s:
        assert unit_totals(s) == {"issued": 100, "held": 90, "retired": 5, "expired": 5}


# -- properties over random sequences --------------------------------------------------

ACTORS = ("G-1", "E-1", "E-2")
Op = tuple[str, int, int, int, int]  # (kind, actor index, first offset, length, recipient index)
_PARKS: dict[str, tuple[Park, int]] = {}


def _expected(
    model: dict[int, tuple[str, str]], kind: str, actor: str, first: int, last: int, to: str
) -> str | None:
    """The oracle: the error code a naive per-unit model predicts, or None when the op is legal."""
    if kind == "transfer" and to == actor:
        return "gec.self_transfer"
    units = [model.get(u) for u in range(first, last + 1)]
    if any(u is None for u in units):
        return "gec.range_unknown"
    if any(u is not None and u[1] == "retired" for u in units):
        return "gec.already_retired"
    if any(u is not None and u[1] == "expired" for u in units):
        return "gec.expired"
    if kind == "expire":
        return None
    mine = sum(1 for u in units if u is not None and u[0] == actor)
    if mine < len(units):
        return "gec.exceeds_holding" if mine else "gec.not_holder"
    return None


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["issue", "transfer", "retire", "expire"]),
            st.integers(0, 2),
            st.integers(0, 60),
            st.integers(1, 25),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_random_sequences_conserve_units(
    make_energy_park: Callable[[], Park], request: pytest.FixtureRequest, ops: list[Op]
) -> None:
    """issued = held + retired + expired after every step; no unit retired twice; replay is identical."""
    key = request.node.nodeid
    park, n = _PARKS.get(key) or (metered(make_energy_park()), 0)
    _PARKS[key] = (park, n + 1)
    base = 1 + 10_000 * n  # each example in its own serial space
    model: dict[int, tuple[str, str]] = {}  # serial → (holder, status)
    next_free = base
    retired_seen: set[int] = set()
    for step, (kind, who, off, length, to_idx) in enumerate(ops):
        actor, to = ACTORS[who], ACTORS[to_idx]
        if kind == "issue":
            first, last = next_free, next_free + length - 1
            next_free = last + 1
            park.ledger.append([park.sign("gec.issue", "R-1", issue(first, last, holder=actor))])
            model.update({u: (actor, "held") for u in range(first, last + 1)})
        else:
            first = base + off
            last = first + length - 1
            want = _expected(model, kind, "R-1" if kind == "expire" else actor, first, last, to)
            payload: dict[str, object] = {"first": first, "last": last}
            if kind == "transfer":
                payload["to"] = to
            elif kind == "retire":
                payload = retire(first, last)
            # a distinct client id per step: a repeated op is a new entry, not a replayed signature
            sub = park.sign(
                f"gec.{kind}", "R-1" if kind == "expire" else actor, payload, client_id=f"{n}-{step}"
            )
            before = state(park.ledger)
            if want is None:
                park.ledger.append([sub])
                for u in range(first, last + 1):
                    holder = model[u][0]
                    model[u] = {
                        "transfer": (to, "held"),
                        "retire": (holder, "retired"),
                        "expire": (holder, "expired"),
                    }[kind]
            else:
                with pytest.raises(LedgerError) as e:
                    park.ledger.append([sub])
                assert e.value.code == want, (kind, first, last, e.value)
                assert state(park.ledger) == before
        with park.ledger.db.read_session() as s:
            rows = s.execute(
                select(GecRangeRow.first, GecRangeRow.last, GecRangeRow.holder, GecRangeRow.status)
                .where(GecRangeRow.first >= base, GecRangeRow.first < base + 10_000)
                .order_by(GecRangeRow.first)
            ).all()
            got = {u: (h, st_) for a, b, h, st_ in rows for u in range(a, b + 1)}
            assert got == model
            for a, b, _h, _st in rows:  # ranges are disjoint and ordered
                assert a <= b
            assert all(rows[i][1] < rows[i + 1][0] for i in range(len(rows) - 1))
            totals = unit_totals(s)
            assert totals["issued"] == totals["held"] + totals["retired"] + totals["expired"]
            retired = s.execute(
                select(GecRetirementRow.first, GecRetirementRow.last).where(
                    GecRetirementRow.first >= base, GecRetirementRow.first < base + 10_000
                )
            ).all()
            units = [u for a, b in retired for u in range(a, b + 1)]
            assert len(units) == len(set(units))  # never retired twice
            retired_seen = set(units)
            assert retired_seen == {u for u, (_h, st_) in model.items() if st_ == "retired"}
    report = replay_check(park.ledger)
    assert report.ok, report
