"""The attribution inputs (``MonthInputs`` and its records) refuse bad values by name."""

from __future__ import annotations

import numpy as np
import pytest

from ledger.attribution.engine import attribute_month
from ledger.attribution.records import DirectLink, MonthInputs, Retirement, Trade
from ledger.errors import RuleViolation
from tests.ledger.attribution.cases import L1, MONTH, H, day


def test_link_naming_unknown_meter() -> None:
    with pytest.raises(RuleViolation) as e:
        day([DirectLink("L1", ("G1",), ("A", "Z"))])
    assert e.value.code == "attribution.unknown_meter"
    assert e.value.details["ids"] == ["Z"]


def test_link_naming_unknown_generator() -> None:
    with pytest.raises(RuleViolation) as e:
        day([DirectLink("L1", ("G9",), ("A",))])
    assert e.value.code == "attribution.unknown_generator"


def test_retirement_naming_meter_outside_consumer_set() -> None:
    with pytest.raises(RuleViolation) as e:
        day(retirements=[Retirement("R", 1, "E1", ("A", "Q"), MONTH, "G1", "wind")])
    assert e.value.code == "attribution.unknown_meter"


def test_retirement_for_meter_the_beneficiary_does_not_own() -> None:
    owners = {"A": "E1", "B": "E2", "C": "E2"}
    with pytest.raises(RuleViolation) as e:
        day(
            retirements=[Retirement("R", 1, "E1", ("A", "B"), MONTH, "G1", "wind")],
            meter_owners=owners,
        )
    assert e.value.code == "attribution.meter_not_owned"
    assert e.value.details["meters"] == ["B"]


def test_trade_and_retirement_of_another_month() -> None:
    with pytest.raises(RuleViolation) as e:
        day(trades=[Trade("T", ("G1",), ("A",), "2025-07", 5)])
    assert e.value.code == "attribution.period_mismatch"
    # a unit never covers consumption before its production month ...
    with pytest.raises(RuleViolation) as e:
        day(retirements=[Retirement("R", 1, "E", ("A",), "2025-07", "G1", "wind")])
    assert e.value.code == "attribution.period_mismatch"
    # ... but may cover a later month's (its retirement's consumption period): then it only covers
    day(retirements=[Retirement("R", 1, "E", ("A",), "2025-05", "G1", "wind")])


def test_bad_shapes_and_values() -> None:
    with pytest.raises(RuleViolation) as e:
        MonthInputs.build(MONTH, ["A"], np.zeros((1, 10), np.int64), [], [], np.zeros((0, 10), np.int64))
    assert e.value.code == "attribution.bad_shape"
    big = np.zeros((1, H), np.int64)
    big[0, 0] = 2**31
    with pytest.raises(RuleViolation) as e:
        MonthInputs.build(MONTH, ["A"], big, [], [], np.zeros((0, H), np.int64))
    assert e.value.code == "attribution.value_out_of_range"
    neg = np.zeros((1, H), np.int64)
    neg[0, 3] = -1
    with pytest.raises(RuleViolation):
        MonthInputs.build(MONTH, ["A"], neg, [], [], np.zeros((0, H), np.int64))
    with pytest.raises(RuleViolation) as e:
        MonthInputs.build("2025-13", ["A"], neg, [], [], np.zeros((0, H), np.int64))
    assert e.value.code == "period.invalid"


def test_inputs_are_read_only() -> None:
    inputs = day([L1])
    with pytest.raises(ValueError):
        inputs.consumption[0, 0] = 1
    r = attribute_month(inputs)
    with pytest.raises(ValueError):
        r.grid[0, 0] = 1
