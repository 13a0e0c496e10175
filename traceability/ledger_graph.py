"""The evidence graph of a ledger: built from its log, caught up incrementally, cached per database.

``build_graph(ledger)`` reads the whole log; ``catch_up(graph, ledger)`` reads
only the entries after ``graph.last_seq``, so a graph caught up in any number
of steps equals a full rebuild (tested on real ledgers). ``ledger_graph`` keeps
one graph per database URL in process memory (a small LRU), so repeated CLI
and API queries read only what was appended since the last one.

Entries the graph cannot map are listed in ``graph.stats().rejected`` rather
than failing the whole graph: every entry in the log passed its kind's rules,
so a rejection here is a mapping gap to report, not bad evidence.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ledger import Ledger, entry_hash
from traceability.graph import EvidenceGraph

__all__ = ["CACHE_SIZE", "build_graph", "catch_up", "clear_cache", "ledger_graph", "with_graph"]

T = TypeVar("T")

CACHE_SIZE = 8


def catch_up(graph: EvidenceGraph, ledger: Ledger, end: int | None = None) -> int:
    """Apply the ledger's entries ``graph.last_seq + 1 <= seq < end`` (default: to the end).

    Precondition: ``graph`` was built from this ledger only (its ``last_seq``
    is a seq of this log). Returns how many entries were read.
    """
    start = 0 if graph.last_seq is None else graph.last_seq + 1
    if end is not None and end < start:
        raise ValueError(f"end {end} is before the graph's next seq {start}")
    return graph.apply(ledger.entries(start, end), strict=False)


def build_graph(ledger: Ledger, end: int | None = None) -> EvidenceGraph:
    """A fresh graph of the entries with ``seq < end`` (default: the whole log)."""
    graph = EvidenceGraph()
    catch_up(graph, ledger, end)
    return graph


@dataclass
class _Cached:
    graph: EvidenceGraph
    last_hash: str | None
    lock: threading.Lock


_cache: OrderedDict[str, _Cached] = OrderedDict()
_cache_lock = threading.Lock()


def _hash_at(ledger: Ledger, seq: int | None) -> str | None:
    return None if seq is None else entry_hash(ledger, seq)


def _entry(ledger: Ledger) -> _Cached:
    key = ledger.db.url
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None:
            cached = _Cached(EvidenceGraph(), None, threading.Lock())
            _cache[key] = cached
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return cached


def _caught_up(cached: _Cached, ledger: Ledger) -> EvidenceGraph:
    """Catch ``cached`` up with ``ledger``; the caller holds ``cached.lock``."""
    if cached.graph.last_seq is not None and _hash_at(ledger, cached.graph.last_seq) != cached.last_hash:
        cached.graph = EvidenceGraph()  # another log at this URL: start over
    catch_up(cached.graph, ledger)
    cached.last_hash = _hash_at(ledger, cached.graph.last_seq)
    return cached.graph


def ledger_graph(ledger: Ledger) -> EvidenceGraph:
    """The evidence graph of ``ledger``'s whole log, from the cache and caught up.

    The cached graph is shared: callers only read it. A later call may extend
    it in place, so code that queries from several threads at once (a
    service) should use ``with_graph``, which holds the graph's lock while it
    reads. If the database at the same URL now holds another log (the entry
    hash at the graph's last seq differs), the graph is rebuilt.
    """
    cached = _entry(ledger)
    with cached.lock:
        return _caught_up(cached, ledger)


def with_graph(ledger: Ledger, read: Callable[[EvidenceGraph], T]) -> T:
    """``read(graph)`` on the cached, caught-up graph while no other thread extends it.

    Precondition: ``read`` does not mutate the graph and does not call back into
    this module for the same ledger (the lock is not re-entrant).
    """
    cached = _entry(ledger)
    with cached.lock:
        return read(_caught_up(cached, ledger))


def clear_cache() -> None:
    """Forget every cached graph."""
    with _cache_lock:
        _cache.clear()
