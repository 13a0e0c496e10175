"""Several processes appending at once leave one contiguous chain that verifies."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest

from ledger.log.entry import Submission
from ledger.log.keys import generate_key, load_private_key, public_key_b64, save_private_key
from ledger.store.append import Ledger
from ledger.store.db import Database

WRITERS = 4
PER_WRITER = 500


def _writer(url: str, key_dir: str, writer: int, count: int) -> None:
    operator = load_private_key(Path(key_dir) / "operator.pem")
    ledger = Ledger(Database(url), operator)
    for i in range(count):
        payload = {
            "id": f"B-{writer}-{i}",
            "name": f"buyer {writer}/{i}",
            "role": "buyer",
            "public_key": public_key_b64(generate_key().public_key()),
        }
        sub = Submission.create("actor.register", "operator", payload, operator, client_id=f"w{writer}-{i}")
        ledger.append([sub])
        if i % 50 == 0:  # a retry from the same writer must not append twice
            assert ledger.append([sub])[0].duplicate
    ledger.db.dispose()


@pytest.mark.slow
def test_concurrent_writers_keep_one_chain(db_url: str, tmp_path: Path) -> None:
    operator = generate_key()
    save_private_key(operator, tmp_path / "operator.pem")
    ledger = Ledger.create(Database(db_url), operator, origin="test.tanji/concurrency")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(db_url, str(tmp_path), w, PER_WRITER)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    total = 1 + WRITERS * PER_WRITER
    seqs = [row.seq for row in ledger.stored_rows()]
    assert seqs == list(range(total))
    report = ledger.verify(workers=2)
    assert report.ok, report
    assert report.size == total
