"""Witness cosigning on a 1,000,000-entry log: does cosigning keep up with appends?

One round is what happens after an append batch: the log reads a consistency
proof from the size the witness holds (O(log N) stored nodes), the witness
checks the log's signature and the proof, persists its state (fsync) and signs,
and the log stores the verified cosignature with the checkpoint. Printed:
p50/p99 of each step and of the whole round, in process and over the witness's
HTTP app (ASGI in process, no network), beside the floor of one Ed25519
verification plus one signature. Aim (issue 16): round p99 < 20 ms.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

from api.witness.server import create_witness_app
from bench.common import percentile, scale, timed
from ledger.log import merkle
from ledger.log.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from ledger.log.keys import Ed25519PrivateKey, generate_key
from ledger.log.witness import AddCheckpoint
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url
from ledger.store.tables import CheckpointRow, LedgerEntryRow, MerkleNodeRow
from ledger.store.witness_home import WitnessHome

ORIGIN = "bench.tanji/witness"
CHUNK = 50_000


class SyntheticLog:
    """Real leaf hashes, Merkle nodes and signed checkpoints; placeholder bodies (only proofs are read)."""

    def __init__(self, db: Database, operator: Ed25519PrivateKey, rng: random.Random) -> None:
        self.db, self.operator, self.rng = db, operator, rng
        self.size = 0
        self.frontier: list[bytes] = []

    def extend(self, n: int) -> str:
        """Append ``n`` leaves, their nodes and a checkpoint; the checkpoint note."""
        leaves = [self.rng.randbytes(32) for _ in range(n)]
        nodes, self.frontier = merkle.append_leaves(self.frontier, self.size, leaves)
        with self.db.write_session() as s:
            for i in range(0, n, CHUNK):
                s.execute(
                    insert(LedgerEntryRow),
                    [
                        {
                            "seq": self.size + j,
                            "kind": "bench.placeholder",
                            "actor": "bench",
                            "client_id": None,
                            "body": "{}",
                            "hash": leaves[j].hex(),
                            "signed_digest": f"{self.size + j:064x}",
                        }
                        for j in range(i, min(n, i + CHUNK))
                    ],
                )
            for i in range(0, len(nodes), CHUNK):
                s.execute(
                    insert(MerkleNodeRow),
                    [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes[i : i + CHUNK]],
                )
            self.size += n
            root = merkle.root_from_frontier(self.frontier)
            note = sign_checkpoint(Checkpoint(ORIGIN, self.size, root), ORIGIN, self.operator)
            s.add(CheckpointRow(size=self.size, root_hash=root.hex(), note=note))
        return note


def _floor(n: int) -> float:
    """ms of one Ed25519 verify + one sign of a checkpoint-sized message (the crypto a round must do)."""
    key = generate_key()
    msg = b"cosignature/v1\ntime 1700000000\n" + ORIGIN.encode() + b"\n1000000\n" + b"A" * 44 + b"\n"
    sig = key.sign(msg)
    pub = key.public_key()

    def run() -> None:
        for _ in range(n):
            pub.verify(sig, msg)
            key.sign(msg)

    _, t = timed(run)
    return t / n * 1000


def main() -> None:
    n = scale(1_000_000, 2000)
    rounds = scale(300, 30)
    batch = 100  # entries appended between two cosignatures
    print(f"  floor: Ed25519 verify + sign {_floor(2000):.3f} ms")
    rng = random.Random(16)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        db = Database(sqlite_url(tmp / "witness.db"))
        db.migrate()
        operator = generate_key()
        log = SyntheticLog(db, operator, rng)
        note, t_build = timed(lambda: log.extend(n))
        print(f"  synthetic {n}-entry log stored in {t_build:.1f} s")
        ledger = Ledger(db)
        home = WitnessHome.create(tmp / "w", "bench.witness.example/w")
        home.trust(verifier_key(ORIGIN, operator.public_key()))
        wkey = home.witness_key
        home.add_checkpoint(AddCheckpoint(0, (), note))
        proofs: list[float] = []
        witness: list[float] = []
        stores: list[float] = []
        total: list[float] = []
        held = n
        for _ in range(rounds):
            note = log.extend(batch)
            start = time.perf_counter()
            proof, t_proof = timed(lambda: ledger.consistency_proof(held, log.size).path)  # noqa: B023
            lines, t_witness = timed(lambda: home.add_checkpoint(AddCheckpoint(held, tuple(proof), note)))  # noqa: B023
            _, t_store = timed(lambda: ledger.add_cosignatures(log.size, lines[0].line(), [wkey]))  # noqa: B023
            total.append((time.perf_counter() - start) * 1000)
            proofs.append(t_proof * 1000)
            witness.append(t_witness * 1000)
            stores.append(t_store * 1000)
            held = log.size
        for label, values in (
            ("consistency proof (log)", proofs),
            ("witness check+fsync+sign", witness),
            ("store cosignature (log)", stores),
            ("whole round", total),
        ):
            print(f"  {label:26s} p50 {percentile(values, 50):6.2f} ms  p99 {percentile(values, 99):6.2f} ms")
        over_http: list[float] = []
        with TestClient(create_witness_app(home)) as client:
            for _ in range(rounds):
                note = log.extend(batch)
                start = time.perf_counter()
                proof = ledger.consistency_proof(held, log.size).path
                r = client.post(
                    "/add-checkpoint", content=AddCheckpoint(held, tuple(proof), note).text().encode()
                )
                assert r.status_code == 200, r.text
                ledger.add_cosignatures(log.size, r.text, [wkey])
                over_http.append((time.perf_counter() - start) * 1000)
                held = log.size
        print(
            f"  {'round via HTTP app (ASGI)':26s} p50 {percentile(over_http, 50):6.2f} ms  "
            f"p99 {percentile(over_http, 99):6.2f} ms  (aim: p99 < 20 ms)"
        )
        print(
            f"  {rounds} rounds of {batch} appended entries each, log of {log.size} entries; "
            f"cores: {os.cpu_count()}"
        )
        db.dispose()


if __name__ == "__main__":
    main()
