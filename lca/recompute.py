"""Claims derived, not asserted: a ``footprint.publish`` re-computed from the ledger alone.

The figures of a footprint are a function of four things on the ledger:

- the **model**: the ``footprint.model`` entry the payload cites by its hash
  (``model_sha256``: models are content-addressed), recorded by the publisher;
- the **electricity**: the committed result rows (``ledger.run_rows``) of the
  cited ``attribution.run`` for the model's meters and months, summed over the
  months and multiplied by each meter's share in the model (the product's
  share of that meter's consumption) -- a run without committed rows, a
  meter-month it did not attribute or hours without readings are refused;
- the **background** version (``lca.background``; the shipped one, whose
  version the payload names);
- the calculation (``lca.warm``: Brightway's background, the model's own
  foreground).

:func:`recompute` gives the payload those inputs determine; :func:`difference`
names the first field where a submitted payload differs from it (numbers to
:data:`REL_TOLERANCE` relative, :data:`ABS_TOLERANCE` absolute: publishers run
the same code, so honest figures are equal to the bit and the tolerance only
absorbs floating-point differences between platforms). The ``footprint.publish``
rule (``lca.kinds``) refuses any entry with a difference
(``footprint.figures_mismatch``), and ``tanji footprint verify`` prints them.

Fields the publisher chooses are not re-computed: ``footprint_id``,
``supersedes`` (checked by their own rules) and ``lot``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lca.electricity import MeterElectricity, Period
from lca.errors import LcaError
from lca.footprint import FootprintResult
from lca.model import ProductModel
from lca.model_kind import RecordedModel, find_model
from lca.publish import FootprintPublish
from lca.warm import WarmBackground, compute_warm, warm_background
from ledger import ResultRow, RuleViolation, stored_rows
from ledger.attribution.reports import MeterElectricityRecord
from ledger.attribution.row_store import has_rows
from ledger.energy.periods import month_first_day, next_month

__all__ = [
    "ABS_TOLERANCE",
    "NOT_RECOMPUTED",
    "REL_TOLERANCE",
    "Difference",
    "RecomputeInputs",
    "differences",
    "difference",
    "electricity_from_rows",
    "hourly_matched_kwh",
    "load_inputs",
    "model_meters",
    "model_months",
    "recompute",
]

#: Relative tolerance of floating-point figures (and :data:`ABS_TOLERANCE` absolute).
REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-9
#: Payload fields the publisher chooses: not re-computed.
NOT_RECOMPUTED = frozenset({"footprint_id", "supersedes", "lot"})


def model_months(model: ProductModel) -> tuple[str, str]:
    """The first and last attribution month of ``model``'s reference period.

    ``RuleViolation`` (``footprint.period_not_months``) unless the period is whole months.
    """
    start, end = model.reference_period.start, model.reference_period.end
    if start.day != 1 or end.day != 1:
        raise RuleViolation(
            f"model {model.id!r}: reference period [{start}, {end}) is not whole months, as the "
            "ledger's monthly attribution needs",
            code="footprint.period_not_months",
        )
    last = end - dt.timedelta(days=1)
    return f"{start:%Y-%m}", f"{last:%Y-%m}"


def model_meters(model: ProductModel) -> list[str]:
    """The meters of ``model``'s metered processes, sorted."""
    return sorted({m.meter for p in model.processes if p.electricity for m in p.electricity.meters})


def _months(first: str, last: str) -> list[str]:
    out = [first]
    while out[-1] < last:
        out.append(next_month(out[-1]))
    return out


def _summed(rows: Sequence[ResultRow], run_seq: int, period: tuple[str, str]) -> MeterElectricityRecord:
    """One meter's rows over the period as the ledger's report record (Wh by technology)."""
    by: dict[str, dict[str, int]] = {}
    for r in rows:
        for kind, techs in r.by_technology.items():
            bucket = by.setdefault(kind, {})
            for tech, wh in techs.items():
                bucket[tech] = bucket.get(tech, 0) + wh
    return MeterElectricityRecord(
        meter_id=rows[0].meter_id,
        period_start=month_first_day(period[0]),
        period_end=month_first_day(next_month(period[1])),
        direct_wh=by.get("direct", {}),
        direct_claimable_wh=by.get("claimable_direct", {}),
        contracted_wh=by.get("contracted", {}),
        certificate_wh=by.get("certificate", {}),
        grid_wh=sum(r.grid_wh for r in rows),
        attribution_seq=run_seq,
        contracted_claimable_wh=by.get("claimable_contracted", {}),
    )


