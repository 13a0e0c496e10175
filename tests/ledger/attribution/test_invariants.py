"""``check_invariants`` catches every tampered or inconsistent result."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.attribution.engine import attribute_month
from ledger.attribution.invariants import check_invariants
from ledger.attribution.records import MonthInputs
from ledger.errors import IntegrityFailure
from tests.ledger.attribution.cases import PH, full, mutated, random_inputs


@pytest.mark.parametrize(
    ("changes", "invariant"),
    [
        ([("direct", 2, 3, 1)], "parts_sum"),
        ([("direct", 2, 3, 1), ("grid", 2, 3, -1)], "hourly_balance"),
        ([("generator_direct", 0, 0, 1)], "generator_overdrawn"),
        ([("claimable_direct_by_generator", 1, 0, 1)], "claim_total"),
        ([("grid", 2, 0, -1), ("certificate", 2, 0, 1)], "certificate_total"),
        ([("consumption", 0, 0, 1), ("grid", 0, 0, 1)], "consumption"),
    ],
)
def test_check_invariants_catches_tampering(changes: list[tuple[str, int, int, int]], invariant: str) -> None:
    inputs, result = full()
    check_invariants(inputs, result)
    for name, m, h, delta in changes:
        result = mutated(result, name, m, h, delta)
    with pytest.raises(IntegrityFailure) as e:
        check_invariants(inputs, result)
    assert e.value.code == "attribution.invariant"
    assert e.value.details["invariant"] == invariant


def test_check_invariants_unit_covers_one_meter_month() -> None:
    inputs, result = full()
    use = result.certificate_uses[0]
    twice = (*result.certificate_uses, dataclasses.replace(use, covered_wh=0, claimed_direct_wh=0))
    with pytest.raises(IntegrityFailure):
        check_invariants(inputs, dataclasses.replace(result, certificate_uses=twice))
    over = dataclasses.replace(use, units=0)
    with pytest.raises(IntegrityFailure):
        check_invariants(
            inputs,
            dataclasses.replace(result, certificate_uses=(over, *result.certificate_uses[1:])),
        )


def test_check_invariants_claim_exceeding_physical() -> None:
    inputs, result = full()
    claim = np.array(result.claimable_direct_by_generator)
    claim[0, 0] = 10**9
    bigger = dataclasses.replace(result.certificate_uses[0], claimed_direct_wh=10**9)
    with pytest.raises(IntegrityFailure):
        check_invariants(
            inputs,
            dataclasses.replace(
                result,
                claimable_direct_by_generator=claim,
                certificate_uses=(bigger, *result.certificate_uses[1:]),
            ),
        )


@settings(max_examples=50, deadline=None)
@given(random_inputs(), st.data())
def test_any_one_wh_moved_breaks_an_invariant(inputs: MonthInputs, data: st.DataObject) -> None:
    r = attribute_month(inputs)
    m = data.draw(st.integers(0, len(inputs.consumer_ids) - 1))
    h = data.draw(st.integers(0, PH - 1))
    src, dst = data.draw(
        st.permutations(["direct", "contracted", "certificate", "grid"]).map(lambda p: p[:2])
    )
    if getattr(r, src)[m, h] == 0:
        src, dst = dst, src
    if getattr(r, src)[m, h] == 0:
        return
    bad = mutated(mutated(r, src, m, h, -1), dst, m, h, 1)
    with pytest.raises(IntegrityFailure):
        check_invariants(inputs, bad)
