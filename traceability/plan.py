"""The pieces every graph mapping uses: entry records, the per-entry plan, payload access.

A mapping function (see :mod:`traceability.mapping`) reads one entry through
``Fields`` and records what it does in a ``Plan``: nodes to create or update,
edges to add, integer attributes to add to, and index updates to run once the
plan is committed. Nothing in the graph changes until ``EvidenceGraph`` has
checked the plan, so an entry is applied entirely or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

import networkx as nx

from ledger.energy.periods import month_bounds
from ledger.errors import RuleViolation
from traceability._index import IntervalIndex, SerialSegments
from traceability.errors import MalformedEntry

PREFIX_KIND: Final[dict[str, str]] = {
    "actor": "actor",
    "meter": "meter",
    "batch": "batch",
    "link": "link",
    "gec": "gec",
    "trade": "trade",
    "run": "run",
    "lot": "lot",
    "ship": "shipment",
    "footprint": "footprint",
    "certificate": "certificate",
}
# Node prefixes whose edges can point "backwards" in entry order and so may close a cycle
# (a received lot's supplier footprint may be one the ledger itself published).
PRODUCT_PREFIXES: Final = frozenset({"lot", "ship", "footprint", "certificate"})


class EntryLike(Protocol):
    """What the graph reads of a ledger entry."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Entry:
    """A plain ledger entry record (what the ledger will hand the graph)."""

    seq: int
    kind: str
    actor: str
    payload: Mapping[str, Any]


@dataclass
class State:
    """Indexes the mappings consult; part of the graph's state (rebuilt by replay)."""

    batches: defaultdict[str, IntervalIndex[str]] = field(default_factory=lambda: defaultdict(IntervalIndex))
    lots: defaultdict[str, IntervalIndex[str]] = field(default_factory=lambda: defaultdict(IntervalIndex))
    runs: defaultdict[str, IntervalIndex[str]] = field(default_factory=lambda: defaultdict(IntervalIndex))
    retired: defaultdict[str, IntervalIndex[str]] = field(default_factory=lambda: defaultdict(IntervalIndex))
    links_of_consumer: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    trades_of_buyer: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    generators_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # meter id -> (owner, park, kind) from meter.register, for park/enterprise-scoped runs
    meters: dict[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)
    gec: SerialSegments = field(default_factory=SerialSegments)


@dataclass
class Plan:
    """What one entry does to the graph, collected before anything changes."""

    entry: EntryLike
    graph: nx.DiGraph
    state: State
    nodes: dict[str, tuple[str, dict[str, Any], bool]] = field(default_factory=dict)
    edges: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    adds: list[tuple[str, str, int]] = field(default_factory=list)
    later: list[Callable[[], None]] = field(default_factory=list)

    def node(self, node_id: str, **attrs: Any) -> str:
        """Create or update ``node_id``; this entry's seq joins its ``seqs``."""
        kind = PREFIX_KIND[node_id.split(":", 1)[0]]
        _, old, _ = self.nodes.get(node_id, (kind, {}, True))
        self.nodes[node_id] = (kind, old | attrs, True)
        return node_id

    def ref(self, node_id: str) -> str:
        """Name ``node_id``; a placeholder is created if no entry has recorded it."""
        if node_id not in self.nodes and node_id not in self.graph:
            self.nodes[node_id] = (PREFIX_KIND[node_id.split(":", 1)[0]], {}, False)
        return node_id

    def exists(self, node_id: str) -> bool:
        return node_id in self.nodes or node_id in self.graph

    def edge(self, source: str, target: str, relation: str, **attrs: Any) -> None:
        self.edges.append((self.ref(source), self.ref(target), relation, attrs))

    def annotate(self, node_id: str, **attrs: Any) -> None:
        """Set attributes of ``node_id`` without making this entry one of its seqs."""
        self.ref(node_id)
        kind, old, records = self.nodes.get(node_id, (PREFIX_KIND[node_id.split(":", 1)[0]], {}, False))
        self.nodes[node_id] = (kind, old | attrs, records)

    def add(self, node_id: str, attr: str, amount: int) -> None:
        """Add ``amount`` to the integer attribute ``attr`` of ``node_id``."""
        self.adds.append((node_id, attr, amount))


