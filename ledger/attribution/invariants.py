"""The invariants every attribution result must satisfy, checked after each month.

:func:`check_invariants` is run by :func:`ledger.attribution.engine.attribute_month`
on its own result before returning it, and by anyone holding inputs and a
result to check. A failure is an :class:`~ledger.errors.IntegrityFailure`
``attribution.invariant`` whose ``invariant`` detail names the broken rule.
"""

from __future__ import annotations

import numpy as np

from ledger.attribution.records import MonthInputs, positions
from ledger.attribution.result import MonthResult
from ledger.energy.periods import hour_label
from ledger.energy.units import WH_PER_GEC
from ledger.errors import IntegrityFailure

__all__ = ["check_invariants"]


def _fail(name: str, message: str, **details: object) -> IntegrityFailure:
    return IntegrityFailure(message, code="attribution.invariant", invariant=name, **details)


def check_invariants(inputs: MonthInputs, result: MonthResult) -> None:
    """Raise :class:`IntegrityFailure` (``attribution.invariant``) on any violation.

    Checks: shapes and ids match the inputs; every amount is ``>= 0``;
    ``direct + contracted + certificate + grid == consumption`` per meter-hour
    and consumption equals the input outside gaps (0 inside); no meter
    receives more than it consumed; no generator gives more than it generated
    in an hour, and what meters received per hour equals what generators gave;
    per-generator totals add up to the hourly arrays; trades deliver at most
    their volume; a certificate unit covers at most one meter-month (whole
    units per meter, at most the units retired, used Wh within the units);
    certificate and claimed Wh per meter match the uses; claimable direct and
    claimable contracted ``<=`` the physical direct and contracted energy of
    the same generator, and only where a retirement of units of that generator
    *and month* named the meter (the claims law).
    """
    n_m, n_h = len(inputs.consumer_ids), inputs.n_hours
    n_g = len(inputs.generator_ids)
    if result.consumer_ids != inputs.consumer_ids or result.generator_ids != inputs.generator_ids:
        raise _fail("ids", "result ids differ from the inputs")
    if result.month != inputs.month or result.time_zone != inputs.time_zone:
        raise _fail(
            "month",
            f"result month {result.month} ({result.time_zone}) != inputs month {inputs.month} "
            f"({inputs.time_zone})",
        )
    mh = (result.consumption, result.direct, result.contracted, result.certificate, result.grid)
    gh = (result.generation, result.generator_direct, result.generator_contracted)
    mg = (
        result.direct_by_generator,
        result.contracted_by_generator,
        result.claimable_direct_by_generator,
        result.claimable_contracted_by_generator,
    )
    for arrays, shape in ((mh, (n_m, n_h)), (gh, (n_g, n_h)), (mg, (n_m, n_g))):
        for arr in arrays:
            if arr.shape != shape or arr.dtype != np.int64:
                raise _fail("shape", f"array of shape {arr.shape} {arr.dtype}, expected {shape}")
            if arr.size and int(arr.min()) < 0:
                raise _fail("non_negative", "a negative amount in the result")
    expected_c = np.where(result.gap, 0, inputs.consumption)
    if not np.array_equal(result.consumption, expected_c):
        raise _fail("consumption", "result consumption differs from the input readings")
    parts = result.direct + result.contracted + result.certificate + result.grid
    if not np.array_equal(parts, result.consumption):
        m, h = (int(x[0]) for x in np.nonzero(parts != result.consumption))
        raise _fail(
            "parts_sum",
            f"parts sum to {int(parts[m, h])} != consumption {int(result.consumption[m, h])} "
            f"for meter {inputs.consumer_ids[m]} at {hour_label(inputs.month, h, inputs.time_zone)}",
        )
    expected_g = np.where(result.generation_gap, 0, inputs.generation)
    if not np.array_equal(result.generation, expected_g):
        raise _fail("generation", "result generation differs from the input readings")
    if bool((result.surplus < 0).any()):
        g, h = (int(x[0]) for x in np.nonzero(result.surplus < 0))
        raise _fail(
            "generator_overdrawn",
            f"generator {inputs.generator_ids[g]} gave more than it generated at "
            f"{hour_label(inputs.month, h, inputs.time_zone)}",
        )
    for name, by_meter, by_gen, per_mg in (
        ("direct", result.direct, result.generator_direct, result.direct_by_generator),
        (
            "contracted",
            result.contracted,
            result.generator_contracted,
            result.contracted_by_generator,
        ),
    ):
        if not np.array_equal(by_meter.sum(axis=0), by_gen.sum(axis=0)):
            raise _fail("hourly_balance", f"{name}: received != given in some hour")
        if not np.array_equal(per_mg.sum(axis=1), by_meter.sum(axis=1)):
            raise _fail("meter_totals", f"{name}: per-generator totals != meter totals")
        if not np.array_equal(per_mg.sum(axis=0), by_gen.sum(axis=1)):
            raise _fail("generator_totals", f"{name}: per-meter totals != generator totals")
    volumes = np.array([t.volume_wh for t in inputs.trades], dtype=np.int64)
    if result.trade_ids != tuple(t.contract_id for t in inputs.trades) or not np.array_equal(
        result.trade_delivered_wh + result.trade_unused_wh, volumes
    ):
        raise _fail("trade_volume", "trade delivered + unused != contracted volume")
    if bool((result.trade_delivered_wh < 0).any() or (result.trade_unused_wh < 0).any()):
        raise _fail("trade_volume", "a trade delivered more than its volume")
    _check_certificates(inputs, result)