def electricity_from_rows(
    model: ProductModel, rows: Sequence[ResultRow], run_seq: int
) -> list[MeterElectricity]:
    """Each metered meter of ``model`` over its period, from a run's rows (one per meter-month).

    ``RuleViolation``: ``footprint.run_not_covering`` (a meter-month without a row),
    ``footprint.run_gaps`` (hours without readings in a row).
    """
    from lca.ledger_footprints import meter_electricity_of  # lca.kinds -> here -> there -> lca.kinds

    first, last = model_months(model)
    months = _months(first, last)
    have = {(r.meter_id, r.month): r for r in rows}
    period = Period(model.reference_period.start, model.reference_period.end)
    out = []
    for meter in model_meters(model):
        mine = []
        for month in months:
            row = have.get((meter, month))
            if row is None:
                raise RuleViolation(
                    f"attribution run {run_seq} has no result row for meter {meter!r} in {month} "
                    f"(model {model.id!r} covers {first}..{last})",
                    code="footprint.run_not_covering",
                    run_seq=run_seq,
                    meter=meter,
                    month=month,
                )
            if row.gap_hours:
                raise RuleViolation(
                    f"attribution run {run_seq}: meter {meter!r} has {row.gap_hours} hours without "
                    f"readings in {month}; a published footprint needs complete readings",
                    code="footprint.run_gaps",
                    run_seq=run_seq,
                    meter=meter,
                    month=month,
                )
            mine.append(row)
        out.append(meter_electricity_of(_summed(mine, run_seq, (first, last)), period))
    return out


def hourly_matched_kwh(model: ProductModel, rows: Sequence[ResultRow], result: FootprintResult) -> float:
    """kWh per declared unit matched hour by hour with direct or contracted generation.

    For each metered process: its electricity per declared unit (``result.by_input``) times the
    hourly-matched share of its meters, Σ share × hourly-matched Wh / Σ share × consumption Wh
    over the period's rows (``ledger.hourly_matched_share``'s definition, weighted by the shares).
    """
    by_meter: dict[str, tuple[int, int]] = {}
    for r in rows:
        got = by_meter.get(r.meter_id, (0, 0))
        by_meter[r.meter_id] = (got[0] + r.hourly_matched_wh, got[1] + r.consumption_wh)
    kwh_of = {i.process_id: i.amount_per_declared_unit for i in result.by_input if i.kind == "electricity"}
    total = 0.0
    for p in model.processes:
        if p.electricity is None:
            continue
        matched = sum((m.share * by_meter.get(m.meter, (0, 0))[0] for m in p.electricity.meters), 0.0)
        consumed = sum((m.share * by_meter.get(m.meter, (0, 0))[1] for m in p.electricity.meters), 0.0)
        if consumed > 0:
            total += kwh_of.get(p.id, 0.0) * matched / consumed
    return total


@dataclass(frozen=True)
class RecomputeInputs:
    """What a footprint is re-computed from: the recorded model, the run and its rows (and the
    electricity they give the model's meters)."""

    recorded: RecordedModel
    run_seq: int | None
    rows: tuple[ResultRow, ...]
    electricity: tuple[MeterElectricity, ...] = ()


