"""Benchmark: a 10,000-meter park-year on PostgreSQL, end to end (issue 18).

The park is ``bench.bench_attribution``'s synthetic one (``make_park``, ``month_inputs``): 10,000
consumer meters of 20 enterprises, 100 generators of one generator company, 40 direct-supply links
serving half the meters; per enterprise a year-long green-power trade settled every month and 100
MWh of GEC issued, transferred and retired every month; a year of hourly readings (87.6 M values for
the consumers, 0.9 M for the generators). Each step runs in fresh processes (import and attribution
in two, each taking the next file or month), so each peak RSS is that step's own: **park** (actors,
park, 10,100 ``meter.register``, links); **files** (one wide Parquet file per enterprise and one for
the generators; the pure engine ``attribute_month`` is timed on each month's arrays here);
**import** (``import_readings`` of the 21 files: one ``readings.batch`` per meter-month, one process
appends under the single-writer lock while the other validates and signs); **market** (trades,
settlements, GEC: their rules read the readings); **attribution** (``run_attribution`` of the park
per month; a run recorded while the other was computing lands through the rule behind
``attribution.log_moved``); **publish** (100 December footprints on the enterprises' meters,
recorded and derived by the publishers, then one timed batch the ledger re-computes from the
December run's rows, as bench lca's part C); **certificates** (``issue_certificate`` of 20,
``check_certificate`` of each offline); **verify** (``Ledger.verify(workers=2)``).

Floors, measured in the same run: import -- canonical JSON + Ed25519 sign + verify of one hourly
meter-month batch on one core (as bench readings); attribution -- the pure engine on the same
readings and links, over two processes; publish -- bench lca's 100 footprints/s; certificates --
one Ed25519 signature + one one-entry append; verify -- SHA-256 leaf hash + Ed25519 verification
per entry over two cores. CPU-seconds of the step processes are given beside wall time (the machine
is shared). Sizes: meters, values, entries, ``pg_database_size``, the largest tables; for the
partitioning question the import's append rate in its first and last quarter. ``TANJI_BENCH_SCALE``
scales the meters (at least 100; the year and the generators stay). Run: ``python -m bench scale``.
"""

from __future__ import annotations

import json
import os
import queue
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.bench_attribution import Park, Signer, load_ledger, make_park, month_inputs
from bench.common import example_model_variants, scale, scratch_postgres

FULL_METERS = 10_000
GENERATORS, LINKS = 100, 40
WORKERS = 2  # the machine's cores
MONTHS = tuple(f"2025-{m:02d}" for m in range(1, 13))
PARK = "P"  # bench_attribution.load_ledger's park
ORIGIN = "bench.tanji/scale"
LIMIT_S, LIMIT_MIB = 30 * 60, 8 * 1024  # issue 18: 30 minutes and 8 GiB here
_MARK = "@tanji-bench-scale "  # starts the result lines of a lane (other output passes)


@dataclass(frozen=True)
class Config:
    """What every step process needs (JSON on its command line): database, scratch directory, sizes."""

    url: str
    root: str
    meters: int
    enterprises: int
    footprints: int
    certificates: int

    def path(self, *parts: str) -> Path:
        return Path(self.root, *parts)

    def park(self) -> Park:
        return make_park(n_meters=self.meters, n_generators=GENERATORS, n_links=LINKS)

    def key(self, actor: str) -> Any:
        from ledger import load_private_key

        return load_private_key(self.path("keys", f"{actor}.pem"))

    def ledger(self) -> Any:
        from ledger import Database, Ledger

        return Ledger(Database(self.url), self.key("operator"))

    def owned(self, park: Park, k: int) -> list[str]:
        """Enterprise ``E{k}``'s meters: ``load_ledger`` gives meter i to ``E{i % enterprises}``."""
        return list(park.consumer_ids[k :: self.enterprises])


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float
    cpu: float  # CPU-seconds of the step's processes (not PostgreSQL's)
    rss_mib: float  # the step's process, or the sum of its concurrent ones
    floor_s: float | None
    size: str


