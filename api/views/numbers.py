"""Numbers as people read them on the pages: thousands separators, a sensible precision, a unit.

Never an exponent (``1.191e+04``) and never every digit a computation left
(``1797848.264``): at 100 and above whole numbers, below that three
significant digits, and what the unit says (MWh, t, %). The exact figures stay
in the JSON a page is made from; these functions only display them. A declared
amount (``amount``: a declared unit of 1,000 kg, a count) is shown as declared.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["amount", "human", "mwh", "percent", "quantity", "to_decimal"]

DASH = "—"


def to_decimal(value: Any) -> Decimal | None:
    """``value`` (int, float, Decimal or a decimal string) as a Decimal; None for None, NaN or text."""
    if value is None or isinstance(value, bool):
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def human(value: Any, places: int | None = None) -> str:
    """``value`` with thousands separators; ``places`` decimals, or by size when None.

    By size: |x| ≥ 100 → whole; 10 ≤ |x| < 100 → 1 place; 1 ≤ |x| < 10 → 2; below 1 → 3 significant
    digits (at most 6 places); zero → ``0``. None or not a number → ``—``.
    """
    d = to_decimal(value)
    if d is None:
        return DASH
    if places is None:
        size = abs(d)
        if size == 0:
            return "0"
        if size >= 100:
            places = 0
        elif size >= 10:
            places = 1
        elif size >= 1:
            places = 2
        else:
            places = min(6, max(0, 2 - size.adjusted()))
    if places < 0:
        raise ValueError(f"places {places} must be non-negative")
    rounded = d.quantize(Decimal(1).scaleb(-places))
    text = f"{rounded:,.{places}f}"
    return "0" if text.strip("-0.,") == "" else text


def quantity(value: Any, unit: str, places: int | None = None) -> str:
    """``human(value)``, a space and ``unit``; ``—`` alone when there is no value."""
    text = human(value, places)
    return text if text == DASH else f"{text} {unit}"


def mwh(wh: Any, places: int | None = None) -> str:
    """Integer Wh shown in MWh."""
    d = to_decimal(wh)
    return quantity(None if d is None else d / 1_000_000, "MWh", places)


def percent(ratio: Any, places: int = 1) -> str:
    """A 0..1 ratio as a percentage with ``places`` decimals (``57.3 %``)."""
    d = to_decimal(ratio)
    return quantity(None if d is None else d * 100, "%", places)


def amount(value: Any) -> str:
    """A declared amount as declared, with thousands separators and no trailing zeros (``1,000``,
    ``0.5``); ``—`` for None or not a number."""
    d = to_decimal(value)
    if d is None:
        return DASH
    text = f"{d.normalize():,f}"
    return "0" if text.strip("-0.,") == "" else text
