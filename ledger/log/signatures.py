"""Ed25519 checks of a large batch in a worker process, overlapped with the append.

The append loop is ordered (each entry sees the projections of the ones
before it), but most signatures in a big batch can be checked in advance with
the keys the actors hold when the batch starts. ``Prechecker`` sends them to a
worker process in chunks and hands the answers back as the loop reaches them;
an entry whose actor's key changes inside the batch, or whose check failed, is
checked again inline, so the outcome is exactly that of checking in order.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import multiprocessing as mp
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CHUNK = 500
MIN_BATCH = 2000  # below this, starting to ship work costs more than it saves

_pool: ProcessPoolExecutor | None = None


def verify_chunk(items: Sequence[tuple[bytes, str, str] | None]) -> list[bool]:
    """For each ``(signed bytes, base64 signature, base64 public key)``: does it verify? None → False."""
    keys: dict[str, Ed25519PublicKey] = {}
    out = []
    for item in items:
        if item is None:
            out.append(False)
            continue
        data, sig_b64, key_b64 = item
        try:
            key = keys.get(key_b64) or keys.setdefault(
                key_b64, Ed25519PublicKey.from_public_bytes(base64.b64decode(key_b64, validate=True))
            )
            key.verify(base64.b64decode(sig_b64, validate=True), data)
            out.append(True)
        except (InvalidSignature, binascii.Error, ValueError):
            out.append(False)
    return out


def _get_pool() -> ProcessPoolExecutor | None:
    global _pool
    if _pool is None:
        # Not on one core, nor in a multiprocessing child: it leaves through os._exit without the
        # atexit shutdown below, and would wait for the pool's worker forever (bench/bench_scale.py).
        if (os.cpu_count() or 1) < 2 or mp.parent_process() is not None:
            return None
        # fork is cheapest but safe only while this is the one thread (a forked child of a threaded
        # server may inherit a held lock; it never touches inherited database connections and leaves
        # through os._exit); with threads (the service) the worker comes from a fork server.
        method = "fork" if threading.active_count() == 1 else "forkserver"
        if method not in mp.get_all_start_methods():
            return None
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context(method))
        atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
    return _pool


class Prechecker:
    """Signatures of one batch checked ahead in a worker; ``result(i)`` waits for entry i's answer."""

    def __init__(self, items: Sequence[tuple[bytes, str, str] | None]) -> None:
        self._items = items
        self._futures: list[Future[list[bool]]] = []
        self._answers: dict[int, list[bool]] = {}
        pool = _get_pool() if len(items) >= MIN_BATCH else None
        if pool is None:
            return
        # The worker takes the chunks from the end while the append loop, reaching a chunk the worker
        # has not started, checks it itself: both cores check signatures until they meet.
        starts = range(0, len(items), CHUNK)
        futures = {
            start: pool.submit(verify_chunk, items[start : start + CHUNK]) for start in reversed(starts)
        }
        self._futures = [futures[start] for start in starts]

    def result(self, index: int, key_b64: str) -> bool:
        """True when entry ``index`` verified ahead with ``key_b64``; False if not checked, other key, or
        bad."""
        item = self._items[index] if self._futures else None
        if item is None or item[2] != key_b64:
            return False
        block = index // CHUNK
        if block not in self._answers:
            future = self._futures[block]
            if not future.done() and future.cancel():
                self._answers[block] = []  # not started: the caller checks this chunk inline
            else:
                try:
                    self._answers[block] = future.result()
                except Exception:  # noqa: BLE001 - a broken worker only means checking inline
                    self._answers[block] = []
        answers = self._answers[block]
        position = index - block * CHUNK
        return position < len(answers) and answers[position]