def _clock() -> Callable[[], dict[str, float]]:
    """Start timing; the returned function gives wall and CPU seconds since (this process and its
    waited-for children, e.g. a verify pool) and the peak RSS of both, MiB."""
    t0 = time.perf_counter()

    def cpu() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    c0 = cpu()

    def done() -> dict[str, float]:
        return {
            "seconds": time.perf_counter() - t0,
            "cpu": cpu() - c0,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "pid": os.getpid(),
        }

    return done


def _parallel(
    step: str, cfg: Config, tasks: list[tuple[Any, ...]], lanes: int = WORKERS
) -> list[dict[str, Any]]:
    """``step`` of every task in ``lanes`` fresh interpreters (``--lane``), each taking the next task
    when done. Fresh processes: each peak RSS is a lane's own, and they exit the ordinary way (atexit
    shuts the ledger's signature-check pool down; a multiprocessing child would wait for that pool's
    worker forever). Tasks go in and figures come out as JSON lines."""
    todo: queue.Queue[tuple[Any, ...]] = queue.Queue()
    for task in tasks:
        todo.put(task)

    def lane(_: int) -> list[dict[str, Any]]:
        request = json.dumps({"step": step, "cfg": asdict(cfg)})
        cmd = [sys.executable, "-m", "bench.bench_scale", "--lane", request]
        out = []
        with subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proc:
            assert proc.stdin is not None and proc.stdout is not None
            while True:
                try:
                    task = todo.get_nowait()
                except queue.Empty:
                    break
                proc.stdin.write(json.dumps(task) + "\n")
                proc.stdin.flush()
                line = next((x for x in proc.stdout if x.startswith(_MARK)), None)
                if line is None:
                    raise RuntimeError(f"step {step} failed ({proc.wait()}): see its error output above")
                out.append(json.loads(line[len(_MARK) :]))
            proc.stdin.close()
        return out

    with ThreadPoolExecutor(lanes) as ex:
        return [r for rs in ex.map(lane, range(lanes)) for r in rs]


def _child(step: str, cfg: Config, *args: Any) -> dict[str, Any]:
    return _parallel(step, cfg, [args], lanes=1)[0]


# ---------------------------------------------------------------- steps (each in its own process)


def step_park(cfg: Config) -> dict[str, Any]:
    from ledger import Database, Ledger, generate_key, save_private_key

    done = _clock()
    op = generate_key()
    led = Ledger.create(Database(cfg.url), op, origin=ORIGIN)
    signer = Signer(led, op)
    load_ledger(signer, cfg.park(), (), cfg.enterprises)  # no months: actors, park, meters, links
    figures = done()
    cfg.path("keys").mkdir()
    for actor, key in signer.keys.items():
        save_private_key(key, cfg.path("keys", f"{actor}.pem"))
    return {**figures, "entries": led.size()}


def step_files(cfg: Config) -> dict[str, Any]:
    from ledger.attribution.engine import attribute_month
    from ledger.energy.periods import month_hours, month_start

    done = _clock()
    park = cfg.park()
    hours = sum(month_hours(m) for m in MONTHS)
    cons = np.empty((len(park.consumer_ids), hours), dtype=np.int32)  # Wh an hour, < 2^31
    gen = np.empty((len(park.generator_ids), hours), dtype=np.int32)
    engine, col = 0.0, 0
    for month in MONTHS:
        inputs = month_inputs(park, month)
        h = month_hours(month)
        cons[:, col : col + h] = inputs.consumption
        gen[:, col : col + h] = inputs.generation
        t = time.perf_counter()
        attribute_month(inputs)  # the floor: the engine alone on this month's arrays
        engine += time.perf_counter() - t
        col += h
    stamps = pd.date_range(pd.Timestamp(month_start(MONTHS[0])).tz_convert("UTC"), periods=hours, freq="h")
    out = cfg.path("files")
    out.mkdir()
    files = [("GEN", list(park.generator_ids), gen)] + [
        (f"E{k}", cfg.owned(park, k), cons[k :: cfg.enterprises]) for k in range(cfg.enterprises)
    ]
    for actor, ids, rows in files:
        pd.DataFrame({"start": stamps, **dict(zip(ids, rows, strict=True))}).to_parquet(
            out / f"{actor}.parquet", index=False
        )
    mib = sum(p.stat().st_size for p in out.iterdir()) / 2**20
    return {
        **done(),
        "engine_s": engine,
        "values": cons.size + gen.size,
        "consumer_values": cons.size,
        "mib": mib,
    }


