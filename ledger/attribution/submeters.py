"""Sub-meters counted once: a parent meter's consumption net of its sub-meters.

A sub-meter (``meter.register`` with ``parent``) measures part of what its
parent measures. Attribution and totals count the parent *net* of its direct
sub-meters, and each sub-meter as itself (net of its own sub-meters), so a
park-scope run counts every Wh once: parent net + sub-meters = the parent's
reading. A negative remainder (a sub-meter reading more than its parent in an
hour) is an error, ``attribution.submeter_exceeds_parent``, naming the parent,
its sub-meters and the hour. An hour of the parent is read only when the
parent and every sub-meter were read in it.

Pure: arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from ledger.errors import RuleViolation

__all__ = ["net_of_sub_meters"]


def net_of_sub_meters(
    ids: Sequence[str],
    values: NDArray[np.int64],
    present: NDArray[np.bool_],
    parent_of: Mapping[str, str],
    *,
    label: Callable[[int], str] = str,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """``values`` and ``present`` ``[len(ids), hours]`` with every parent in ``ids`` net of its
    sub-meters in ``ids`` (``parent_of`` maps a sub-meter id to its parent's).

    Preconditions: ``values`` int64 and ``present`` bool of the same shape,
    one row per id. Hours that are not present are 0 in the result. Raises
    ``attribution.submeter_exceeds_parent`` (``label(h)`` names hour ``h``).
    """
    if values.shape != present.shape or values.shape[0] != len(ids):
        raise ValueError(
            f"values {values.shape} and present {present.shape} need one row per id ({len(ids)})"
        )
    index = {m: i for i, m in enumerate(ids)}
    children: dict[int, list[int]] = {}
    for child, parent in parent_of.items():
        if child in index and parent in index:
            children.setdefault(index[parent], []).append(index[child])
    if not children:
        return values, present
    net = values.copy()
    seen = present.copy()
    for p, kids in sorted(children.items()):
        net[p] -= values[kids].sum(axis=0)
        seen[p] &= present[kids].all(axis=0)
    net = np.where(seen, net, 0)
    bad = np.argwhere(net < 0)
    if bad.size:
        p, h = (int(x) for x in bad[0])
        names = sorted(ids[k] for k in children[p])
        raise RuleViolation(
            f"sub-meters {', '.join(names)} read {int(values[children[p], h].sum())} Wh at {label(h)}, "
            f"more than their parent {ids[p]} ({int(values[p, h])} Wh); a sub-meter's consumption is part "
            f"of its parent's ({len(bad)} such meter-hours)",
            code="attribution.submeter_exceeds_parent",
            meter=ids[p],
            sub_meters=names,
            hour=label(h),
            count=len(bad),
        )
    return net, seen
