"""Certificates: offline verification of 10,000 certificates, and their size.

A SQLite ledger is padded to ~16,000 entries (so inclusion proofs have the
length they have in a park-sized log), then certificates are issued for
footprints of different enterprises, half of them citing a verifier's
statement. The verification loop runs ``check_certificate`` on the raw file
bytes of each (parsing, checkpoint signature, every body's canonical form and
leaf hash, every inclusion proof, every entry signature, the issuer signature,
the figures) — nothing is cached between certificates. A second pass runs
each distinct certificate once through one ``Verifier``, which checks each
distinct body, entry signature and checkpoint once (certificates of one park
share evidence: registrations, checkpoints). Process start and issuing are not
timed. Printed beside the floor: the Ed25519 verifications a
certificate needs, timed alone.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import percentile, scale, timed
from certificates.issue import issue_certificate
from certificates.verify import TrustedKey, Verifier, check_certificate
from ledger.log.checkpoint import parse_verifier_key
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey, generate_key, public_key_b64
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url

PAD = 16_384
CERTIFICATES = 100
VERIFICATIONS = 10_000


def _footprint(fid: str, total: float) -> dict[str, Any]:
    ghg: dict[str, Any] = {
        "total": total,
        "fossil": total,
        "biogenic": 0.0,
        "land_use": 0.0,
        "biogenic_co2_kg": 0.0,
    }
    return {
        "footprint_id": fid,
        "supersedes": [],
        "product_id": "AL-INGOT",
        "product_name": "Aluminium ingot 铝锭",
        "product_ids": ["urn:tanji:product:al"],
        "product_classifications": ["urn:cn:7601"],
        "period_start": "2025-01-01",
        "period_end": "2026-01-01",
        "lot": None,
        "geography_country": "CN",
        "geography_subdivision": "CN-NM",
        "declared_unit": "kilogram",
        "declared_unit_amount": 1.0,
        "mass_per_declared_unit_kg": 1.0,
        "fossil_carbon_content_kg": 0.0,
        "boundary": "cradle-to-gate",
        "results": {
            "market": ghg,
            "location": ghg | {"total": total * 2.7},
            "by_stage": [
                {"stage": "electrolysis", "market": total * 0.8, "location": total * 2.2},
                {"stage": "casting", "market": total * 0.2, "location": total * 0.5},
            ],
            "electricity": {
                "total_kwh": 14.2,
                "claimable_green_kwh": 9.1,
                "direct_physical_kwh": 6.3,
                "contracted_kwh": 2.8,
                "certificate_kwh": 0.0,
                "grid_kwh": 5.1,
            },
        },
        "primary_data_share": 82.5,
        "dqi": None,
        "model_sha256": "ab" * 32,
        "attribution_run_seq": None,
        "background_version": "tanji-bg/2026.1",
        "unverified_factors": [],
    }


def build(directory: Path, n_certs: int, pad: int) -> tuple[list[bytes], TrustedKey, float]:
    """A padded ledger with ``n_certs`` certificates; their file bytes, the trusted key, issue seconds."""
    operator = generate_key()
    ledger = Ledger.create(
        Database(sqlite_url(directory / "bench.db")), operator, origin="bench.tanji/ledger"
    )
    for start in range(0, pad, 2000):
        ledger.append(
            [
                Submission.create(
                    "park.register",
                    "operator",
                    {"id": f"P-{i}", "name": f"Park {i} 零碳园区", "level": "autonomous_region"},
                    operator,
                )
                for i in range(start, min(pad, start + 2000))
            ]
        )
    keys: dict[str, Ed25519PrivateKey] = {}
    subs = []
    for actor, role in [(f"E-{i}", "enterprise") for i in range(n_certs)] + [("V-1", "verifier")]:
        keys[actor] = generate_key()
        subs.append(
            Submission.create(
                "actor.register",
                "operator",
                {
                    "id": actor,
                    "name": f"Enterprise {actor} 有限公司",
                    "role": role,
                    "public_key": public_key_b64(keys[actor].public_key()),
                },
                operator,
            )
        )
    ledger.append(subs)
    footprints = []
    for i in range(n_certs):
        fid = str(uuid.uuid4())
        ledger.append(
            [Submission.create("footprint.publish", f"E-{i}", _footprint(fid, 4.0 + i / 100), keys[f"E-{i}"])]
        )
        statement: int | None = None
        if i % 2:
            ledger.append(
                [
                    Submission.create(
                        "access.grant", f"E-{i}", {"grantee": "V-1", "scope": "trail"}, keys[f"E-{i}"]
                    )
                ]
            )
            size = ledger.size()
            [placed] = ledger.append(
                [
                    Submission.create(
                        "verification.statement",
                        "V-1",
                        {
                            "subject": f"E-{i}",
                            "tree_size": size,
                            "root_hash": ledger.root(size).hex(),
                            "seqs": [],
                            "opinion": "reasonable",
                            "standard": "ISO 14064-3:2019",
                            "statement": "Checked.",
                        },
                        keys["V-1"],
                    )
                ]
            )
            statement = placed.seq
        footprints.append((fid, f"E-{i}", statement))
    raws = []
    began = time.perf_counter()
    for fid, actor, statement in footprints:
        raws.append(
            issue_certificate(ledger, fid, keys[actor], statement_seq=statement).certificate.to_bytes()
        )
    issue_s = time.perf_counter() - began
    name, key = parse_verifier_key(ledger.info().operator_key)
    return raws, TrustedKey(key, name), issue_s


def ed25519_floor(n: int) -> tuple[float, float]:
    """(wall, CPU) seconds per Ed25519 verification of a 2 KiB message."""
    key = generate_key()
    msg = b"x" * 2048
    sig = key.sign(msg)
    pub = key.public_key()
    cpu = time.process_time()
    _, seconds = timed(lambda: [pub.verify(sig, msg) for _ in range(n)])
    return seconds / n, (time.process_time() - cpu) / n


def main() -> None:
    n_certs, n_verify, pad = scale(CERTIFICATES, 4), scale(VERIFICATIONS, 200), scale(PAD, 64)
    with tempfile.TemporaryDirectory() as tmp:
        (raws, trust, issue_s), build_s = timed(lambda: build(Path(tmp), n_certs, pad))

    docs = [json.loads(r) for r in raws]
    entries = [len(d["evidence"]["entries"]) for d in docs]
    nodes = [sum(len(e["proof"]) for e in d["evidence"]["entries"]) for d in docs]
    sizes = [len(r) for r in raws]
    print(
        f"ledger padded to {pad:,} entries + {n_certs} certificates in {build_s:.1f} s "
        f"(issuing {issue_s / n_certs * 1000:.1f} ms each: evidence graph cached, proofs, sign, append)"
    )
    print(
        f"certificate size: median {statistics.median(sizes) / 1024:.1f} KiB, "
        f"max {max(sizes) / 1024:.1f} KiB; "
        f"evidence entries {min(entries)}–{max(entries)}, proof nodes per certificate "
        f"{min(nodes)}–{max(nodes)}"
    )
    assert all(check_certificate(r, trust).ok for r in raws), "a freshly issued certificate does not verify"
    wall: list[float] = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for i in range(n_verify):
        raw = raws[i % len(raws)]
        t0 = time.perf_counter()
        result = check_certificate(raw, trust)
        wall.append(time.perf_counter() - t0)
        if not result.ok:
            raise AssertionError(f"certificate {i} failed: {result.failed}")
    total_wall, total_cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    per = total_wall / n_verify * 1000
    print(
        f"offline verification of {n_verify:,} certificates: {total_wall:.2f} s wall, {total_cpu:.2f} s CPU"
    )
    cpu_per, p50 = total_cpu / n_verify * 1000, percentile(wall, 50) * 1000
    print(
        f"  per certificate: mean {per:.3f} ms wall (CPU {cpu_per:.3f} ms), p50 {p50:.3f} ms, "
        f"p95 {percentile(wall, 95) * 1000:.3f} ms; target <= 2 ms: wall mean "
        f"{'met' if per <= 2 else 'NOT met'}, CPU {'met' if cpu_per <= 2 else 'NOT met'}"
    )
    if n_verify < VERIFICATIONS:
        print(f"  extrapolated to {VERIFICATIONS:,}: {per * VERIFICATIONS / 1000:.1f} s")
    mean_entries = statistics.mean(entries)
    floor, floor_cpu = ed25519_floor(2000)
    n_sig = mean_entries + 2
    print(
        f"  floor: {n_sig:.1f} Ed25519 verifications per certificate (every evidence entry, checkpoint, "
        f"issuer) at {floor * 1e6:.0f} µs wall / {floor_cpu * 1e6:.0f} µs CPU "
        f"= {n_sig * floor * 1000:.3f} ms "
        f"wall / {n_sig * floor_cpu * 1000:.3f} ms CPU"
    )
    print(f"  per evidence entry (all work / entries): {per / mean_entries:.3f} ms")
    verifier = Verifier(trust)
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for i, raw in enumerate(raws):  # each certificate once: only evidence shared between them is reused
        if not verifier.check(raw).ok:
            raise AssertionError(f"certificate {i} failed with a shared Verifier")
    warm_wall, warm_cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    print(
        f"the {len(raws)} distinct certificates once each through one Verifier "
        "(shared evidence checked once): "
        f"{warm_wall / len(raws) * 1000:.3f} ms wall, "
        f"{warm_cpu / len(raws) * 1000:.3f} ms CPU per certificate"
    )
    heavy()


def heavy(runs: int = 50) -> None:
    """A certificate resting on an attribution run over a month of hourly readings.

    Uses the hand-computed month park of ``tests.ledger.park_fixtures`` (run from
    the repository root); skipped when the tests are not importable.
    """
    try:
        from tests.conftest import Park
        from tests.lca.test_kinds import payload
        from tests.ledger.park_fixtures import MONTH, build_month_park
    except ImportError as e:
        print(f"heavy certificate skipped: {e}")
        return
    from ledger.attribution.runner import run_attribution

    with tempfile.TemporaryDirectory() as tmp:
        operator = generate_key()
        ledger = Ledger.create(
            Database(sqlite_url(Path(tmp) / "month.db")), operator, origin="bench.tanji/month"
        )
        park = build_month_park(Park(ledger, {"operator": operator}))
        run = run_attribution(ledger, "operator", operator, MONTH, ["C-1", "C-2", "C-3"])
        fid = str(uuid.uuid4())
        ledger.append([park.sign("footprint.publish", "E-1", payload(fid, run=run.seq))])
        cert = issue_certificate(ledger, fid, park.keys["E-1"]).certificate
        name, key = parse_verifier_key(ledger.info().operator_key)
    raw, trust = cert.to_bytes(), TrustedKey(key, name)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(runs):
        assert check_certificate(raw, trust).ok
    cpu, wall = (time.process_time() - cpu) / runs * 1000, (time.perf_counter() - wall) / runs * 1000
    print(
        f"certificate on an attribution run (a month of hourly readings of 5 meters): "
        f"{len(cert.body.evidence.entries)} evidence entries, {len(raw) / 1024:.1f} KiB; "
        f"verification {wall:.2f} ms wall, {cpu:.2f} ms CPU"
    )


if __name__ == "__main__":
    main()
