"""Benchmark: one year of 15-minute readings for 1,000 meters, imported end to end.

``tanji readings import`` does the work: read the file (a wide Parquet file
as a metering system would export: a timestamp column and one kWh column per
meter), validate everything, round to integer Wh, cut one ``readings.batch``
per meter and Shanghai month (2,976 values), sign each with Ed25519 and append in atomic
chunks of about a million values (the ledger core checks each signature, rule and projection, and
extends the Merkle tree and checkpoints). The import runs in a fresh child
process so its peak memory (``ru_maxrss``) is its own.

The full size is 1,000 meters × 365 days ≈ 35 M values, 12,000 meter-month
entries (365,000 as day batches before issue 18); ``--days`` runs a fraction and the figures are
extrapolated linearly (stated in the output); the signature pre-check
worker of the ledger core is not included in the peak RSS. The load average is printed
because other work on the machine slows every wall-clock figure; values per
CPU-second of the importing process is the steadier number. Usage::

    python -m bench.bench_readings [--meters 1000] [--days 365] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.common import DEFAULT_PG, scale

FULL_DAYS = 365
AIM = {"sqlite": 1_000_000, "postgres": 800_000}  # values/s end to end (issue 18)
MONTH = 2976  # 31 days of 15-minute values: one meter-month batch
PG_ENV = "TANJI_TEST_PG_URL"


def make_file(path: Path, meters: int, days: int, seed: int = 7) -> int:
    """Write the wide Parquet file; returns the number of values. Built column by column."""
    n = 96 * days
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2025-12-31T16:00:00Z", periods=n, freq="15min")
    cols: dict[str, Any] = {"start": stamps}
    for m in range(meters):
        cols[f"M-{m:04d}"] = np.round(rng.gamma(2.0, 150.0, n), 3)  # kWh per quarter hour
    pd.DataFrame(cols).to_parquet(path, index=False)
    return n * meters


def setup_ledger(url: str, meters: int, keys_dir: Path) -> None:
    """Create the ledger, one enterprise and its meters (not timed)."""
    from ledger.log.entry import Submission
    from ledger.log.keys import generate_key, public_key_b64, save_private_key
    from ledger.store.append import Ledger
    from ledger.store.db import Database

    op = generate_key()
    save_private_key(op, keys_dir / "operator.pem")
    ent = generate_key()
    save_private_key(ent, keys_dir / "E-1.pem")
    ledger = Ledger.create(Database(url), op, origin="bench.tanji/readings")
    ledger.append(
        [
            Submission.create(
                "actor.register",
                "operator",
                {
                    "id": "E-1",
                    "name": "Smelter",
                    "role": "enterprise",
                    "public_key": public_key_b64(ent.public_key()),
                },
                op,
            ),
            Submission.create(
                "park.register", "operator", {"id": "P-1", "name": "Park", "level": "national"}, op
            ),
        ]
    )
    subs = [
        Submission.create(
            "meter.register",
            "operator",
            {"id": f"M-{m:04d}", "owner": "E-1", "park": "P-1", "kind": "consumption"},
            op,
        )
        for m in range(meters)
    ]
    ledger.append(subs)


def _child(url: str, file: Path, keys_dir: Path, dry_run: bool = False) -> None:
    """In a fresh process (``--child``): the timed import; prints its figures as JSON."""
    from ledger.energy.readings_import import import_readings
    from ledger.store.append import Ledger
    from ledger.store.apply import KeyDirectory
    from ledger.store.db import Database

    keys = KeyDirectory(keys_dir)
    ledger = Ledger(Database(url), keys.key("operator"))
    t0, c0 = time.perf_counter(), time.process_time()
    report = import_readings(ledger, file, "E-1", keys.key("E-1"), unit="kwh", chunk=4000, dry_run=dry_run)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "values": report.values,
                "batches": report.batches,
                "appended": report.appended,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def run(url: str, file: Path, meters: int, keys_dir: Path, dry_run: bool = False) -> dict[str, Any]:
    """Set up the ledger, then time the import in a fresh Python process (its own peak RSS)."""
    setup_ledger(url, meters, keys_dir)
    cmd = [sys.executable, "-m", "bench.bench_readings", "--child", url, str(file), str(keys_dir)]
    out = subprocess.run(cmd + (["--dry-run"] if dry_run else []), capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"import process failed ({out.returncode}):\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def per_entry_costs(n: int = 300) -> dict[str, float]:
    """Microseconds per meter-month batch (2,976 values) of the per-entry work, measured here: the floor
    of the ledger's share (canonical bytes once, one signature, one verification)."""
    from ledger.log.canonical import canonical_bytes
    from ledger.log.keys import generate_key

    payload = {
        "meter": "M-0001",
        "start": "2026-01-01T00:00:00Z",
        "resolution": "PT15M",
        "values": list(range(250_000, 250_000 + MONTH)),
        "source": "readings.parquet",
    }
    body = {"v": 1, "kind": "readings.batch", "actor": "E-1", "payload": payload}
    key = generate_key()
    data = canonical_bytes(body)
    sig = key.sign(data)
    pub = key.public_key()
    out = {}
    for name, fn in (
        ("canonical JSON", lambda: canonical_bytes(body)),
        ("Ed25519 sign", lambda: key.sign(data)),
        ("Ed25519 verify", lambda: pub.verify(sig, data)),
    ):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out[name] = (time.perf_counter() - t0) / n * 1e6
    return out


