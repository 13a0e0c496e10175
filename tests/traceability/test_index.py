from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from traceability._index import IntervalIndex, SerialSegments

ranges = st.tuples(st.integers(0, 60), st.integers(0, 20)).map(lambda t: (t[0], t[0] + t[1]))


@given(st.lists(ranges, max_size=25), ranges)
def test_serial_segments_match_a_per_serial_oracle(
    assignments: list[tuple[int, int]], query: tuple[int, int]
) -> None:
    segments = SerialSegments()
    oracle: dict[int, str] = {}
    for n, (first, last) in enumerate(assignments):
        segments.assign(first, last, f"n{n}")
        oracle.update({s: f"n{n}" for s in range(first, last + 1)})
    pieces = segments.covering(*query)
    seen = {s: node for a, b, node in pieces for s in range(a, b + 1)}
    assert seen == {s: oracle[s] for s in range(query[0], query[1] + 1) if s in oracle}
    # pieces are disjoint, ordered and maximal runs never overlap
    flat = [s for a, b, _ in pieces for s in range(a, b + 1)]
    assert flat == sorted(set(flat))


T0 = datetime(2026, 1, 1, tzinfo=UTC)
spans = st.tuples(st.integers(0, 100), st.integers(1, 30)).map(
    lambda t: (T0 + timedelta(hours=t[0]), T0 + timedelta(hours=t[0] + t[1]))
)


@given(st.lists(spans, max_size=30), spans)
def test_interval_index_matches_brute_force(
    rows: list[tuple[datetime, datetime]], query: tuple[datetime, datetime]
) -> None:
    index: IntervalIndex[int] = IntervalIndex()
    for n, (start, end) in enumerate(rows):
        index.add(start, end, n, n)
    found = sorted(item for *_, item in index.overlapping(*query))
    expected = sorted(n for n, (start, end) in enumerate(rows) if start < query[1] and end > query[0])
    assert found == expected