class Fields:
    """Typed access to an entry's payload; ``names`` maps the mapping's field names to payload keys.

    Errors are ``MalformedEntry`` naming the entry's seq, kind and payload key.
    """

    def __init__(self, entry: EntryLike, names: Mapping[str, str]) -> None:
        self.entry = entry
        self.names = names

    def fail(self, name: str, problem: str) -> MalformedEntry:
        e = self.entry
        key = self.names[name]
        return MalformedEntry(
            f"entry {e.seq} ({e.kind}): payload field {key!r} {problem}",
            seq=e.seq,
            kind=e.kind,
            field=key,
        )

    def raw(self, name: str) -> Any:
        return self.entry.payload.get(self.names[name])

    def opt_text(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
            raise self.fail(name, f"must be a non-empty string, got {value!r}")
        return str(value)

    def text(self, name: str) -> str:
        value = self.opt_text(name)
        if value is None:
            raise self.fail(name, "is missing")
        return value

    def texts(self, name: str) -> list[str]:
        value = self.raw(name)
        if value is None:
            return []
        if not isinstance(value, list | tuple) or not all(isinstance(v, str | int) for v in value):
            raise self.fail(name, f"must be a list of ids, got {value!r}")
        return [str(v) for v in value]

    def opt_integer(self, name: str) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and value.isdigit())
        ):
            raise self.fail(name, f"must be an integer, got {value!r}")
        return int(value)

    def integer(self, name: str) -> int:
        value = self.opt_integer(name)
        if value is None:
            raise self.fail(name, "is missing")
        return value

    def opt_time(self, name: str) -> datetime | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError as e:
            raise self.fail(name, f"is not an ISO 8601 date-time: {value!r}") from e
        if moment.tzinfo is None:
            raise self.fail(name, f"has no time zone: {value!r}")
        return moment

    def time(self, name: str) -> datetime:
        value = self.opt_time(name)
        if value is None:
            raise self.fail(name, "is missing")
        return value

    def period(self, start: str = "period_start", end: str = "period_end") -> tuple[datetime, datetime]:
        a, b = self.time(start), self.time(end)
        if a >= b:
            raise self.fail(start, f"{a.isoformat()} is not before {end} {b.isoformat()}")
        return a, b

    def month(self, name: str) -> tuple[datetime, datetime]:
        """The month ``YYYY-MM`` in field ``name`` as ``[start, end)`` (``ledger.energy.periods``)."""
        value = self.text(name)
        try:
            return month_bounds(value)
        except RuleViolation as e:
            raise self.fail(name, f"is not a month YYYY-MM: {value!r}") from e

    def period_or_months(self, first: str = "month", last: str | None = None) -> tuple[datetime, datetime]:
        """``period_start``/``period_end`` when given, else the park-local months ``first``..``last``."""
        if self.raw("period_start") is not None or self.raw(first) is None:
            return self.period()
        start, end = self.month(first)
        if last is not None and self.raw(last) is not None:
            last_start, end = self.month(last)
            if last_start < start:
                raise self.fail(last, f"{self.raw(last)!r} is before {first} {self.raw(first)!r}")
        return start, end

    def resolution(self, name: str) -> timedelta:
        value = self.raw(name)
        seconds: float | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            seconds = value
        elif isinstance(value, str):
            text = value.upper()
            units = {"H": 3600, "M": 60, "S": 1}
            body = text[2:] if text.startswith("PT") else text.removesuffix("IN")
            if body[:-1].isdigit() and body[-1:] in units:
                seconds = int(body[:-1]) * units[body[-1]]
        if not seconds or seconds <= 0:
            raise self.fail(name, f"must be seconds or PT15M / PT1H, got {value!r}")
        return timedelta(seconds=seconds)


def iso(moment: datetime) -> str:
    return moment.isoformat()
