"""The cycle collector is paused for a big batch and restored after it, whatever happens."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import ledger.store.append as append_module
from ledger.log.entry import Submission
from ledger.log.keys import generate_key, public_key_b64
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url
from ledger.store.gc_pause import cycle_collector_paused


def test_paused_inside_and_restored_after_an_error() -> None:
    assert gc.isenabled()
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), cycle_collector_paused():
        _ = 1 / 0
    assert gc.isenabled()
    with cycle_collector_paused(pause=False):
        assert gc.isenabled()


def test_a_pause_held_elsewhere_is_left_to_its_holder() -> None:
    gc.disable()
    try:
        with cycle_collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # not restarted under whoever paused it first
    finally:
        gc.enable()


def test_an_append_from_min_batch_runs_paused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches from ``MIN_BATCH`` entries are built and committed with the collector paused; smaller
    ones are not; it runs again after either."""
    monkeypatch.setattr(append_module, "MIN_BATCH", 3)
    operator = generate_key()
    ledger = Ledger.create(Database(sqlite_url(tmp_path / "t.db")), operator, origin="gc.tanji.test/log")
    during: list[bool] = []
    ledger.add_append_listener(lambda _size: during.append(gc.isenabled()))
    key = public_key_b64(generate_key().public_key())

    def buyers(n: int, tag: str) -> list[Submission]:
        payload = {"name": "B", "role": "buyer", "public_key": key}
        return [
            Submission.create("actor.register", "operator", {"id": f"{tag}{i}", **payload}, operator)
            for i in range(n)
        ]

    ledger.append(buyers(2, "a"))
    ledger.append(buyers(3, "b"))
    assert during == [True, False] and gc.isenabled()