def step_import(cfg: Config, actor: str) -> dict[str, Any]:
    from ledger.energy.readings_import import import_readings

    led = cfg.ledger()
    marks: list[tuple[float, int]] = []  # (wall clock, entries appended): the append rate over time
    done = _clock()
    path = cfg.path("files", f"{actor}.parquet")
    report = import_readings(
        led,
        path,
        actor,
        cfg.key(actor),
        unit="wh",
        resolution="PT1H",
        appended=lambda n: marks.append((time.time(), n)),
    )
    return {**done(), "values": report.values, "entries": report.appended, "marks": marks}


def step_market(cfg: Config) -> dict[str, Any]:
    """Per enterprise: a year-long trade from one generator settled monthly (200 MWh), and 100 MWh of
    another generator's GEC issued, transferred and retired for three of its meters every month."""
    from ledger import Submission
    from ledger.energy.periods import format_instant, parse_month
    from ledger.energy.units import WH_PER_GEC

    park, led = cfg.park(), cfg.ledger()
    keys = {a: cfg.key(a) for a in ("GEN", "REG", *(f"E{k}" for k in range(cfg.enterprises)))}

    def sign(kind: str, actor: str, payload: dict[str, Any]) -> Submission:
        return Submission.create(kind, actor, payload, keys[actor])

    gens, techs = park.generator_ids, park.technologies
    subs = [
        sign(
            "trade.green_power",
            "GEN",
            {
                "id": f"T-E{k}",
                "seller": "GEN",
                "seller_meters": [gens[(2 * k + 1) % len(gens)]],
                "buyer": f"E{k}",
                "buyer_meters": cfg.owned(park, k)[:5],
                "first_month": MONTHS[0],
                "last_month": MONTHS[-1],
                "mwh": 500 * len(MONTHS),
            },
        )
        for k in range(cfg.enterprises)
    ]
    serial = 1
    for month in MONTHS:
        start, end = (format_instant(t) for t in parse_month(month))
        for k in range(cfg.enterprises):
            ent, g, serials = f"E{k}", (2 * k) % len(gens), {"first": serial, "last": serial + 99}
            retire = {"beneficiary": ent, "consumer_meters": cfg.owned(park, k)[5:8]}
            subs += [
                sign("trade.settle", "GEN", {"contract": f"T-{ent}", "month": month, "wh": 200 * WH_PER_GEC}),
                sign(
                    "gec.issue",
                    "REG",
                    {
                        **serials,
                        "mwh": 100,
                        "generator_meter": gens[g],
                        "technology": techs[g],
                        "vintage": month,
                    },
                ),
                sign("gec.transfer", "GEN", {**serials, "to": ent}),
                sign("gec.retire", ent, {**serials, **retire, "period_start": start, "period_end": end}),
            ]
            serial += 100
    done = _clock()
    led.append(subs)
    return {**done(), "entries": len(subs)}


def step_attribution(cfg: Config, month: str) -> dict[str, Any]:
    from ledger.attribution.runner import run_attribution

    led = cfg.ledger()
    done = _clock()
    run = run_attribution(led, "operator", cfg.key("operator"), (month,), park=PARK)
    return {
        **done(),
        "month": month,
        "seq": run.seq,
        "attempts": run.attempts,
        "rows": run.row_count,
        "consumption_wh": run.consumption_wh,
        "green_wh": run.direct_wh + run.contracted_wh + run.certificate_wh,
    }