def load_inputs(session: Session, publisher: str, model_sha256: str, run_seq: int | None) -> RecomputeInputs:
    """The recorded model and the run's rows a footprint of ``publisher`` cites.

    ``RuleViolation``: ``footprint.model_unknown`` (``publisher`` recorded no such model),
    ``footprint.run_required`` (a metered model without a run), ``footprint.run_without_rows``
    (the run has no committed rows for the model's meters), and :func:`electricity_from_rows`'s.
    """
    recorded = find_model(session, publisher, model_sha256)
    if recorded is None:
        raise RuleViolation(
            f"{publisher!r} recorded no product model {model_sha256} (append a footprint.model first)",
            code="footprint.model_unknown",
            model_sha256=model_sha256,
        )
    meters = model_meters(recorded.model)
    if not meters:
        return RecomputeInputs(recorded, run_seq, ())
    if run_seq is None:
        raise RuleViolation(
            f"model {recorded.model.id!r} meters electricity; the footprint must cite the attribution run "
            "its electricity comes from",
            code="footprint.run_required",
        )
    rows = stored_rows(session, run_seq, meters=meters, months=model_months(recorded.model))
    if not rows and not has_rows(session, run_seq):
        raise RuleViolation(
            f"attribution run {run_seq} has no committed result rows for meters {', '.join(meters)} "
            "(recorded before runs committed to rows, or not covering them): re-run the attribution",
            code="footprint.run_without_rows",
            run_seq=run_seq,
        )
    electricity = electricity_from_rows(recorded.model, rows, run_seq)  # every meter-month, complete
    return RecomputeInputs(recorded, run_seq, tuple(rows), tuple(electricity))


def recompute(
    inputs: RecomputeInputs, *, lot: str | None = None, warm: WarmBackground | None = None
) -> FootprintPublish:
    """The ``footprint.publish`` payload (without id and supersessions) ``inputs`` determine.

    ``RuleViolation`` (``footprint.not_computable``) when the model cannot be computed.
    """
    model = inputs.recorded.model
    try:
        warm = warm or warm_background()
        result = compute_warm(model, inputs.electricity, warm)
    except LcaError as e:
        raise RuleViolation(
            f"model {model.id!r} cannot be computed: {e.message}", code="footprint.not_computable"
        ) from e
    metered = bool(model_meters(model))
    return FootprintPublish.from_result(
        result,
        model,
        attribution_run_seq=inputs.run_seq if metered else None,
        lot=lot,
        hourly_matched_kwh=hourly_matched_kwh(model, inputs.rows, result) if metered else None,
    )


@dataclass(frozen=True)
class Difference:
    """A field (dotted path) where a payload differs from the re-computation, with both values."""

    field: str
    expected: Any
    claimed: Any

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "expected": self.expected, "claimed": self.claimed}

    def __str__(self) -> str:
        return f"{self.field}: re-computed {self.expected!r}, the entry says {self.claimed!r}"


_MISSING = object()


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _close(a: float, b: float) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= REL_TOLERANCE * max(abs(a), abs(b)) + ABS_TOLERANCE


def _walk(path: str, want: Any, got: Any) -> Iterator[Difference]:
    if isinstance(want, Mapping) and isinstance(got, Mapping):
        keys = list(want) + [k for k in got if k not in want]
        for key in keys:
            yield from _walk(
                f"{path}.{key}" if path else str(key), want.get(key, _MISSING), got.get(key, _MISSING)
            )
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            yield from _walk(f"{path}[{i}]", w, g)
    elif _number(want) and _number(got):
        if not _close(float(want), float(got)):
            yield Difference(path, want, got)
    elif type(want) is not type(got) or want != got:
        yield Difference(path, None if want is _MISSING else want, None if got is _MISSING else got)


def _figures(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in NOT_RECOMPUTED}


def differences(expected: FootprintPublish, claimed: FootprintPublish) -> list[Difference]:
    """Every field where ``claimed`` differs from ``expected``, in the payload's field order
    (``results.market.total`` before ``results.location…``)."""
    want = _figures(expected.model_dump(mode="json", by_alias=True))
    got = _figures(claimed.model_dump(mode="json", by_alias=True))
    return list(_walk("", want, got))


def difference(expected: FootprintPublish, claimed: FootprintPublish) -> Difference | None:
    """The first of :func:`differences`, or None when every figure is equal."""
    return next(iter(differences(expected, claimed)), None)
