"""A supplier's carbon footprint carried by an EPCIS event.

EPCIS 2.0 has no standard member for a product carbon footprint, so Tanji
reads one user extension: a member of the event, or of its ``ilmd``, whose
local name (after the prefix: ``tx:carbonFootprint``,
``https://example.com/voc/carbonFootprint``) is ``carbonFootprint``. Its value
is an object in PACT v3 terms:

| member | meaning |
|---|---|
| ``pcfExcludingBiogenicUptake`` | kg CO2e per ``declaredUnitAmount`` of ``declaredUnitOfMeasurement`` |
| ``declaredUnitOfMeasurement``, ``declaredUnitAmount`` | PACT v3 declared unit (amount defaults to 1) |
| ``fossilGhgEmissions``, ``landUseChangeGhgEmissions`` | its parts, optional |
| ``primaryDataShare`` | percent, optional |
| ``productFootprintId`` | the PACT ProductFootprint it comes from (a UUID): source ``pact`` |
| ``certificateId`` | the Tanji certificate it comes from: source ``certificate`` |
| ``declaredBy`` | the supplier (actor id, PGLN …); else the event's source party, ``--counterparty``, or the
  supplier of the lot's receipt in the same document |
| ``standard`` | e.g. ``ISO 14067:2018`` |

Numbers may be JSON numbers or decimal strings (PACT writes strings). A
reference (PACT id or certificate id) may come without figures; figures
without a reference are declared by the event itself (source ``epcis``, its
``eventID``). The figures attach to every lot the event names, as a
``lot.footprint`` entry (:class:`traceability.declared.LotFootprint`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from pydantic import ValidationError

from traceability.declared import DeclaredFootprint, FootprintSource

TERM: Final = "carbonFootprint"
_FIGURES: Final = {
    "pcfExcludingBiogenicUptake": "kg_co2e",
    "declaredUnitOfMeasurement": "declared_unit",
    "declaredUnitAmount": "declared_amount",
    "fossilGhgEmissions": "fossil_kg_co2e",
    "landUseChangeGhgEmissions": "land_use_kg_co2e",
    "primaryDataShare": "primary_data_share",
    "standard": "standard",
}
_NUMBERS: Final = frozenset(
    {"kg_co2e", "declared_amount", "fossil_kg_co2e", "land_use_kg_co2e", "primary_data_share"}
)
_KNOWN: Final = frozenset(_FIGURES) | {"productFootprintId", "certificateId", "declaredBy"}


class FootprintProblem(Exception):
    """The extension is there but cannot be read; ``args[0]`` says why."""


@dataclass(frozen=True)
class CarriedFootprint:
    """What an event's ``carbonFootprint`` says: its source, figures (if any) and who declared it."""

    source: FootprintSource
    declared: DeclaredFootprint | None
    declared_by: str | None
    path: tuple[str, ...]


def _local_name(name: str) -> str:
    for sep in ("#", "/", ":"):
        name = name.rsplit(sep, 1)[-1]
    return name


def find(event: Mapping[str, Any]) -> tuple[tuple[str, ...], Any] | None:
    """The path (member names) and value of the event's ``carbonFootprint`` extension, if any."""
    for container, prefix in ((event, ()), (event.get("ilmd"), ("ilmd",))):
        if not isinstance(container, Mapping):
            continue
        for name, value in container.items():
            if isinstance(name, str) and ":" in name and _local_name(name) == TERM:
                return (*prefix, name), value
    return None


def _number(value: Any, member: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FootprintProblem(f"{member} {value!r} is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation as e:
        raise FootprintProblem(f"{member} {value!r} is not a number") from e
    if not number.is_finite():
        raise FootprintProblem(f"{member} {value!r} is not a finite number")
    return number


def read(event: Mapping[str, Any], event_id: str | None) -> CarriedFootprint | None:
    """The footprint the event carries, or ``None``; ``FootprintProblem`` when it cannot be read."""
    found = find(event)
    if found is None:
        return None
    path, value = found
    if not isinstance(value, Mapping):
        raise FootprintProblem(f"{path[-1]} is a {type(value).__name__}, not an object")
    unknown = sorted(k for k in value if k not in _KNOWN)
    if unknown:
        raise FootprintProblem(f"{path[-1]} has unknown members {unknown} (known: {sorted(_KNOWN)})")
    pact, cert = value.get("productFootprintId"), value.get("certificateId")
    if pact is not None and cert is not None:
        raise FootprintProblem("productFootprintId and certificateId both given; a footprint has one source")
    source: dict[str, str | None]
    if pact is not None:
        source = {"kind": "pact", "id": str(pact)}
    elif cert is not None:
        source = {"kind": "certificate", "id": str(cert)}
    else:
        source = {"kind": "epcis", "id": event_id}
    fields = {
        ours: (_number(value[theirs], theirs) if ours in _NUMBERS else value[theirs])
        for theirs, ours in _FIGURES.items()
        if theirs in value
    }
    declared_by = value.get("declaredBy")
    if declared_by is not None and (not isinstance(declared_by, str) or not declared_by.strip()):
        raise FootprintProblem(f"declaredBy {declared_by!r} is not an id")
    try:
        parsed_source = FootprintSource.model_validate(source)
        declared = DeclaredFootprint.model_validate(fields) if fields else None
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or '(figures)'}: {err['msg']}" for err in e.errors()
        )
        raise FootprintProblem(problems) from e
    if declared is None and parsed_source.kind == "epcis":
        raise FootprintProblem(
            "no figures (pcfExcludingBiogenicUptake …) and no productFootprintId or certificateId"
        )
    return CarriedFootprint(parsed_source, declared, declared_by, path)