def _models(cfg: Config, park: Park, k: int, count: int) -> list[Any]:
    """``count`` variants of the shipped example models for December, their electricity drawn from two
    of ``E{k}``'s meters each (as bench lca's)."""
    owned = cfg.owned(park, k)
    return example_model_variants(
        count, seed=k, id_suffix=f"e{k}-", period=("2025-12-01", "2026-01-01"), meters=owned
    )


def step_publish(cfg: Config, run_seq: int) -> dict[str, Any]:
    import uuid

    from bench.bench_lca import PUBLISH_FLOOR
    from lca.ledger_footprints import record_models
    from lca.recompute import load_inputs, recompute
    from lca.warm import configure, warm_background
    from ledger import Submission

    configure(cfg.path("lca"))  # the warm background's Brightway project, away from TANJI_HOME
    done = _clock()
    warm_background()  # once per process, as the service does at start-up
    warm = done()["seconds"]
    park, led = cfg.park(), cfg.ledger()
    per = -(-cfg.footprints // cfg.enterprises)
    subs: list[Submission] = []
    done = _clock()
    for k in range(min(cfg.enterprises, -(-cfg.footprints // per))):
        ent, key = f"E{k}", cfg.key(f"E{k}")
        models = _models(cfg, park, k, min(per, cfg.footprints - len(subs)))
        record_models(led, models, ent, key)
        with led.db.read_session() as s:  # the publisher derives what the ledger will re-compute
            for m in models:
                body = recompute(load_inputs(s, ent, m.sha256(), run_seq)).model_dump(
                    mode="json", by_alias=True
                )
                body |= {"footprint_id": str(uuid.uuid4()), "supersedes": []}
                subs.append(Submission.create("footprint.publish", ent, body, key))
    prepared = done()["seconds"]
    done = _clock()
    led.append(subs)  # one batch: the ledger re-computes every footprint before taking the lock
    published = [(s.payload["footprint_id"], s.actor) for s in subs]
    figures = {"warm_s": warm, "prepare_s": prepared, "floor_per_s": PUBLISH_FLOOR}
    return {**done(), **figures, "published": published}


def step_certificates(cfg: Config, published: list[tuple[str, str]]) -> dict[str, Any]:
    from bench.bench_certificates import ed25519_costs
    from certificates.issue import issue_certificate
    from certificates.verify import TrustedKey, check_certificate
    from ledger import Submission

    led, op = cfg.ledger(), cfg.key("operator")
    trust = TrustedKey(op.public_key())
    issue, check, sizes = [], [], []
    done = _clock()
    for fid, actor in published[: cfg.certificates]:
        t0 = time.perf_counter()
        raw = issue_certificate(led, fid, cfg.key(actor)).certificate.to_bytes()
        t1 = time.perf_counter()
        result = check_certificate(raw, trust)
        check.append(time.perf_counter() - t1)
        issue.append(t1 - t0)
        sizes.append(len(raw))
        if not result.ok:
            raise AssertionError(f"the certificate of {fid} does not verify: {result.failed}")
    figures = done()
    appends = []
    for i in range(5):  # the floor's append: one small entry per transaction, on this ledger
        sub = Submission.create(
            "park.register", "operator", {"id": f"P-X{i}", "name": "X", "level": "national"}, op
        )
        t0 = time.perf_counter()
        led.append([sub])
        appends.append(time.perf_counter() - t0)
    _, ed_sign = ed25519_costs(500)
    floor = ed_sign + float(np.median(appends))
    return {**figures, "issue": issue, "check": check, "kib": float(np.mean(sizes)) / 1024, "floor_s": floor}


def step_verify(cfg: Config) -> dict[str, Any]:
    from ledger import Database, Ledger

    led = Ledger(Database(cfg.url))
    done = _clock()
    report = led.verify(workers=WORKERS)
    if not report.ok:
        raise AssertionError(f"the log does not verify: {report}")
    return {**done(), "entries": led.size()}


def _entry_floor(n: int = 300) -> dict[str, float]:
    """Seconds per hourly meter-month ``readings.batch`` (744 values) on one core: canonical JSON, Ed25519
    sign and verify (the import's floor, as bench readings) and the SHA-256 leaf hash (verify's)."""
    from ledger import canonical_bytes, generate_key
    from ledger.log import merkle

    values = np.random.default_rng(1).integers(200_000, 3_000_000, 744).tolist()
    payload = {"meter": "M0001", "start": "2025-11-30T16:00:00Z", "resolution": "PT1H", "values": values}
    body = {"v": 1, "kind": "readings.batch", "actor": "E0", "payload": payload}
    key = generate_key()
    data = canonical_bytes(body)
    sig, pub = key.sign(data), key.public_key()
    out = {}
    for name, fn in (
        ("canonical", lambda: canonical_bytes(body)),
        ("sign", lambda: key.sign(data)),
        ("verify", lambda: pub.verify(sig, data)),
        ("leaf", lambda: merkle.leaf_hash(data)),
    ):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out[name] = (time.perf_counter() - t0) / n
    return out


# ---------------------------------------------------------------- the run


def _sizes(url: str) -> tuple[int, list[tuple[str, int, int]]]:
    """pg_database_size and the six largest tables: (name, total bytes, index bytes)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        db = int(c.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
        rels = c.execute(
            text(
                "SELECT relname, pg_total_relation_size(oid), pg_indexes_size(oid) FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC LIMIT 6"
            )
        ).all()
    engine.dispose()
    return db, [(str(r[0]), int(r[1]), int(r[2])) for r in rels]


def _quarter_rates(results: list[dict[str, Any]]) -> tuple[float, float]:
    """Entries/s appended by all import processes in the first and the last quarter of the appends."""
    marks = sorted(m for r in results for m in r["marks"])
    t0, t1 = marks[0][0], marks[-1][0]
    q = (t1 - t0) / 4 or 1.0
    return sum(n for t, n in marks if t <= t0 + q) / q, sum(n for t, n in marks if t >= t1 - q) / q


def _concurrent_rss(results: list[dict[str, Any]]) -> float:
    """The sum of the lanes' peak RSS (a lane's ru_maxrss spans its tasks): what they held at most at once."""
    peaks: dict[int, float] = {}
    for r in results:
        peaks[r["pid"]] = max(peaks.get(r["pid"], 0.0), r["rss"])
    return sum(peaks.values())


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def _run(cfg: Config) -> list[Step]:
    per = _entry_floor()
    r = _child("park", cfg)
    steps = [Step("park", r["seconds"], r["cpu"], r["rss"], None, f"{r['entries']:,} entries")]
    print(f"park: {r['entries']:,} entries (actors, park, meters, links) in {r['seconds']:.1f} s", flush=True)

    f = _child("files", cfg)
    meter_months = cfg.meters * len(MONTHS)
    steps.append(Step("files", f["seconds"], f["cpu"], f["rss"], None, f"{f['mib']:.0f} MiB Parquet"))
    print(
        f"files: {cfg.enterprises + 1} Parquet files of {f['values']:,} hourly values "
        f"({f['consumer_values']:,} of consumers), {f['mib']:.0f} MiB, in {f['seconds']:.1f} s; "
        f"pure engine on the same readings and links {f['engine_s']:.1f} s "
        f"({f['engine_s'] / meter_months * 1000:.3f} ms per meter-month)",
        flush=True,
    )

    t0 = time.perf_counter()
    # the small generators' file last: both processes append until near the end (the quarter rates)
    imports = _parallel("import", cfg, [(f"E{k}",) for k in range(cfg.enterprises)] + [("GEN",)])
    wall = time.perf_counter() - t0
    values, entries = sum(i["values"] for i in imports), sum(i["entries"] for i in imports)
    cpu = sum(i["cpu"] for i in imports)
    entry_s = per["canonical"] + per["sign"] + per["verify"]
    floor = entries * entry_s / WORKERS
    first, last = _quarter_rates(imports)
    rss = max(i["rss"] for i in imports)
    steps.append(Step("import", wall, cpu, _concurrent_rss(imports), floor, f"{values:,} values"))
    print(
        f"import: {values:,} values in {entries:,} meter-month entries in {wall:.0f} s = "
        f"{values / wall:,.0f} values/s, {entries / wall:,.0f} entries/s ({WORKERS} processes; "
        f"{cpu:.0f} CPU-s of theirs = {values / cpu:,.0f} values per CPU-s); floor "
        f"{744 / entry_s:,.0f} values/s on one core (canonical JSON {per['canonical'] * 1e6:.0f} µs "
        f"+ sign {per['sign'] * 1e6:.0f} µs + verify {per['verify'] * 1e6:.0f} µs per entry), "
        f"{floor:.0f} s on two; peak RSS per process {rss:.0f} MiB; append rate first quarter "
        f"{first:,.0f}, last quarter {last:,.0f} entries/s; {_load()}",
        flush=True,
    )

    r = _child("market", cfg)
    steps.append(Step("market", r["seconds"], r["cpu"], r["rss"], None, f"{r['entries']:,} entries"))
    print(f"market: {r['entries']:,} trade, settlement and GEC entries in {r['seconds']:.1f} s", flush=True)

    t0 = time.perf_counter()
    runs = _parallel("attribution", cfg, [(m,) for m in MONTHS])
    wall = time.perf_counter() - t0
    rss = max(x["rss"] for x in runs)
    secs, cpu = [x["seconds"] for x in runs], sum(x["cpu"] for x in runs)
    floor = f["engine_s"] / WORKERS
    steps.append(
        Step("attribution", wall, cpu, _concurrent_rss(runs), floor, f"{meter_months:,} meter-months")
    )
    consumption, green = sum(x["consumption_wh"] for x in runs), sum(x["green_wh"] for x in runs)
    print(
        f"attribution: 12 month runs of {cfg.meters:,} meters, {WORKERS} processes, {wall:.0f} s "
        f"({wall / meter_months * 1000:.2f} ms per meter-month); run_attribution "
        f"{min(secs):.0f}-{max(secs):.0f} s a month, {cpu / meter_months * 1000:.2f} CPU-ms per "
        f"meter-month; attempts {[x['attempts'] for x in runs]}; {sum(x['rows'] for x in runs):,} "
        f"committed rows; floor (pure engine / {WORKERS}) {floor:.1f} s; peak RSS per process "
        f"{rss:.0f} MiB; consumption {consumption / 1e9:,.0f} GWh, green {green / consumption:.1%}; "
        f"{_load()}",
        flush=True,
    )

    p = _child("publish", cfg, max(runs, key=lambda x: str(x["month"]))["seq"])
    n = len(p["published"])
    steps.append(Step("publish", p["seconds"], p["cpu"], p["rss"], n / p["floor_per_s"], f"{n} footprints"))
    print(
        f"publish: {n} footprint.publish re-computed by the ledger on append (one batch) in "
        f"{p['seconds']:.1f} s = {n / p['seconds']:.0f} footprints/s ({p['seconds'] / n * 1000:.0f} ms "
        f"each; floor {p['floor_per_s']:.0f}/s); before it, models recorded and the publishers' "
        f"payloads derived {p['prepare_s']:.1f} s, warm Brightway background {p['warm_s']:.1f} s; "
        f"peak RSS {p['rss']:.0f} MiB",
        flush=True,
    )

    c = _child("certificates", cfg, p["published"])
    k = len(c["issue"])
    steps.append(Step("certificates", c["seconds"], c["cpu"], c["rss"], k * c["floor_s"], f"{k} issued"))
    print(
        f"certificates: {k} issued, {np.mean(c['issue']) * 1000:.0f} ms each (p50 "
        f"{np.median(c['issue']) * 1000:.0f} ms; floor {c['floor_s'] * 1000:.1f} ms: one Ed25519 "
        f"signature + one one-entry append); offline check {np.mean(c['check']) * 1000:.1f} ms each; "
        f"{c['kib']:.0f} KiB each",
        flush=True,
    )

    v = _child("verify", cfg)
    floor = v["entries"] * (per["leaf"] + per["verify"]) / WORKERS
    both = v["rss"] + WORKERS * v["children"]  # the children's ru_maxrss is the largest one's
    steps.append(Step("verify", v["seconds"], v["cpu"], both, floor, f"{v['entries']:,} entries"))
    print(
        f"verify: {v['entries']:,} entries in {v['seconds']:.0f} s = "
        f"{v['entries'] / v['seconds']:,.0f} entries/s, {f['values'] / v['seconds']:,.0f} values/s, "
        f"{WORKERS} workers; floor {floor:.1f} s (leaf hash {per['leaf'] * 1e6:.0f} µs + Ed25519 "
        f"verify {per['verify'] * 1e6:.0f} µs per meter-month entry, {WORKERS} cores); peak RSS "
        f"{v['rss']:.0f} MiB + {WORKERS} workers of at most {v['children']:.0f} MiB",
        flush=True,
    )

    db, rels = _sizes(cfg.url)
    print(
        f"sizes: {cfg.meters:,} consumer meters + {GENERATORS} generators, {f['values']:,} values, "
        f"{v['entries']:,} entries; database {db / 2**30:.2f} GiB ({db / f['values']:.1f} B per value)"
    )
    for name, total, idx in rels:
        print(f"  {name:24s} {total / 2**30:6.2f} GiB (indexes {idx / 2**30:.2f} GiB)")
    return steps


def main(argv: list[str] | None = None) -> None:
    if argv and argv[0] == "--lane":  # this process runs tasks of one step (see _parallel)
        request = json.loads(argv[1])
        step: Callable[..., dict[str, Any]] = globals()[f"step_{request['step']}"]
        cfg = Config(**request["cfg"])
        for line in sys.stdin:
            print(_MARK + json.dumps(step(cfg, *json.loads(line))), flush=True)
        return
    meters = scale(FULL_METERS, 100)
    enterprises = max(1, min(20, meters // 50))
    print(
        f"machine: {os.cpu_count()} CPUs, {_load()}; {meters:,} meters x 8,760 h, {GENERATORS} generators, "
        f"{LINKS} links, {enterprises} enterprises",
        flush=True,
    )
    with scratch_postgres() as url:
        if url is None:
            return
        with tempfile.TemporaryDirectory(prefix="tanji-scale-") as tmp:
            cfg = Config(url, tmp, meters, enterprises, scale(100, 10), scale(20, 3))
            t0 = time.perf_counter()
            steps = _run(cfg)
            total = time.perf_counter() - t0
    peak = max(s.rss_mib for s in steps)
    print(f"\n{'step':13s} {'wall s':>7s} {'CPU s':>7s} {'peak RSS MiB':>12s} {'floor s':>8s}  size")
    for s in steps:
        floor = "-" if s.floor_s is None else f"{s.floor_s:.1f}"
        print(f"{s.name:13s} {s.seconds:7.1f} {s.cpu:7.1f} {s.rss_mib:12.0f} {floor:>8s}  {s.size}")
    verdict = "met" if total <= LIMIT_S and peak <= LIMIT_MIB else "NOT met"
    print(
        f"{'total':13s} {total:7.1f} {sum(s.cpu for s in steps):7.1f} {peak:12.0f}           limits "
        f"{LIMIT_S} s and {LIMIT_MIB} MiB: {verdict}; {_load()}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