def _pg_url(admin_url: str) -> tuple[str, Any]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"tanji_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures (measured and, for a fraction, extrapolated)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--meters", type=int, default=1000)
    ap.add_argument(
        "--days",
        type=int,
        default=scale(31),
        help=f"days of data (full size: {FULL_DAYS}; default 31 x $TANJI_BENCH_SCALE)",
    )
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--child", nargs=3, metavar=("URL", "FILE", "KEYS"), help=argparse.SUPPRESS)
    ap.add_argument(
        "--full-plan",
        action="store_true",
        help="also validate the full-size file (--dry-run: parse, validate, round, plan) for peak memory",
    )
    ap.add_argument("--dry-run", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args([] if argv is None else argv)  # `python -m bench` calls main() with no arguments
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]), args.dry_run)
        return 0
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    costs = per_entry_costs()
    floor = MONTH / (sum(costs.values()) / 1e6)
    print(
        f"work per meter-month batch of {MONTH:,} values: "
        + ", ".join(f"{k} {v:.0f} µs" for k, v in costs.items())
        + f" = floor {floor:,.0f} values/s on one core for canonicalise + sign + verify "
        "(canonicalised once, by the importer; the core reuses the signed bytes)"
    )
    with tempfile.TemporaryDirectory(prefix="tanji-bench-") as tmp:
        root = Path(tmp)
        file = root / "readings.parquet"
        t0 = time.perf_counter()
        values = make_file(file, args.meters, args.days)
        print(
            f"file: {args.meters} meters x {args.days} days of 15-minute kWh = {values:,} values, "
            f"{file.stat().st_size / 2**20:.0f} MiB Parquet (built in {time.perf_counter() - t0:.1f} s)"
        )
        backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
        for backend in backends:
            keys = root / f"keys-{backend}"
            drop = None
            if backend == "sqlite":
                url = f"sqlite:///{root / 'bench.db'}"
            else:
                admin = os.environ.get("TANJI_BENCH_PG_URL") or os.environ.get(PG_ENV) or DEFAULT_PG
                try:
                    url, drop = _pg_url(admin)
                except Exception as e:  # noqa: BLE001 - any connection failure: report and go on
                    print(f"postgres: skipped ({admin} unreachable: {e.__class__.__name__})")
                    continue
            try:
                r = run(url, file, args.meters, keys)
            finally:
                if drop is not None:
                    drop()
            rate = r["values"] / r["seconds"]
            full = FULL_DAYS * 96 * args.meters
            print(
                f"{backend}: {r['values']:,} values in {r['batches']:,} entries in {r['seconds']:.1f} s = "
                f"{rate:,.0f} values/s ({rate / AIM[backend]:.0%} of the {AIM[backend]:,} aim, "
                f"{rate / floor:.0%} of the floor); "
                f"main-process CPU {r['cpu_seconds']:.1f} s "
                f"= {r['values'] / r['cpu_seconds']:,.0f} values per CPU-second; peak RSS "
                f"{r['peak_rss_mib']:.0f} MiB; load average now {os.getloadavg()[0]:.1f}"
            )
            if args.days != FULL_DAYS:
                print(
                    f"{backend}: extrapolated to the full {full:,} values: {full / rate / 60:.0f} min "
                    "(linear; memory grows with the plan's int64 arrays: "
                    f"+{full * 8 / 2**20:.0f} MiB at full size)"
                )
        if args.full_plan:
            full_file = root / "full.parquet"
            n = make_file(full_file, args.meters, FULL_DAYS)
            r = run(f"sqlite:///{root / 'plan.db'}", full_file, args.meters, root / "keys-plan", dry_run=True)
            print(
                f"full size, validation only (--dry-run): {n:,} values parsed, validated, rounded "
                "and cut into "
                f"{r['batches']:,} day batches in {r['seconds']:.1f} s ({n / r['seconds']:,.0f} values/s); "
                f"peak RSS {r['peak_rss_mib']:.0f} MiB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
