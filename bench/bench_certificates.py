"""Certificates shaped like the demo's: issue and offline verification, sizes, and their floors.

The demo park (``api.demo.run``: a year of hourly readings of nine meters, a park-wide
attribution run committing its result rows, GEC retirements every month, footprints re-computed
by the ledger, a verifier's statement, witnesses) is built once in a scratch directory; its
certificates are what is measured — a product's meters over the year (48 committed rows for the
ingot's four meters), its retirements, the statement and the keys, proven by multiproofs against
one cosigned checkpoint.

- **Verify**: ``check_certificate`` on each certificate file's bytes, nothing cached between runs
  (parse, checkpoint and witness signatures, canonical bodies, the entries' multiproof, every
  entry signature, the issuer signature, the figures, the rows' multiproof and the green
  derivation). Target ≤ 2 ms per certificate.
- **Issue**: ``issue_certificate`` of the ingot footprint against the demo ledger (evidence
  selection, proofs, derivation, signing and the ``certificate.issue`` append), split into its
  parts. Target ≤ 50 ms.

Floors, measured on this machine and printed beside the figures (never asserted): for verify, the
Ed25519 verifications a certificate needs plus parsing its JSON; for issue, one Ed25519 signature
plus one ledger append of a ``certificate.issue`` entry (what recording any entry costs).
``TANJI_BENCH_SCALE`` below 1 shortens the year (fewer months) for a quick run.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import percentile, scale
from certificates.document import Certificate
from certificates.issue import build_certificate, issue_certificate, sign_certificate
from certificates.verify import TrustedKey, check_certificate
from ledger.log.entry import Submission
from ledger.log.keys import generate_key, load_private_key, load_public_key
from ledger.store.append import Ledger
from ledger.store.db import Database

VERIFY_RUNS = 400
ISSUE_RUNS = 20


def _times(fn: Callable[[], Any], runs: int) -> tuple[list[float], float]:
    """Wall seconds of each run, and mean CPU seconds per run."""
    wall = []
    cpu = time.process_time()
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
    return wall, (time.process_time() - cpu) / runs


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def ed25519_costs(n: int = 2000) -> tuple[float, float]:
    """(verify, sign) seconds per Ed25519 operation on a 1 KiB message."""
    key = generate_key()
    msg = b"x" * 1024
    sig = key.sign(msg)
    pub = key.public_key()
    verify, _ = _times(lambda: pub.verify(sig, msg), n)
    sign, _ = _times(lambda: key.sign(msg), n)
    return statistics.mean(verify), statistics.mean(sign)


def signatures_of(cert: Certificate) -> int:
    """The Ed25519 verifications ``check_certificate`` makes: each evidence entry, each checkpoint
    (evidence and upgrade), the issuer's signature."""
    return len(cert.body.evidence.entries) + 1 + (1 if cert.upgrade is not None else 0) + 1


def verify_bench(paths: list[Path], trust: TrustedKey, runs: int, ed_verify: float) -> None:
    for path in paths:
        raw = path.read_bytes()
        cert = Certificate.from_bytes(raw)
        result = check_certificate(raw, trust)
        if not result.ok:
            raise AssertionError(f"{path.name} does not verify: {result.failed}")
        wall, cpu = _times(lambda: check_certificate(raw, trust), runs)  # noqa: B023 - used at once
        parse, _ = _times(lambda: json.loads(raw), runs)  # noqa: B023
        rows = cert.body.evidence.rows
        n_sig = signatures_of(cert)
        floor = n_sig * ed_verify + statistics.mean(parse)
        mean = statistics.mean(wall)
        print(
            f"  {cert.body.product.name[:40]:40s} {len(raw) / 1024:5.1f} KiB "
            f"({len(cert.body.evidence.entries)} entries, {len(rows.items) if rows else 0} rows): "
            f"verify mean {_ms(mean)} (CPU {_ms(cpu)}), p50 {_ms(percentile(wall, 50))}, "
            f"p95 {_ms(percentile(wall, 95))}; target <= 2 ms {'met' if mean <= 0.002 else 'NOT met'}; "
            f"floor {_ms(floor)} ({n_sig} Ed25519 verifications + JSON parse)"
        )


def issue_bench(ledger: Ledger, footprint_id: str, key_path: Path, statement: int | None, runs: int) -> None:
    key = load_private_key(key_path)
    issue_certificate(ledger, footprint_id, key, statement_seq=statement)  # warm caches once
    wall, cpu = _times(lambda: issue_certificate(ledger, footprint_id, key, statement_seq=statement), runs)
    build, _ = _times(lambda: build_certificate(ledger, footprint_id, statement_seq=statement), runs)
    document, key_seq = build_certificate(ledger, footprint_id, statement_seq=statement)
    sign, _ = _times(lambda: sign_certificate(document, key, key_seq), runs)
    cert = sign_certificate(document, key, key_seq)
    size = ledger.size()

    def record() -> None:  # what the ledger costs for one entry: a certificate.issue of a fresh id
        payload = {
            "id": str(uuid.uuid4()),
            "footprint": footprint_id,
            "sha256": cert.content_digest(),
            "checkpoint_size": size,
            "statement_seq": statement,
        }
        ledger.append([Submission.create("certificate.issue", cert.body.issuer.actor, payload, key)])

    append, _ = _times(record, runs)
    _, ed_sign = ed25519_costs(500)
    mean = statistics.mean(wall)
    print(
        f"  issue mean {_ms(mean)} (CPU {_ms(cpu)}), p50 {_ms(percentile(wall, 50))}; target <= 50 ms "
        f"{'met' if mean <= 0.05 else 'NOT met'}\n"
        f"    parts: build (evidence, multiproofs, derivation) {_ms(statistics.mean(build))}, "
        f"sign {_ms(statistics.mean(sign))}, append {_ms(statistics.mean(append))}\n"
        f"    floor {_ms(ed_sign + statistics.mean(append))} (one Ed25519 signature + one ledger append)"
    )


def main() -> None:
    from api.demo.run import run_demo

    months = min(12, scale(12, 1))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        t0 = time.perf_counter()
        result = run_demo(out, echo=lambda _: None, months=months)
        ledger = Ledger(Database(result.db_url), load_private_key(out / "keys" / "operator.pem"))
        print(
            f"demo park of {months} month(s) built in {time.perf_counter() - t0:.0f} s "
            f"({ledger.size():,} entries)"
        )
        trust = TrustedKey(load_public_key(out / "ledger.pub"))
        ed_verify, ed_sign = ed25519_costs()
        print(f"Ed25519 on this machine: verify {ed_verify * 1e6:.0f} µs, sign {ed_sign * 1e6:.0f} µs")
        paths = [out / "certificates" / f"{cid}.json" for cid in result.certificates.values()]
        print(f"offline verification ({scale(VERIFY_RUNS, 20)} runs each, nothing cached between runs):")
        verify_bench(paths, trust, scale(VERIFY_RUNS, 20), ed_verify)
        ingot = next(f for f in result.footprints if "ingot" in f.product_id)
        cert = Certificate.from_bytes(
            (out / "certificates" / f"{result.certificates[ingot.product_id]}.json").read_bytes()
        )
        statement = cert.body.verification.seq if cert.body.verification else None
        print(f"issuing the ingot certificate ({scale(ISSUE_RUNS, 5)} runs):")
        issue_bench(
            ledger,
            ingot.footprint_id,
            out / "keys" / f"{cert.body.issuer.actor}.pem",
            statement,
            scale(ISSUE_RUNS, 5),
        )
        ledger.db.dispose()


if __name__ == "__main__":
    main()
