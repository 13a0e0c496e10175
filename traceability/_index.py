"""Small internal indexes the graph mapping needs: time intervals and serial ranges."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")


class IntervalIndex(Generic[T]):
    """Half-open ``[start, end)`` intervals with items; finds those overlapping a query."""

    __slots__ = ("_keys", "_rows", "_longest")

    def __init__(self) -> None:
        self._keys: list[tuple[datetime, int]] = []
        self._rows: list[tuple[datetime, datetime, int, T]] = []
        self._longest = timedelta(0)

    def add(self, start: datetime, end: datetime, order: int, item: T) -> None:
        """Add ``item`` for ``[start, end)``; ``order`` (a seq) breaks ties and keeps output stable."""
        key = (start, order)
        i = bisect_right(self._keys, key)
        self._keys.insert(i, key)
        self._rows.insert(i, (start, end, order, item))
        self._longest = max(self._longest, end - start)

    def overlapping(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime, int, T]]:
        """Rows with ``row.start < end and row.end > start``, by (start, order)."""
        hi = bisect_left(self._keys, (end,))
        lo = bisect_left(self._keys, (start - self._longest,))
        return [row for row in self._rows[lo:hi] if row[1] > start]


class SerialSegments:
    """Disjoint inclusive serial ranges, each mapped to the graph node that last touched it."""

    __slots__ = ("_starts", "_rows")

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._rows: list[tuple[int, int, str]] = []

    def covering(self, first: int, last: int) -> list[tuple[int, int, str]]:
        """The pieces of ``[first, last]`` that are mapped, clipped to the query, in order."""
        i = max(bisect_right(self._starts, first) - 1, 0)
        out = []
        while i < len(self._rows) and self._rows[i][0] <= last:
            a, b, node = self._rows[i]
            if b >= first:
                out.append((max(a, first), min(b, last), node))
            i += 1
        return out

    def assign(self, first: int, last: int, node: str) -> None:
        """Map ``[first, last]`` to ``node``, splitting the pieces it overlaps."""
        kept: list[tuple[int, int, str]] = []
        lo = max(bisect_right(self._starts, first) - 1, 0)
        i = lo
        while i < len(self._rows) and self._rows[i][0] <= last:
            a, b, old = self._rows[i]
            if b < first:
                kept.append((a, b, old))
            else:
                if a < first:
                    kept.append((a, first - 1, old))
                if b > last:
                    kept.append((last + 1, b, old))
            i += 1
        kept.append((first, last, node))
        kept.sort()
        self._rows[lo:i] = kept
        self._starts[lo:i] = [r[0] for r in kept]
