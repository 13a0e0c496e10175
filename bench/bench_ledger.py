"""Ledger core: appends per second, full verification, proofs on a 1,000,000-entry log.

Every figure is printed beside the floor measured in the same run: SHA-256 of
the body plus Ed25519 verification (what the ledger must do per entry) on one
core, and on two cores at once (two processes, each for seconds: a shared
machine's cores do not run two at the speed of one), and for reference signing
(what the submitting actor does). From ``MIN_BATCH`` entries an append shares
its signature checks between the append loop and one worker process
(``ledger.log.signatures``), so big batches are printed against both floors;
verify with two workers against the two-core floor.
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import os
import random
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.common import percentile, scale, scratch_postgres, timed
from ledger import (
    Database,
    Ed25519PrivateKey,
    Ledger,
    Submission,
    generate_key,
    public_key_b64,
    sqlite_url,
    store_placeholder_log,
)
from ledger.log import merkle
from ledger.log.signatures import MIN_BATCH


def _submissions(operator: Ed25519PrivateKey, n: int, tag: str) -> list[Submission]:
    pub = public_key_b64(generate_key().public_key())  # one key: generation is not what we measure
    return [
        Submission.create(
            "actor.register",
            "operator",
            {"id": f"B-{tag}-{i}", "name": f"Buyer {i} 示范买家", "role": "buyer", "public_key": pub},
            operator,
        )
        for i in range(n)
    ]


def _verify_loop(n: int, seconds: float) -> float:
    """Entries/s of SHA-256 + Ed25519 verify of ``n`` bodies on this core, repeated for ``seconds``
    (long enough for the clock the work runs at, not a first burst's)."""
    key = generate_key()
    pub = key.public_key()
    data = [s.signed_bytes() for s in _submissions(key, n, "floor")]
    sigs = [key.sign(d) for d in data]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for d, sig in zip(data, sigs, strict=True):
            merkle.leaf_hash(d)
            pub.verify(sig, d)
        done += n
    return done / (time.perf_counter() - start)


def _verify_loop_twice(n: int, seconds: float) -> float:
    """Entries/s of :func:`_verify_loop` in two processes at once, summed."""
    with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as pool:
        return sum(pool.map(_verify_loop, [n, n], [seconds, seconds]))


def floor(n: int, seconds: float = 3.0) -> tuple[float, float, float]:
    """Entries/s of SHA-256 + Ed25519 verify on one core, on two cores at once (two processes), and of
    Ed25519 signing; no database."""
    one, two = _verify_loop(n, seconds), _verify_loop_twice(n, seconds)
    key = generate_key()
    data = [s.signed_bytes() for s in _submissions(key, n, "sign")]
    _, t_sign = timed(lambda: [key.sign(d) for d in data])
    return one, two, n / t_sign


def commit_floor(db: Database, n: int) -> tuple[float, str]:
    """Seconds of the smallest durable write transaction on ``db`` (one one-row INSERT and COMMIT into
    a scratch table, on one held connection of the same engine), averaged over ``n``; and what the
    commit waits for there."""
    with db.engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE bench_commit_floor (n INTEGER PRIMARY KEY, note VARCHAR(64))")
    with db.engine.connect() as c:
        start = time.perf_counter()
        for i in range(n):
            with c.begin():
                c.exec_driver_sql(f"INSERT INTO bench_commit_floor (n, note) VALUES ({i}, 'one row')")
        t = (time.perf_counter() - start) / n
    with db.engine.begin() as c:
        c.exec_driver_sql("DROP TABLE bench_commit_floor")
    with db.engine.connect() as c:
        if db.dialect == "sqlite":
            mode = str(c.exec_driver_sql("PRAGMA journal_mode").scalar())
            level = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                int(c.exec_driver_sql("PRAGMA synchronous").scalar() or 0), "?"
            )
            waits = f"{mode} journal, synchronous={level}: " + (
                "the commit appends to the WAL without fsync (that waits for a WAL checkpoint)"
                if mode == "wal" and level == "NORMAL"
                else "the commit fsyncs"
            )
        else:
            sync = c.exec_driver_sql("SHOW synchronous_commit").scalar()
            method = c.exec_driver_sql("SHOW wal_sync_method").scalar()
            waits = f"synchronous_commit={sync}: the commit waits for the WAL flush ({method})"
    return t, waits


