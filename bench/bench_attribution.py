"""Benchmark of hourly attribution, with a naive per-hour pure-Python reference.

``main()`` builds a seeded synthetic park -- 1,000 consumer meters x 8,760
hours, 50 generators, 20 direct-supply links, trades and GEC retirements --
runs the full year month by month through :func:`ledger.attribution.engine.
attribute_period`, and prints wall time, peak traced memory and peak RSS. It
then runs :func:`naive_attribute` (the same rules, one hour and one meter at a
time in plain Python) on a sample (one month x 50 meters), checks that it gives
exactly the same numbers, and prints the speed-up. Last, :func:`end_to_end`
loads 1,000 meters x 3 months through signed ledger entries into SQLite and
times the database path: load + run, ``run_attribution`` (with the re-run
inside the append) and ``verify_run`` (replay + re-run).

The naive reference lives in :mod:`tests.ledger.attribution.oracle`, where it is
the oracle of the property tests.

Run: ``.venv/bin/python -m bench.bench_attribution``.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bench.common import scale, scratch_postgres
from ledger.attribution.allocation import SHARE_SCALE
from ledger.attribution.engine import attribute_month, attribute_period
from ledger.attribution.records import (
    WH_PER_GEC,
    AllocationKey,
    DirectLink,
    MonthInputs,
    Retirement,
    Trade,
)
from ledger.energy.periods import format_instant, month_hours, months_between, parse_month
from tests.ledger.attribution.oracle import naive_attribute

if TYPE_CHECKING:
    from ledger.log.entry import Submission
    from ledger.log.keys import Ed25519PrivateKey
    from ledger.store.append import Ledger

# ---------------------------------------------------------------- synthetic park

_KEYS: tuple[AllocationKey, ...] = ("pro_rata", "static_shares", "priority")


@dataclass(frozen=True)
class Park:
    """A synthetic park: ids, technologies and the year's records."""

    consumer_ids: tuple[str, ...]
    generator_ids: tuple[str, ...]
    technologies: tuple[str, ...]
    links: tuple[DirectLink, ...]
    seed: int


