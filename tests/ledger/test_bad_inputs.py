"""The issue's table of bad inputs: each gives its error code and leaves the log unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger.errors import LedgerError
from ledger.store.replay import replay_check
from tests.conftest import Park
from tests.ledger.energy_helpers import batch, issue, metered, retire, state

CASES = [
    # (description, actor, kind, payload, code)
    (
        "overlapping batch",
        "E-1",
        "readings.batch",
        batch("C-1", start="2026-01-01T12:00:00+08:00", values=[5]),
        "readings.overlap",
    ),
    (
        "negative value",
        "E-1",
        "readings.batch",
        batch("C-1", start="2026-01-02T00:00:00+08:00", values=[5, -1]),
        "readings.negative",
    ),
    (
        "naive timestamp",
        "E-1",
        "readings.batch",
        batch("C-1", start="2026-01-02T00:00:00", values=[5]),
        "time.naive",
    ),
    (
        "retirement by a non-holder",
        "E-2",
        "gec.retire",
        {**retire(1, 10, ("C-3",)), "beneficiary": "E-2"},
        "gec.not_holder",
    ),
    ("retirement for another's meter", "E-1", "gec.retire", retire(21, 22, ("C-3",)), "gec.meter_not_owned"),
    (
        "retirement for a free-text beneficiary",
        "E-1",
        "gec.retire",
        {**retire(21, 22), "beneficiary": "我的铁合金厂 My Ferro Plant"},
        "schema.invalid",
    ),
    ("double retirement", "E-1", "gec.retire", retire(15, 20), "gec.already_retired"),
    (
        "transfer of more than is held",
        "E-1",
        "gec.transfer",
        {"first": 21, "last": 40, "to": "E-2"},
        "gec.exceeds_holding",
    ),
    (
        "a batch for someone else's meter",
        "E-2",
        "readings.batch",
        batch("C-1", start="2026-01-02T00:00:00+08:00"),
        "readings.not_owner",
    ),
]


@pytest.mark.parametrize(("what", "actor", "kind", "payload", "code"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_rejected_and_log_unchanged(
    make_energy_park: Callable[[], Park],
    what: str,
    actor: str,
    kind: str,
    payload: dict[str, object],
    code: str,
) -> None:
    park = metered(make_energy_park())  # GEC are issued only for metered generation
    park.ledger.append(
        [
            park.sign("readings.batch", "E-1", batch("C-1")),
            park.sign("gec.issue", "R-1", issue(1, 100)),
            park.sign("gec.transfer", "G-1", {"first": 11, "last": 30, "to": "E-1"}),
            park.sign("gec.retire", "E-1", retire(11, 20)),
        ]
    )
    before = state(park.ledger)
    good = park.sign("readings.batch", "E-1", batch("C-2", values=[7]))  # lands only if the batch does
    with pytest.raises(LedgerError) as e:
        park.ledger.append([good, park.sign(kind, actor, payload)])
    assert e.value.code == code, (what, e.value)
    assert e.value.details["index"] == 1
    assert state(park.ledger) == before
    assert park.ledger.verify().ok
    assert replay_check(park.ledger).ok