def _check_certificates(inputs: MonthInputs, result: MonthResult) -> None:
    m_index, g_index = positions(inputs.consumer_ids), positions(inputs.generator_ids)
    by_id = {r.retirement_id: r for r in inputs.retirements}
    if result.retirement_ids != tuple(by_id):
        raise _fail("retirements", "result retirements differ from the inputs")
    covered_m = np.zeros(len(inputs.consumer_ids), dtype=np.int64)
    claimed_mg = np.zeros_like(result.claimable_direct_by_generator)
    claimed_c_mg = np.zeros_like(result.claimable_contracted_by_generator)
    used = dict.fromkeys(by_id, 0)
    units = dict.fromkeys(by_id, 0)
    seen: set[tuple[str, str]] = set()
    for use in result.certificate_uses:
        ret = by_id.get(use.retirement_id)
        if ret is None or use.meter_id not in ret.meter_ids:
            raise _fail("certificate_scope", f"use {use} outside its retirement")
        if (use.retirement_id, use.meter_id) in seen:
            raise _fail("certificate_unit", f"retirement {use.retirement_id} split twice")
        seen.add((use.retirement_id, use.meter_id))
        if min(use.units, use.claimed_direct_wh, use.claimed_contracted_wh, use.covered_wh) < 0 or (
            use.used_wh > use.units * WH_PER_GEC
        ):
            raise _fail("certificate_unit", f"use {use} exceeds its whole units")
        units[use.retirement_id] += use.units
        used[use.retirement_id] += use.used_wh
        m = m_index[use.meter_id]
        covered_m[m] += use.covered_wh
        if use.claimed_direct_wh or use.claimed_contracted_wh:
            g = g_index.get(ret.generator_id)
            if g is None:
                raise _fail("claim_scope", f"use {use} claims a generator without readings")
            if ret.vintage != inputs.month:
                raise _fail("claim_scope", f"use {use} claims with GEC of {ret.vintage}, not {inputs.month}")
            claimed_mg[m, g] += use.claimed_direct_wh
            claimed_c_mg[m, g] += use.claimed_contracted_wh
    for r, (rid, ret) in enumerate(by_id.items()):
        if units[rid] > ret.units:
            raise _fail("certificate_unit", f"retirement {rid} used {units[rid]} > {ret.units} units")
        if int(result.retirement_unused_wh[r]) != ret.wh - used[rid]:
            raise _fail("certificate_unused", f"retirement {rid}: unused volume is wrong")
    if not np.array_equal(covered_m, result.certificate.sum(axis=1)):
        raise _fail("certificate_total", "certificate Wh per meter != Wh covered by retirements")
    if not np.array_equal(claimed_mg, result.claimable_direct_by_generator):
        raise _fail("claim_total", "claimable direct != Wh claimed by retirements")
    if not np.array_equal(claimed_c_mg, result.claimable_contracted_by_generator):
        raise _fail("claim_total", "claimable contracted != Wh claimed by retirements")
    if bool((result.claimable_direct_by_generator > result.direct_by_generator).any()):
        raise _fail("claim_exceeds_physical", "claimable direct exceeds physical direct")
    if bool((result.claimable_contracted_by_generator > result.contracted_by_generator).any()):
        raise _fail("claim_exceeds_physical", "claimable contracted exceeds physical contracted")
