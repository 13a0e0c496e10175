"""The carbon-footprint section of a battery passport (EU Battery Regulation 2023/1542 style).

The EU Battery Regulation (Art. 7, Annex II and XIII) asks EV, LMT and
industrial batteries for a carbon footprint declaration: kg CO2e per kWh of
the total energy the battery provides over its expected service life, in
total and per life-cycle stage (raw material acquisition and pre-processing,
main product production, distribution, end of life and recycling), a
performance class, the study behind it and its verification. Tanji reads and
writes that section in the member names of the Battery Pass data model 1.2.0
(``CarbonFootprintForBatteries``), plus the declaration's identity:

```json
{"batteryIdentifier": "https://id.gs1.org/01/…/21/…",
 "carbonFootprint": {
   "batteryCarbonFootprint": 40.0,
   "carbonFootprintPerLifecycleStage": [
     {"lifecycleStage": "RawMaterialExtraction", "carbonFootprint": 28.1}, …],
   "carbonFootprintPerformanceClass": "B", "carbonFootprintStudy": "https://…",
   "absoluteCarbonFootprint": 2880.0,
   "declarationId": "CFD-2026-0042", "declaredUnit": "kWh",
   "standard": "…", "verificationBody": "…"}}
```

Strict where it matters: the stages must add up to the stated total within
rounding (:func:`traceability.declared.rounding_tolerance`), else
:class:`InconsistentPassport` names the total, the stage figures and their
sum. The declared unit is ``kWh`` (per kWh of lifetime energy), nothing else.
Numbers are read exactly (JSON text is parsed with ``Decimal``).

:meth:`BatteryCarbonFootprint.to_declared` maps it to a Tanji supplier footprint
(:class:`traceability.declared.DeclaredFootprint`, per ``kilowatt hour``);
:meth:`BatteryCarbonFootprint.from_stage_totals` builds one from a Tanji
footprint's stage figures (``certificates.battery_passport`` reads a published
footprint).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Final, Self

from traceability.declared import (
    DeclaredFootprint,
    FootprintSource,
    LotFootprint,
    StageFootprint,
    parts_mismatch,
    rounding_tolerance,
)
from traceability.errors import InconsistentPassport, InvalidPassport

__all__ = ["DECLARED_UNIT", "STAGES", "BatteryCarbonFootprint", "StageFigure", "stage_name"]

STAGES: Final = ("RawMaterialExtraction", "MainProduction", "Distribution", "Recycling")
"""The life-cycle stages (Battery Pass data model 1.2.0 ``LifecycleStage``), in life-cycle order."""
DECLARED_UNIT: Final = "kWh"
_ALIASES: Final = {
    "RawMaterialExtraction": (
        "raw material extraction",
        "raw materials",
        "raw material",
        "raw material acquisition",
        "raw material acquisition and pre-processing",
        "raw material acquisition and preprocessing",
    ),
    "MainProduction": ("main production", "main product production", "production", "manufacturing"),
    "Distribution": ("distribution", "transport"),
    "Recycling": ("recycling", "end of life", "end-of-life", "eol", "end of life and recycling"),
}
_BY_KEY: Final = {
    re.sub(r"[^a-z0-9]", "", a.lower()): s for s, aliases in _ALIASES.items() for a in (s, *aliases)
}


def stage_name(name: str) -> str:
    """The passport stage ``name`` means (``raw materials`` → ``RawMaterialExtraction``).

    ``InvalidPassport`` names an unknown one and the names accepted.
    """
    found = _BY_KEY.get(re.sub(r"[^a-z0-9]", "", name.lower()))
    if found is None:
        raise InvalidPassport(
            f"life-cycle stage {name!r} is not one of {', '.join(STAGES)} (or an alias: "
            f"{'; '.join(a for aliases in _ALIASES.values() for a in aliases)})",
            stage=name,
        )
    return found


@dataclass(frozen=True)
class StageFigure:
    """A life-cycle stage and its kg CO2e per kWh."""

    stage: str
    kg_co2e_per_kwh: Decimal


def _decimal(value: Any, member: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise InvalidPassport(f"{member} {value!r} is not a number", member=member)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as e:
        raise InvalidPassport(f"{member} {value!r} is not a number", member=member) from e
    if not number.is_finite() or number < 0:
        raise InvalidPassport(f"{member} {value!r} must be a finite number >= 0", member=member)
    return number


def _text(section: Mapping[str, Any], member: str, required: bool = False) -> str | None:
    value = section.get(member)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidPassport(f"carbonFootprint.{member} {value!r} must be a non-empty string", member=member)
    return value


def _fmt(value: Decimal) -> str:
    return format(value, "f")


@dataclass(frozen=True)
class BatteryCarbonFootprint:
    """A battery's carbon footprint declaration: kg CO2e per kWh, in total and per stage."""

    declaration_id: str
    total: Decimal
    stages: tuple[StageFigure, ...]
    performance_class: str | None = None
    standard: str | None = None
    verification_body: str | None = None
    study: str | None = None
    absolute_kg_co2e: Decimal | None = None
    battery_id: str | None = None

    def __post_init__(self) -> None:
        names = [s.stage for s in self.stages]
        unknown = sorted(set(names) - set(STAGES))
        if unknown or len(set(names)) != len(names) or not names:
            raise InvalidPassport(
                f"battery passport {self.declaration_id}: stages {names} must be distinct names "
                f"of {list(STAGES)}",
                declaration_id=self.declaration_id,
            )
        parts = {s.stage: s.kg_co2e_per_kwh for s in self.stages}
        difference = parts_mismatch(self.total, parts)
        if difference is not None:
            stage_sum = sum(parts.values(), Decimal(0))
            listed = " + ".join(f"{_fmt(v)} ({k})" for k, v in parts.items())
            raise InconsistentPassport(
                f"battery passport {self.declaration_id}: the life-cycle stages add up to {_fmt(stage_sum)} "
                f"kg CO2e/kWh ({listed}) but the stated total is {_fmt(self.total)} kg CO2e/kWh "
                f"(off by {_fmt(difference)}; rounding allows "
                f"{_fmt(rounding_tolerance([self.total, *parts.values()]))})",
                declaration_id=self.declaration_id,
                total=_fmt(self.total),
                stage_sum=_fmt(stage_sum),
                difference=_fmt(difference),
                stages={k: _fmt(v) for k, v in parts.items()},
            )

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes) -> Self:
        """Parse a passport (or its ``carbonFootprint`` section alone); ``InvalidPassport`` or
        ``InconsistentPassport`` when it is malformed or does not add up."""
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data, parse_float=Decimal)
            except json.JSONDecodeError as e:
                raise InvalidPassport(f"battery passport is not JSON: {e}") from e
        if not isinstance(data, Mapping):
            raise InvalidPassport(f"a battery passport is a JSON object, not {type(data).__name__}")
        section = data.get("carbonFootprint", data)
        if not isinstance(section, Mapping) or "batteryCarbonFootprint" not in section:
            raise InvalidPassport("no carbonFootprint section with a batteryCarbonFootprint")
        unit = section.get("declaredUnit", DECLARED_UNIT)
        if unit != DECLARED_UNIT:
            raise InvalidPassport(
                f"declaredUnit {unit!r}: a battery carbon footprint is per kWh of lifetime energy "
                f"({DECLARED_UNIT!r})",
                member="declaredUnit",
            )
        raw_stages = section.get("carbonFootprintPerLifecycleStage")
        if not isinstance(raw_stages, list) or not raw_stages:
            raise InvalidPassport("carbonFootprintPerLifecycleStage must be a non-empty list")
        stages = []
        for i, raw in enumerate(raw_stages):
            if not isinstance(raw, Mapping) or not isinstance(raw.get("lifecycleStage"), str):
                raise InvalidPassport(f"carbonFootprintPerLifecycleStage[{i}] needs a lifecycleStage name")
            stages.append(
                StageFigure(
                    stage_name(raw["lifecycleStage"]),
                    _decimal(
                        raw.get("carbonFootprint"), f"carbonFootprintPerLifecycleStage[{i}].carbonFootprint"
                    ),
                )
            )
        absolute = section.get("absoluteCarbonFootprint")
        battery = data.get("batteryIdentifier") if "carbonFootprint" in data else None
        return cls(
            declaration_id=str(_text(section, "declarationId", required=True)),
            total=_decimal(section["batteryCarbonFootprint"], "batteryCarbonFootprint"),
            stages=tuple(stages),
            performance_class=_text(section, "carbonFootprintPerformanceClass"),
            standard=_text(section, "standard"),
            verification_body=_text(section, "verificationBody"),
            study=_text(section, "carbonFootprintStudy"),
            absolute_kg_co2e=None if absolute is None else _decimal(absolute, "absoluteCarbonFootprint"),
            battery_id=battery if isinstance(battery, str) and battery else None,
        )

    @classmethod
    def from_stage_totals(
        cls,
        stage_totals: Mapping[str, Decimal | float],
        *,
        kwh: Decimal,
        declaration_id: str,
        total: Decimal | float | None = None,
        places: int = 2,
        **fields: Any,
    ) -> Self:
        """The declaration of a footprint given as kg CO2e per stage for ``kwh`` of lifetime energy.

        Stage names may be Tanji's own (``raw materials``, ``production`` …, see
        :func:`stage_name`; several names of one stage are added). Each figure is
        divided by ``kwh`` and rounded to ``places`` decimals (half even). ``total``
        (same basis as the stages), when given, is checked against them like an
        imported passport. Preconditions: ``kwh`` > 0.
        """
        if kwh <= 0:
            raise InvalidPassport(f"kWh of lifetime energy {kwh} must be > 0")
        quantum = Decimal(1).scaleb(-places)
        summed: dict[str, Decimal] = {}
        for name, value in stage_totals.items():
            stage = stage_name(name)
            summed[stage] = summed.get(stage, Decimal(0)) + _decimal(value, f"stage {name!r}")
        per = {s: (summed[s] / kwh).quantize(quantum, ROUND_HALF_EVEN) for s in STAGES if s in summed}
        stated = sum(summed.values(), Decimal(0)) if total is None else _decimal(total, "total")
        return cls(
            declaration_id=declaration_id,
            total=(stated / kwh).quantize(quantum, ROUND_HALF_EVEN),
            stages=tuple(StageFigure(s, v) for s, v in per.items()),
            **fields,
        )

    def to_json(self) -> dict[str, Any]:
        """The passport document (numbers as JSON numbers: floats of the exact decimals written)."""
        section: dict[str, Any] = {
            "batteryCarbonFootprint": float(self.total),
            "carbonFootprintPerLifecycleStage": [
                {"lifecycleStage": s.stage, "carbonFootprint": float(s.kg_co2e_per_kwh)} for s in self.stages
            ],
            "declarationId": self.declaration_id,
            "declaredUnit": DECLARED_UNIT,
        }
        for member, value in (
            ("carbonFootprintPerformanceClass", self.performance_class),
            ("carbonFootprintStudy", self.study),
            ("standard", self.standard),
            ("verificationBody", self.verification_body),
        ):
            if value is not None:
                section[member] = value
        if self.absolute_kg_co2e is not None:
            section["absoluteCarbonFootprint"] = float(self.absolute_kg_co2e)
        doc: dict[str, Any] = {"carbonFootprint": section}
        if self.battery_id is not None:
            doc = {"batteryIdentifier": self.battery_id, **doc}
        return doc

    def to_declared(self) -> DeclaredFootprint:
        """The supplier footprint it declares: kg CO2e per ``kilowatt hour``, its stages and standard."""
        return DeclaredFootprint(
            declared_unit="kilowatt hour",
            declared_amount=Decimal(1),
            kg_co2e=self.total,
            stages=tuple(StageFootprint(stage=s.stage, kg_co2e=s.kg_co2e_per_kwh) for s in self.stages),
            standard=self.standard,
        )

    def lot_footprint(self, lot_id: str, supplier: str) -> LotFootprint:
        """The ``lot.footprint`` payload recording it on ``lot_id`` (source: its declaration id)."""
        return LotFootprint(
            lot_id=lot_id,
            supplier=supplier,
            source=FootprintSource(kind="passport", id=self.declaration_id),
            declared=self.to_declared(),
        )
