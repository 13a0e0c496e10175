"""Figures as people read them on a terminal: MWh, t CO2e, %, not 13-digit Wh.

The ledger keeps integer Wh and kg; ``--json`` keeps them. Only text output goes through here.
"""

from __future__ import annotations

import math

__all__ = ["mwh", "percent", "quantity", "tonnes"]


def mwh(wh: float) -> str:
    """``1,074,196.254 MWh`` for Wh (three decimals: the kWh stays visible)."""
    return f"{wh / 1e6:,.3f} MWh"


def tonnes(kg: float) -> str:
    """``751,805.0 t CO2e`` for kg CO2e."""
    return f"{kg / 1000:,.1f} t CO2e"


def percent(share: float | None) -> str:
    """``57.5 %`` for a share in [0, 1]; ``n/a`` when undefined (no consumption)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    return f"{100 * share:.1f} %"


def quantity(name: str, value: object) -> str:
    """A named figure in its unit, by the name's suffix (``_wh``, ``_kg``, ``_share``, ``_hours``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if name.endswith("_wh"):
        return mwh(value)
    if name.endswith("_kg"):
        return tonnes(value)
    if name.endswith("_share"):
        return percent(float(value))
    if name.endswith("_hours"):
        return f"{value:,} h"
    return f"{value:,}"
