"""Unit conversion for model amounts: mass and energy families only.

A model input may be written in a unit of the same family as its factor
(``kg`` for a factor per ``t``); anything else is an error naming both units.
"""

from __future__ import annotations

from lca.errors import InvalidModel

# unit -> (family, size in the family's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    "g": ("mass", 1e-3),
    "kg": ("mass", 1.0),
    "t": ("mass", 1e3),
    "Wh": ("energy", 1e-3),
    "kWh": ("energy", 1.0),
    "MWh": ("energy", 1e3),
    "MJ": ("energy", 1.0 / 3.6),
    "GJ": ("energy", 1e3 / 3.6),
    "Nm3": ("gas_volume", 1.0),
    "m3": ("volume", 1.0),
    "l": ("volume", 1e-3),
    "piece": ("count", 1.0),
    "tkm": ("transport", 1.0),
    "m2": ("area", 1.0),
}

# PACT v3 declaredUnitOfMeasurement values -> Tanji units
PACT_UNITS: dict[str, str] = {
    "kilogram": "kg",
    "liter": "l",
    "cubic meter": "m3",
    "kilowatt hour": "kWh",
    "megajoule": "MJ",
    "ton kilometer": "tkm",
    "square meter": "m2",
    "piece": "piece",
}
TANJI_TO_PACT: dict[str, str] = {v: k for k, v in PACT_UNITS.items()}


def known_unit(unit: str) -> bool:
    """Whether ``unit`` is one Tanji converts."""
    return unit in _UNITS


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """How many ``to_unit`` one ``from_unit`` is; InvalidModel across families."""
    if from_unit == to_unit:
        return 1.0
    a = _UNITS.get(from_unit)
    b = _UNITS.get(to_unit)
    if a is None or b is None or a[0] != b[0]:
        raise InvalidModel(
            f"cannot convert {from_unit!r} to {to_unit!r}",
            code="lca.unit_mismatch",
            from_unit=from_unit,
            to_unit=to_unit,
        )
    return a[1] / b[1]