def appends(url: str, label: str, floor_rate: float, floor_two: float) -> None:
    operator = generate_key()
    ledger = Ledger.create(Database(url), operator, origin="bench.tanji/appends")
    # A single append cannot beat one commit on this database plus its entry's own CPU work.
    singles = scale(300, 20)
    t_commit, waits = commit_floor(ledger.db, singles)
    t_single = t_commit + 1 / floor_rate
    print(
        f"  {label:10s} single-append floor: one commit {t_commit * 1000:.2f} ms + entry work "
        f"{1000 / floor_rate:.2f} ms = {1 / t_single:6.0f} appends/s ({waits})"
    )
    for batch, batches in ((1, singles), (100, scale(30, 2)), (10_000, scale(2, 1))):
        subs = _submissions(operator, batch * batches, f"{label}{batch}")
        start = time.perf_counter()
        for i in range(batches):
            ledger.append(subs[i * batch : (i + 1) * batch])
        elapsed = time.perf_counter() - start
        rate = batch * batches / elapsed
        if batch == 1:
            print(
                f"  {label:10s} batch {batch:6d}: {rate:8.0f} entries/s  ({elapsed / batches * 1000:.2f} ms "
                f"per append; {rate * t_single:5.1%} of the single-append floor, {rate / floor_rate:5.1%} "
                "of the CPU floor)"
            )
            continue
        # From MIN_BATCH entries the append loop shares the signature checks with one worker process
        # (ledger.log.signatures): the two cores' floor is named beside the one-core figure.
        two = batch >= MIN_BATCH and (os.cpu_count() or 1) >= 2
        print(
            f"  {label:10s} batch {batch:6d}: {rate:8.0f} entries/s  ({rate / floor_rate:5.1%} of the floor"
            + (f"; {rate / floor_two:5.1%} of the 2-core floor, signatures on 2 cores)" if two else ")")
        )
    ledger.db.dispose()


def verification(tmp: Path) -> None:
    n = scale(200_000, 1000)
    operator = generate_key()
    ledger = Ledger.create(Database(sqlite_url(tmp / "verify.db")), operator, origin="bench.tanji/verify")
    _, t_build = timed(
        lambda: (
            [ledger.append(_submissions(operator, 10_000, f"v{i}")) for i in range(n // 10_000)]
            if n >= 10_000
            else ledger.append(_submissions(operator, n, "v"))
        )
    )
    size = ledger.size()
    print(f"  built a {size}-entry log in {t_build:.1f} s")
    for workers in (1, 2):
        # This machine's speed drifts by 10-20 % over minutes: the floor is measured again just before
        # and just after each verification, and the run is set against their mean.
        loop = _verify_loop if workers == 1 else _verify_loop_twice
        before = loop(scale(5000, 500), 3.0)
        report, t = timed(functools.partial(ledger.verify, workers=workers))
        after = loop(scale(5000, 500), 3.0)
        assert report.ok, report
        rate, floor_now = size / t, (before + after) / 2
        print(
            f"  verify {size} entries, {workers} worker(s): {t:6.2f} s = {rate:8.0f} entries/s "
            f"({rate / floor_now:5.1%} of the {workers}-core floor, {floor_now:.0f}/s: "
            f"{before:.0f} before, {after:.0f} after)"
        )


def proofs(tmp: Path) -> None:
    n = scale(1_000_000, 1000)
    db = Database(sqlite_url(tmp / "proofs.db"))
    db.migrate()
    rng = random.Random(1)
    leaves = [rng.randbytes(32) for _ in range(n)]

    # A synthetic log: real leaf hashes and Merkle nodes, placeholder bodies (only proofs are timed).
    _, t_build = timed(lambda: store_placeholder_log(db, leaves))
    print(f"  synthetic {n}-leaf log stored in {t_build:.1f} s")
    ledger = Ledger(db)
    expected = merkle.root(leaves)
    root, t_root = timed(ledger.root)
    assert root == expected
    inc: list[float] = []
    con: list[float] = []
    for _ in range(200):
        seq = rng.randrange(n)
        p, t = timed(functools.partial(ledger.inclusion_proof, seq))
        assert merkle.verify_inclusion(p.leaf_hash, seq, n, p.path, expected)
        inc.append(t * 1000)
        old = rng.randrange(1, n)
        c, t = timed(functools.partial(ledger.consistency_proof, old))
        assert merkle.verify_consistency(old, n, c.old_root, c.new_root, c.path)
        con.append(t * 1000)
    print(f"  root of {n}: {t_root * 1000:.2f} ms")
    print(
        f"  inclusion proof: p50 {percentile(inc, 50):.2f} ms, p99 {percentile(inc, 99):.2f} ms (aim < 5 ms)"
    )
    print(f"  consistency proof: p50 {percentile(con, 50):.2f} ms, p99 {percentile(con, 99):.2f} ms")


def main() -> None:
    floor_rate, floor_two, sign_rate = floor(scale(5000, 500))
    print(
        f"  floor (no database): SHA-256 + Ed25519 verify {floor_rate:8.0f} entries/s on one core, "
        f"{floor_two:8.0f} on two at once ({floor_two / floor_rate:.2f}x); Ed25519 sign {sign_rate:8.0f}/s"
    )
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        appends(sqlite_url(tmp / "appends.db"), "SQLite", floor_rate, floor_two)
        with scratch_postgres() as pg:
            if pg:
                appends(pg, "PostgreSQL", floor_rate, floor_two)
        verification(tmp)
        proofs(tmp)
    print(f"  cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
