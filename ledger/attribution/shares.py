"""The three green-electricity shares (DESIGN.md section 4), each defined here once.

For a consumer (a meter, an enterprise, a product's declared unit) over a
period, with ``C`` its consumption:

- **physical share** = direct-supply Wh / C -- energy delivered over a
  绿电直连 line, whether or not its GEC were retired for the consumer;
- **hourly-matched share** = Σ_h min(C_h, direct_h + contracted_h) / Σ_h C_h
  -- a 24/7 score: green generation matched hour by hour; certificates are
  spread monthly, not matched hourly, so they are left out, and surplus in one
  hour is never banked into another (:func:`hourly_matched_wh`);
- **claimable share** = GEC-backed Wh / C -- claimable direct + claimable
  contracted + certificate (:func:`gec_backed_wh`): the green claims a retired
  GEC backs. Direct and contracted energy count only where GEC of the same
  generator and month were retired for the consumer (a trade's bundled GEC
  transferred away take the claim with them).

**Zero consumption:** a share of nothing is undefined: ``None`` (``NaN`` in a
table column), never 0 or 1; each face formats it ("n/a", "—", or a schema's
``"0"``). Shares are floats: they are reported, never used in conservation
checks (those stay in integer Wh).

The share functions take the numerator and the total, either as numbers or
as pandas columns (element-wise, ``NaN`` where the total is 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

if TYPE_CHECKING:  # pandas only for the column forms; scalars need no pandas import
    import pandas as pd

__all__ = [
    "GreenShares",
    "claimable_share",
    "gec_backed_wh",
    "green_shares",
    "hourly_matched_share",
    "hourly_matched_wh",
    "physical_share",
    "ratio",
]


@overload
def ratio(part: float, total: float) -> float | None: ...
@overload
def ratio(part: pd.Series, total: pd.Series) -> pd.Series: ...
def ratio(part: Any, total: Any) -> Any:
    """``part / total``; ``None`` when ``total`` is not positive (columns: ``NaN`` where it is 0)."""
    if isinstance(total, int | float | np.integer | np.floating):
        return part / total if total > 0 else None
    return part / total.astype(float).replace(0.0, np.nan)


@overload
def physical_share(direct_wh: float, total_wh: float) -> float | None: ...
@overload
def physical_share(direct_wh: pd.Series, total_wh: pd.Series) -> pd.Series: ...
def physical_share(direct_wh: Any, total_wh: Any) -> Any:
    """Physical share: direct-supply energy over consumption."""
    return ratio(direct_wh, total_wh)


@overload
def claimable_share(gec_backed: float, total_wh: float) -> float | None: ...
@overload
def claimable_share(gec_backed: pd.Series, total_wh: pd.Series) -> pd.Series: ...
def claimable_share(gec_backed: Any, total_wh: Any) -> Any:
    """Claimable share: GEC-backed energy (:func:`gec_backed_wh`) over consumption."""
    return ratio(gec_backed, total_wh)


@overload
def hourly_matched_share(matched_wh: float, total_wh: float) -> float | None: ...
@overload
def hourly_matched_share(matched_wh: pd.Series, total_wh: pd.Series) -> pd.Series: ...
def hourly_matched_share(matched_wh: Any, total_wh: Any) -> Any:
    """Hourly-matched share: :func:`hourly_matched_wh` summed over the period, over consumption."""
    return ratio(matched_wh, total_wh)


def hourly_matched_wh(consumption: Any, direct: Any, contracted: Any) -> Any:
    """Σ_h min(C_h, direct_h + contracted_h) over the last axis (hours) of int arrays.

    ``[H]`` arrays give one number, ``[k, H]`` arrays one per row.
    """
    return np.minimum(consumption, direct + contracted).sum(axis=-1)


def gec_backed_wh(claimable_direct: Any, claimable_contracted: Any, certificate: Any) -> Any:
    """Green energy a retired GEC backs: claimable direct + claimable contracted + certificate
    (numbers or columns)."""
    return claimable_direct + claimable_contracted + certificate


@dataclass(frozen=True)
class GreenShares:
    """The three shares of one consumer and period; ``None`` where undefined or not reported."""

    physical: float | None
    hourly_matched: float | None
    claimable: float | None


def green_shares(
    *, total: float, direct: float, gec_backed: float, hourly_matched: float | None = None
) -> GreenShares:
    """The three shares from energy totals (any one unit: Wh, kWh per declared unit …).

    ``hourly_matched`` is the :func:`hourly_matched_wh` total in the same unit,
    or None when the hours are not known (then the share is None too).
    """
    return GreenShares(
        physical=physical_share(direct, total),
        hourly_matched=None if hourly_matched is None else hourly_matched_share(hourly_matched, total),
        claimable=claimable_share(gec_backed, total),
    )
