"""Traceability: build, catch-up and query latency of the evidence graph.

Synthetic, seeded park: 100 enterprise families, each with one wind meter on a
direct link to four consumer meters, daily reading batches, monthly attribution
runs and 1,000 lots made from 1-3 of the family's 50 previous lots (so late lots
have up to 1,000 ancestor lots); a footprint for every 10th lot and a
certificate for every other footprint. About 100,000 lots and 1,000,000 edges
at ``TANJI_BENCH_SCALE=1``. Figures: full build, catch-up of 1,000 new entries,
upstream / downstream / evidence latency p50 and p99 (aim: p99 < 50 ms), the
pure mass-balance replay of the lot events, and peak memory.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import peak_rss_mib, percentile, scale, timed
from traceability.graph import EvidenceGraph
from traceability.lots import LotProduce, replay_lots
from traceability.plan import Entry

FAMILIES = 100
DAYS = 250
LOTS_PER_DAY = 4
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def synthetic_log(seed: int = 7) -> list[Entry]:
    """The seeded log, in seq order."""
    rng = random.Random(seed)
    families, days = scale(FAMILIES, 2), DAYS
    raw: list[tuple[str, str, dict[str, Any]]] = [
        ("actor.register", "A-PARK", {"id": "A-REG", "role": "registry"})
    ]
    for f in range(families):
        raw.append(("actor.register", "A-PARK", {"id": f"A-{f}", "role": "enterprise"}))
        raw.append(
            (
                "meter.register",
                f"A-{f}",
                {"id": f"W-{f}", "owner": f"A-{f}", "kind": "generation", "technology": "wind"},
            )
        )
        for m in range(4):
            raw.append(
                (
                    "meter.register",
                    f"A-{f}",
                    {"id": f"M-{f}-{m}", "owner": f"A-{f}", "kind": "consumption"},
                )
            )
        raw.append(
            (
                "supply.direct_link",
                f"A-{f}",
                {
                    "id": f"DL-{f}",
                    "generation_meters": [f"W-{f}"],
                    "consumer_meters": [f"M-{f}-{m}" for m in range(4)],
                },
            )
        )
    lots: list[list[str]] = [[] for _ in range(families)]
    n_lots = 0
    month_start = T0
    for d in range(days):
        day = T0 + timedelta(days=d)
        if day.month != month_start.month:
            for f in range(families):
                raw.append(
                    (
                        "attribution.run",
                        f"A-{f}",
                        {
                            "meters": [f"M-{f}-{m}" for m in range(4)],
                            "first_month": f"{month_start:%Y-%m}",
                            "last_month": f"{month_start:%Y-%m}",
                            "method": "1",
                        },
                    )
                )
            month_start = day
        for f in range(families):
            for meter in (f"W-{f}", *(f"M-{f}-{m}" for m in range(4))):
                raw.append(
                    (
                        "readings.batch",
                        f"A-{f}",
                        {
                            "meter": meter,
                            "start": day.isoformat(),
                            "resolution": 3600,
                            "values": [1000] * 24,
                        },
                    )
                )
            for k in range(LOTS_PER_DAY):
                lot = f"L-{f}-{len(lots[f])}"
                window = lots[f][-50:]
                inputs = rng.sample(window, min(len(window), rng.randint(1, 3)))
                start = day + timedelta(hours=6 * k)
                raw.append(
                    (
                        "lot.produce",
                        f"A-{f}",
                        {
                            "lot_id": lot,
                            "product": f"P-{f}",
                            "quantity": 1000,
                            "unit": "g",
                            "period_start": start.isoformat(),
                            "period_end": (start + timedelta(hours=6)).isoformat(),
                            "meters": [{"meter_id": f"M-{f}-{k}", "share": "1"}],
                            "inputs": [{"lot_id": i, "quantity": 10, "unit": "g"} for i in inputs],
                        },
                    )
                )
                lots[f].append(lot)
                n_lots += 1
                if n_lots % 10 == 0:
                    raw.append(("footprint.publish", f"A-{f}", {"footprint_id": f"FP-{lot}", "lot": lot}))
                    if n_lots % 20 == 0:
                        raw.append(
                            (
                                "certificate.issue",
                                f"A-{f}",
                                {"id": f"C-{lot}", "footprint": f"FP-{lot}"},
                            )
                        )
    return [Entry(seq, kind, actor, payload) for seq, (kind, actor, payload) in enumerate(raw, start=1)]


def _latency(fn: Any, ids: list[str]) -> tuple[float, float, float]:
    times, sizes = [], []
    for node_id in ids:
        start = time.perf_counter()
        result = fn(node_id)
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(len(result))
    return percentile(times, 50), percentile(times, 99), percentile([float(s) for s in sizes], 50)


def main() -> None:
    (entries, t_gen) = timed(synthetic_log)
    n_lots = sum(1 for e in entries if e.kind == "lot.produce")
    print(f"  log: {len(entries):,} entries, {n_lots:,} lots (generated in {t_gen:.1f} s)")

    head, tail = entries[:-1000], entries[-1000:]
    graph = EvidenceGraph()
    _, t_build = timed(lambda: graph.apply(head))
    stats = graph.stats()
    print(
        f"  build {len(head):,} entries: {t_build:.1f} s ({len(head) / t_build:,.0f} entries/s); "
        f"{stats.nodes:,} nodes, {stats.edges:,} edges"
    )
    _, t_catch = timed(lambda: graph.apply(tail))
    print(
        f"  catch-up of {len(tail):,} new entries: {t_catch * 1000:.0f} ms "
        f"(now {graph.stats().edges:,} edges, last seq {graph.last_seq:,})"
    )

    rng = random.Random(11)
    families = scale(FAMILIES, 2)
    per_family = DAYS * LOTS_PER_DAY
    late = [
        f"lot:L-{rng.randrange(families)}-{rng.randrange(per_family - 50, per_family)}" for _ in range(300)
    ]
    anywhere = [f"lot:L-{rng.randrange(families)}-{rng.randrange(per_family)}" for _ in range(300)]
    ancestors = [len(graph.genealogy(x).lots) - 1 for x in late[:50]]
    print(
        f"  query lots: 300 late lots (ancestor lots: median "
        f"{percentile([float(a) for a in ancestors], 50):.0f}, "
        f"max {max(ancestors)}), 300 random lots"
    )
    for name, fn, ids in (
        ("upstream (late lots)", graph.upstream, late),
        ("evidence (late lots)", graph.evidence, late),
        ("downstream (random lots)", graph.downstream, anywhere),
        ("upstream (random lots)", graph.upstream, anywhere),
    ):
        p50, p99, size = _latency(fn, ids)
        flag = "ok" if p99 < 50 else "ABOVE 50 ms AIM"
        print(f"  {name:<26} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  (median result {size:,.0f} items) {flag}")
    certs = [n for n in graph.graph.nodes if n.startswith("certificate:")]
    p50, p99, size = _latency(graph.evidence, rng.sample(certs, min(300, len(certs))))
    print(
        f"  {'evidence (certificates)':<26} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  (median {size:,.0f} seqs)"
    )

    events = [LotProduce.from_json(e.payload) for e in entries if e.kind == "lot.produce"]
    result, t_replay = timed(lambda: replay_lots(events))
    print(
        f"  mass-balance replay of {len(events):,} lot.produce: {t_replay:.1f} s, "
        f"{len(result.rejected)} rejected"
    )
    print(f"  peak RSS {peak_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
