"""The signature precheck of big batches: same answers as checking inline, also from a threaded process."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from ledger.log import signatures
from ledger.log.keys import generate_key, public_key_b64, sign_b64


@pytest.fixture
def fresh_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No pool yet (the module keeps one per process); the one a test starts is shut down after it."""
    monkeypatch.setattr(signatures, "_pool", None)
    yield
    if signatures._pool is not None:
        signatures._pool.shutdown(wait=True, cancel_futures=True)


def _items(n: int, bad: set[int]) -> list[tuple[bytes, str, str] | None]:
    key = generate_key()
    pub = public_key_b64(key.public_key())
    items: list[tuple[bytes, str, str] | None] = []
    for i in range(n):
        data = f"entry {i}".encode()
        items.append((data, sign_b64(key, b"other" if i in bad else data), pub))
    return items


def _answers(checker: signatures.Prechecker, items: list[tuple[bytes, str, str] | None]) -> list[bool]:
    return [item is not None and checker.result(i, item[2]) for i, item in enumerate(items)]


def test_precheck_in_a_worker_matches_inline(fresh_pool: None) -> None:
    items = _items(signatures.MIN_BATCH + 300, bad={3, signatures.MIN_BATCH + 7})
    checker = signatures.Prechecker(items)
    answers = _answers(checker, items)
    inline = signatures.verify_chunk(items)
    # a chunk the append loop reached before the worker started it answers False (checked inline)
    assert any(answers)  # the worker answered some chunks (it takes them from the end)
    assert all(a == b for a, b in zip(answers, inline, strict=True) if a)
    assert not answers[3] and not answers[signatures.MIN_BATCH + 7]


def test_a_threaded_process_gets_a_worker_from_a_fork_server(fresh_pool: None) -> None:
    """A service has threads: forking it could copy a held lock, so the worker comes from a fork server
    instead of the batch being checked on one core."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pool = signatures._get_pool()
    finally:
        stop.set()
        other.join()
    assert pool is not None
    context = pool._mp_context
    assert context is not None and context.get_start_method() == "forkserver"
    assert pool.submit(signatures.verify_chunk, _items(3, bad={1})).result(timeout=60) == [True, False, True]
