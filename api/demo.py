"""The end-to-end demo: builds a small park ledger from nothing and checks it.

Until the full park demo lands (issue 8) it initialises a ledger, registers the
park's actors (each with its own Ed25519 key), rotates one key, proves an entry
and a consistency between two checkpoints, exports the log and verifies both
the database and the export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ledger import merkle
from ledger.checkpoint import parse_note
from ledger.db import Database, sqlite_url
from ledger.entry import Submission
from ledger.export import export_ledger, verify_export
from ledger.keys import generate_key, public_key_b64, save_private_key, save_public_key
from ledger.log import Ledger
from ledger.verify import VerifyReport

ORIGIN = "tanji.demo/ordos-zero-carbon-park"
ACTORS = (
    ("park", "P-ORDOS", "鄂尔多斯零碳产业园管理委员会 Ordos Zero-Carbon Park", "operator"),
    ("enterprise", "E-SMELTER", "示范铝业 Demo Aluminium Smelter", "P-ORDOS"),
    ("enterprise", "E-POLYSI", "示范硅材料 Demo Polysilicon", "P-ORDOS"),
    ("generator", "G-WIND", "示范风电场 Demo Wind Farm", "P-ORDOS"),
    ("registry", "R-GEC", "绿证核发机构 GEC Registry (demo)", "operator"),
    ("verifier", "V-CHECK", "示范核查机构 Demo Verifier", "P-ORDOS"),
)


@dataclass(frozen=True)
class DemoResult:
    """What the demo built and checked."""

    out: Path
    db_url: str
    size: int
    report: VerifyReport
    export_report: VerifyReport


def run_demo(out: Path, db_url: str | None = None, echo: Callable[[str], None] = print) -> DemoResult:
    """Build the demo ledger in ``out`` (``out/tanji.db`` unless ``db_url``) and verify it."""
    out = Path(out)
    keys_dir = out / "keys"
    keys_dir.mkdir(parents=True, exist_ok=True)
    if db_url is None:
        for suffix in ("", "-wal", "-shm"):
            (out / f"tanji.db{suffix}").unlink(missing_ok=True)
        db_url = sqlite_url(out / "tanji.db")
    operator_key = generate_key()
    save_private_key(operator_key, keys_dir / "operator.pem", overwrite=True)
    save_public_key(operator_key.public_key(), out / "ledger.pub")
    ledger = Ledger.create(Database(db_url), operator_key, origin=ORIGIN)
    echo(f"ledger initialised at {db_url}")

    keys = {"operator": operator_key}
    for role, actor_id, name, registrar in ACTORS:
        key = generate_key()
        save_private_key(key, keys_dir / f"{actor_id}.pem", overwrite=True)
        keys[actor_id] = key
        sub = Submission.create(
            "actor.register", registrar,
            {"id": actor_id, "name": name, "role": role, "public_key": public_key_b64(key.public_key())},
            keys[registrar], client_id=f"register-{actor_id}",
        )
        placed = ledger.append([sub])[0]
        echo(f"  seq {placed.seq}: actor.register {actor_id} ({role}) by {registrar}")
    old_size = ledger.size()

    new_key = generate_key()
    rotate = Submission.create(
        "actor.rotate_key", "E-SMELTER",
        {"actor_id": "E-SMELTER", "public_key": public_key_b64(new_key.public_key())}, keys["E-SMELTER"],
    )
    placed = ledger.append([rotate])[0]
    save_private_key(new_key, keys_dir / "E-SMELTER.pem", overwrite=True)
    echo(f"  seq {placed.seq}: actor.rotate_key E-SMELTER")

    proof = ledger.inclusion_proof(1)
    checkpoint, _ = parse_note(ledger.latest_checkpoint())
    ok = merkle.verify_inclusion(proof.leaf_hash, proof.seq, proof.size, proof.path, checkpoint.root_hash)
    echo(f"inclusion proof of seq 1 in the tree of {proof.size}: {len(proof.path)} hashes, verifies: {ok}")
    cons = ledger.consistency_proof(old_size)
    ok_c = merkle.verify_consistency(cons.old_size, cons.new_size, cons.old_root, cons.new_root, cons.path)
    echo(f"consistency proof {cons.old_size} -> {cons.new_size}: {len(cons.path)} hashes, verifies: {ok_c}")
    echo(ledger.latest_checkpoint().rstrip("\n"))

    report = ledger.verify(workers=1)
    echo(f"ledger verify: {'ok' if report.ok else 'FAILED: ' + str(report.reason)} ({report.size} entries)")
    export_ledger(ledger, out / "export")
    export_report = verify_export(out / "export" / "log.jsonl", operator_key.public_key())
    echo(f"export verify against ledger.pub: {'ok' if export_report.ok else 'FAILED'}")
    if not (ok and ok_c and report.ok and export_report.ok):
        raise SystemExit("demo verification failed")
    return DemoResult(out, db_url, ledger.size(), report, export_report)
