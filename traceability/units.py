"""Quantities of lots: exact integers in a base unit.

Mass balance must never drift, so a lot's quantity is an ``int`` number of its
base unit, never a float:

| base unit | dimension | accepted UN/CEFACT Rec. 20 codes (factor)                  |
|-----------|-----------|------------------------------------------------------------|
| ``g``     | mass      | ``GRM`` (1), ``KGM`` (1,000), ``TNE`` (1,000,000)          |
| ``mL``    | volume    | ``MLT`` (1), ``LTR`` (1,000), ``MTQ`` (1,000,000)          |
| ``Wh``    | energy    | ``WHR`` (1), ``KWH`` (1,000), ``MWH`` (1,000,000)          |
| ``EA``    | count     | ``EA``, ``H87``, ``C62`` (1); a missing ``uom`` (EPCIS: a count of instances) |

A quantity that is not a whole number of the base unit after conversion
(``0.0005 KGM`` is half a gram) is rejected rather than rounded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final, Literal, get_args

from traceability.errors import InvalidQuantity

BaseUnit = Literal["g", "mL", "Wh", "EA"]
BASE_UNITS: Final[tuple[str, ...]] = get_args(BaseUnit)

UOM_TO_BASE: Final[dict[str, tuple[BaseUnit, int]]] = {
    "GRM": ("g", 1),
    "KGM": ("g", 1_000),
    "TNE": ("g", 1_000_000),
    "MLT": ("mL", 1),
    "LTR": ("mL", 1_000),
    "MTQ": ("mL", 1_000_000),
    "WHR": ("Wh", 1),
    "KWH": ("Wh", 1_000),
    "MWH": ("Wh", 1_000_000),
    "EA": ("EA", 1),
    "H87": ("EA", 1),
    "C62": ("EA", 1),
}
BASE_TO_UOM: Final[dict[str, str]] = {"g": "GRM", "mL": "MLT", "Wh": "WHR", "EA": "EA"}
"""The UN/CEFACT Rec. 20 code of each base unit (what exports write)."""


def to_base(value: int | float | str | Decimal, uom: str | None) -> tuple[int, BaseUnit]:
    """Convert ``value`` in unit ``uom`` (UN/CEFACT code, ``None`` = count) to base units.

    Preconditions: ``value`` is a finite number > 0; ``uom`` is ``None`` or one of
    ``UOM_TO_BASE``; the converted value is a whole number. Floats are read via
    ``str()`` (their shortest decimal form), so ``200.5`` kg is exactly 200,500 g.
    """
    if isinstance(value, bool):
        raise InvalidQuantity(f"quantity {value!r} is a boolean, not a number", value=str(value))
    unit: BaseUnit = "EA"
    factor = 1
    if uom is not None:
        if uom not in UOM_TO_BASE:
            raise InvalidQuantity(
                f"unit of measure {uom!r} is not supported (known: {', '.join(sorted(UOM_TO_BASE))})",
                uom=uom,
            )
        unit, factor = UOM_TO_BASE[uom]
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError) as e:
        raise InvalidQuantity(f"quantity {value!r} is not a number", value=str(value)) from e
    if not number.is_finite() or number <= 0:
        raise InvalidQuantity(f"quantity {value!r} must be a finite number > 0", value=str(value))
    scaled = number * factor
    if scaled != scaled.to_integral_value():
        raise InvalidQuantity(
            f"quantity {value} {uom or 'EA'} is {scaled} {unit}, not a whole number of {unit}",
            value=str(value),
            uom=uom,
        )
    return int(scaled), unit