def make_park(n_meters: int = 1000, n_generators: int = 50, n_links: int = 20, seed: int = 7) -> Park:
    """Meters ``M0000..``, generators ``G00..``; each link takes 2 generators and
    ``n_meters // (2 * n_links)`` consumers, keys rotating over the three kinds."""
    rng = np.random.default_rng(seed)
    meters = tuple(f"M{i:04d}" for i in range(n_meters))
    gens = tuple(f"G{i:02d}" for i in range(n_generators))
    techs = tuple("wind" if i % 2 == 0 else "solar" for i in range(n_generators))
    per_link = max(1, n_meters // (2 * n_links))
    chosen = rng.permutation(n_meters)
    links = []
    for j in range(n_links):
        cons = tuple(meters[i] for i in chosen[j * per_link : (j + 1) * per_link])
        link_gens = (gens[2 * j], gens[2 * j + 1])
        kind = _KEYS[j % 3]
        shares = None
        if kind == "static_shares":
            raw = rng.integers(1, 100, len(cons))
            shares = tuple(int(x) for x in raw * (SHARE_SCALE * 9 // 10) // raw.sum())
        links.append(DirectLink(f"L{j:02d}", link_gens, cons, kind, shares))
    return Park(meters, gens, techs, tuple(links), seed)


def month_inputs(park: Park, month: str, meters: int | None = None) -> MonthInputs:
    """Seeded readings and records of ``month`` (optionally the first ``meters``
    meters only, with links, trades and retirements restricted to them)."""
    h = month_hours(month)
    rng = np.random.default_rng([park.seed, int(month[:4]), int(month[5:])])
    n_m, n_g = len(park.consumer_ids), len(park.generator_ids)
    hour = np.arange(h) % 24
    base = rng.integers(200_000, 3_000_000, n_m)[:, None]
    consumption = (base * (0.7 + 0.3 * rng.random((n_m, h)))).astype(np.int64)
    solar = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    cap = rng.integers(5_000_000, 60_000_000, n_g)[:, None]
    shape = np.where(
        np.array([t == "solar" for t in park.technologies])[:, None],
        solar[None, :],
        rng.random((n_g, h)),
    )
    generation = (cap * shape).astype(np.int64)
    trades, retirements = [], []
    for t in range(30):
        sellers = tuple(park.generator_ids[i] for i in rng.choice(n_g, 2, replace=False))
        buyers = tuple(park.consumer_ids[i] for i in rng.choice(n_m, 5, replace=False))
        trades.append(Trade(f"T{t:02d}", sellers, buyers, month, int(rng.integers(1, 2_000)) * WH_PER_GEC))
    for r in range(60):
        buyers = tuple(park.consumer_ids[i] for i in rng.choice(n_m, 3, replace=False))
        g = int(rng.integers(0, n_g))
        retirements.append(
            Retirement(
                f"R{r:02d}",
                int(rng.integers(1, 1_500)),
                "E0",
                buyers,
                month,
                park.generator_ids[g],
                park.technologies[g],
            )
        )
    links = list(park.links)
    ids = list(park.consumer_ids)
    if meters is not None:
        keep = set(ids[:meters])
        ids = ids[:meters]
        consumption = consumption[:meters]
        links = [lk for x in links if (lk := _restrict_link(x, keep)) is not None]
        trades = [
            Trade(t.contract_id, t.seller_generator_ids, b, month, t.volume_wh)
            for t in trades
            if (b := tuple(m for m in t.buyer_meter_ids if m in keep))
        ]
        retirements = [
            Retirement(r.retirement_id, r.units, r.beneficiary, b, month, r.generator_id, r.technology)
            for r in retirements
            if (b := tuple(m for m in r.meter_ids if m in keep))
        ]
    return MonthInputs.build(
        month,
        ids,
        consumption,
        list(park.generator_ids),
        list(park.technologies),
        generation,
        links,
        trades,
        retirements,
    )


def _restrict_link(link: DirectLink, keep: set[str]) -> DirectLink | None:
    idx = [i for i, m in enumerate(link.consumer_ids) if m in keep]
    if not idx:
        return None
    shares = None if link.shares is None else tuple(link.shares[i] for i in idx)
    return DirectLink(
        link.link_id, link.generator_ids, tuple(link.consumer_ids[i] for i in idx), link.key, shares
    )


def _same(inputs: MonthInputs) -> bool:
    fast = attribute_month(inputs)
    slow = naive_attribute(inputs)
    return all(
        np.array_equal(getattr(fast, name), np.array(getattr(slow, name), dtype=np.int64))
        for name in (
            "direct",
            "contracted",
            "certificate",
            "grid",
            "direct_by_generator",
            "contracted_by_generator",
            "claimable_direct_by_generator",
            "claimable_contracted_by_generator",
            "retirement_unused_wh",
        )
    )


# ------------------------------------------------------------ end to end (database)


class Signer:
    """The minimal signer the loader needs: a ledger and the keys of its actors."""

    def __init__(self, ledger: Ledger, key: Ed25519PrivateKey) -> None:
        self.ledger = ledger
        self.keys: dict[str, Ed25519PrivateKey] = {"operator": key}

    def sign(self, kind: str, actor: str, payload: dict[str, object]) -> Submission:
        from ledger.log.entry import Submission

        return Submission.create(kind, actor, payload, self.keys[actor])


def load_ledger(ledger_park: Signer, park: Park, months: tuple[str, ...], enterprises: int) -> None:
    """Register the synthetic park in a ledger and append its readings, links,
    trades (contract + settlement) and GEC retirements as signed entries."""
    from ledger.log.keys import generate_key, public_key_b64

    sign, led, keys = ledger_park.sign, ledger_park.ledger, ledger_park.keys

    def actor(actor_id: str, role: str) -> None:
        keys[actor_id] = generate_key()
        led.append(
            [
                sign(
                    "actor.register",
                    "operator",
                    {
                        "id": actor_id,
                        "name": actor_id,
                        "role": role,
                        "public_key": public_key_b64(keys[actor_id].public_key()),
                    },
                )
            ]
        )

    for k in range(enterprises):
        actor(f"E{k}", "enterprise")
    actor("GEN", "generator")
    actor("REG", "registry")
    owner = {m: f"E{i % enterprises}" for i, m in enumerate(park.consumer_ids)}
    subs = [sign("park.register", "operator", {"id": "P", "name": "Bench park", "level": "national"})]
    subs += [
        sign("meter.register", "operator", {"id": m, "owner": owner[m], "park": "P", "kind": "consumption"})
        for m in park.consumer_ids
    ]
    subs += [
        sign(
            "meter.register",
            "operator",
            {"id": g, "owner": "GEN", "park": "P", "kind": "generation", "technology": t},
        )
        for g, t in zip(park.generator_ids, park.technologies, strict=True)
    ]
    subs += [
        sign(
            "supply.direct_link",
            "operator",
            {
                "id": lk.link_id,
                "name": lk.link_id,
                "park": "P",
                "generation_meters": list(lk.generator_ids),
                "consumer_meters": list(lk.consumer_ids),
                "valid_from": "2025-01-01T00:00:00Z",
                "key": lk.key,
                **({"shares": list(lk.shares)} if lk.shares is not None else {}),
            },
        )
        for lk in park.links
    ]
    led.append(subs)
    serial = 1
    for month in months:
        inputs = month_inputs(park, month)
        start, end = (format_instant(t) for t in parse_month(month))  # the park's local month
        batch = [
            sign(
                "readings.batch",
                owner[m],
                {"meter": m, "start": start, "resolution": "PT1H", "values": inputs.consumption[i].tolist()},
            )
            for i, m in enumerate(inputs.consumer_ids)
        ]
        batch += [
            sign(
                "readings.batch",
                "GEN",
                {"meter": g, "start": start, "resolution": "PT1H", "values": inputs.generation[i].tolist()},
            )
            for i, g in enumerate(inputs.generator_ids)
        ]
        for i in range(0, len(batch), 250):
            led.append(batch[i : i + 250])
        recs = []
        for k in range(enterprises):  # one trade per enterprise and month, one retirement of 100 MWh
            ent = f"E{k}"
            mine = [m for m in park.consumer_ids if owner[m] == ent]
            cid = f"T{month}-{k}"
            recs += [
                sign(
                    "trade.green_power",
                    "GEN",
                    {
                        "id": cid,
                        "seller": "GEN",
                        "seller_meters": [park.generator_ids[(2 * k + 1) % len(park.generator_ids)]],
                        "buyer": ent,
                        "buyer_meters": mine[:5],
                        "first_month": month,
                        "last_month": month,
                        "mwh": 500,
                    },
                ),
                sign("trade.settle", "GEN", {"contract": cid, "month": month, "wh": 200 * WH_PER_GEC}),
            ]
            gen = park.generator_ids[(2 * k) % len(park.generator_ids)]
            tech = park.technologies[(2 * k) % len(park.generator_ids)]
            recs += [
                sign(
                    "gec.issue",
                    "REG",
                    {
                        "first": serial,
                        "last": serial + 99,
                        "mwh": 100,
                        "generator_meter": gen,
                        "technology": tech,
                        "vintage": month,
                    },
                ),
                sign("gec.transfer", "GEN", {"first": serial, "last": serial + 99, "to": ent}),
                sign(
                    "gec.retire",
                    ent,
                    {
                        "first": serial,
                        "last": serial + 99,
                        "beneficiary": ent,
                        "consumer_meters": mine[5:8],
                        "period_start": start,
                        "period_end": end,
                    },
                ),
            ]
            serial += 100
        led.append(recs)


def end_to_end(
    n_meters: int = 1000, n_months: int = 1, enterprises: int = 10, url: str | None = None
) -> dict[str, float]:
    """Load a synthetic park into a ledger (SQLite file, or ``url``) through signed entries, then
    time ``run_attribution`` (load from the database + engine + the re-run
    inside the append + storing the projection) and ``verify_run`` (replay
    into a scratch database + re-run). Returns the figures in seconds / MiB."""
    import tempfile
    from pathlib import Path

    from ledger.attribution.inputs import Scope
    from ledger.attribution.kind import compute
    from ledger.attribution.runner import run_attribution, verify_run
    from ledger.log.keys import generate_key
    from ledger.store.append import Ledger
    from ledger.store.db import Database, sqlite_url

    park = make_park(n_meters=n_meters, n_generators=50, n_links=20)
    months = months_between("2025-01", f"2025-{n_months:02d}")
    with tempfile.TemporaryDirectory() as tmp:
        op = generate_key()
        led = Ledger.create(
            Database(url or sqlite_url(Path(tmp) / "bench.db")), op, origin="bench.tanji/attr"
        )
        t0 = time.perf_counter()
        load_ledger(Signer(led, op), park, months, enterprises)
        setup = time.perf_counter() - t0
        t0 = time.perf_counter()
        with led.db.read_session() as s:
            compute(s, Scope(park="P"), months, "raise")
        load_run = time.perf_counter() - t0
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        summary = run_attribution(led, "operator", op, months, park="P")
        recorded = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = verify_run(led, summary.seq)
        verified = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        db_mib = (Path(tmp) / "bench.db").stat().st_size / 2**20 if url is None else float("nan")
        led.db.dispose()
    if not report.ok:
        raise SystemExit(f"verify_run failed: {report}")
    return {
        "setup_s": setup,
        "load_and_run_s": load_run,
        "record_s": recorded,
        "verify_s": verified,
        "peak_rss_mib": max(rss, rss0),
        "db_mib": db_mib,
        "log_entries": float(summary.log_end),
    }


def main() -> None:
    park = make_park()
    months = months_between("2025-01", "2025-12")
    tracemalloc.start()
    t0 = time.perf_counter()
    run = attribute_period(months, lambda m: month_inputs(park, m))
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Engine time alone (inputs generated up front, one month at a time).
    engine = 0.0
    parts = np.zeros(5, dtype=np.int64)  # consumption, direct, contracted, certificate, grid
    for m in months:
        inputs = month_inputs(park, m)
        t1 = time.perf_counter()
        result = attribute_month(inputs)
        engine += time.perf_counter() - t1
        parts += [
            int(getattr(result, n).sum())
            for n in ("consumption", "direct", "contracted", "certificate", "grid")
        ]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("full year: 1000 meters x 8760 h, 50 generators, 20 links, 360 trades, 720 retirements")
    print(f"  run (incl. synthetic data generation): {elapsed:.2f} s, period sha256 {run.sha256[:16]}…")
    print(f"  engine + invariants + hash only:       {engine:.2f} s")
    print(f"  peak traced memory {peak / 2**20:.0f} MiB, peak RSS {rss:.0f} MiB")
    shares = ", ".join(
        f"{name} {100 * int(v) / int(parts[0]):.1f} %"
        for name, v in zip(("direct", "contracted", "certificate", "grid"), parts[1:], strict=True)
    )
    print(f"  consumption {int(parts[0]) / 1e9:.0f} GWh: {shares}")

    sample = month_inputs(park, "2025-01", meters=50)
    t1 = time.perf_counter()
    attribute_month(sample)
    fast = time.perf_counter() - t1
    t1 = time.perf_counter()
    naive_attribute(sample)
    slow = time.perf_counter() - t1
    same = _same(sample)
    print(
        f"sample 1 month x 50 meters: vectorised {fast * 1000:.1f} ms, naive {slow * 1000:.0f} ms, "
        f"speed-up x{slow / fast:.0f}, identical results: {same}"
    )
    print(f"  naive full year, extrapolated linearly (x20 meters x12 months): ~{slow * 240:.0f} s")
    if not same:
        raise SystemExit("naive reference disagrees with the vectorised engine")

    n_meters, n_months = scale(1000, 50), 3
    f = end_to_end(n_meters=n_meters, n_months=n_months)
    print(
        f"end to end, SQLite: {n_meters} meters x {n_months} months, 50 generators, 20 links, "
        f"10 trades and 10 retirements a month; {int(f['log_entries'])} log entries, "
        f"database {f['db_mib']:.0f} MiB (loading it through signed entries: {f['setup_s']:.0f} s)"
    )
    print(
        f"  load from the database + engine + hash:      {f['load_and_run_s']:.2f} s  "
        f"(pure engine for the same months: ~{engine * n_months / 12 * n_meters / 1000:.2f} s)"
    )
    print(f"  run_attribution (compute, re-run in append, store): {f['record_s']:.2f} s")
    print(
        f"  verify_run (replay the log into scratch SQLite, re-run): {f['verify_s']:.2f} s; "
        f"peak RSS {f['peak_rss_mib']:.0f} MiB"
    )
    with scratch_postgres() as pg:
        if pg is not None:
            p = end_to_end(n_meters=n_meters, n_months=1, url=pg)
            print(
                f"end to end, PostgreSQL, {n_meters} meters x 1 month: "
                f"load + run {p['load_and_run_s']:.2f} s, "
                f"run_attribution {p['record_s']:.2f} s, verify_run {p['verify_s']:.2f} s"
            )


if __name__ == "__main__":
    main()
