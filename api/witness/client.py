"""The log's side of ``tlog-witness``: ask the policy's witnesses to cosign the newest checkpoint.

``ask_witness`` speaks ``add-checkpoint`` to one witness: it sends the size it
believes the witness holds and the consistency proof from there, learns the
witness's size from a ``409 text/x.tlog.size`` answer and retries once.
``collect_cosignatures`` asks every witness of a policy that has a URL and
stores the cosignatures that verify with the checkpoint. ``CosignCollector``
does that in a background thread after appends, so an append never waits on a
witness.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from api.witness.server import SIZE_MEDIA_TYPE
from api.witness.transport import Transport, UrllibTransport
from ledger.errors import CodedError, LogInconsistent, WitnessRefused
from ledger.log.checkpoint import parse_note
from ledger.log.policy import Policy, PolicyWitness
from ledger.log.witness import AddCheckpoint
from ledger.store.append import Ledger

__all__ = ["CosignCollector", "CosignOutcome", "ask_witness", "collect_cosignatures"]

log = logging.getLogger("tanji.witness")


@dataclass(frozen=True)
class CosignOutcome:
    """What one witness answered for the checkpoint of ``size``: ``ok``, or the error's code and reason."""

    witness: str
    size: int
    ok: bool
    code: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "witness": self.witness,
            "size": self.size,
            "ok": self.ok,
            "code": self.code,
            "reason": self.reason,
        }


def _refusal(witness: PolicyWitness, status: int, text: str) -> WitnessRefused:
    code, detail = "witness.refused", text.strip()[:300]
    try:
        body = json.loads(text)
        code, detail = str(body.get("code", code)), str(body.get("detail", detail))
    except (ValueError, AttributeError):
        pass
    return WitnessRefused(f"witness {witness.label} answered {status}: {detail}", code=code, status=status)


def ask_witness(
    ledger: Ledger, witness: PolicyWitness, note: str, transport: Transport, old_size: int = 0
) -> str:
    """The cosignature lines ``witness`` returns for ``note`` (a checkpoint of ``ledger``).

    ``old_size``: the size the witness is believed to hold (0: unknown). Raises
    ``WitnessRefused`` with the witness's code, ``LogInconsistent(log.rollback)``
    if the witness holds a larger tree than this log has, ``TransportError``.
    """
    if witness.url is None:
        raise WitnessRefused(f"witness {witness.label} has no URL in the policy", code="witness.no_url")
    size = parse_note(note)[0].size
    url = witness.url.rstrip("/") + "/add-checkpoint"
    old = old_size
    for _attempt in range(3):
        if old > size:
            raise LogInconsistent(
                f"witness {witness.label} has cosigned a tree of {old} entries; this log "
                f"offers {size}: the log was rolled back",
                code="log.rollback",
                witness=witness.label,
                witness_size=old,
                size=size,
            )
        proof = tuple(ledger.consistency_proof(old, size).path) if 0 < old < size else ()
        response = transport.post(url, AddCheckpoint(old, proof, note).text())
        if response.status == 200:
            return response.text
        if response.status == 409 and response.content_type == SIZE_MEDIA_TYPE:
            try:
                held = int(response.text.strip())
            except ValueError as e:
                raise _refusal(witness, 409, response.text) from e
            if held == old:
                break
            old = held
            continue
        raise _refusal(witness, response.status, response.text)
    raise WitnessRefused(
        f"witness {witness.label} keeps answering 409 for size {size}", code="witness.conflict"
    )


def collect_cosignatures(
    ledger: Ledger, policy: Policy, transport: Transport, *, known: dict[str, int] | None = None
) -> list[CosignOutcome]:
    """Ask every witness of ``policy`` with a URL to cosign the newest checkpoint; store what verifies.

    ``known`` (witness label → size it holds) is read and updated, saving a round
    trip on the next call. A witness that fails is reported, not raised.
    """
    known = {} if known is None else known
    note = ledger.latest_checkpoint()
    size = parse_note(note)[0].size
    out: list[CosignOutcome] = []
    for witness in policy.witnesses:
        if witness.url is None:
            continue
        try:
            lines = ask_witness(ledger, witness, note, transport, known.get(witness.label, 0))
            ledger.add_cosignatures(size, lines, [witness.key])
        except CodedError as e:
            log.warning("witness %s did not cosign size %d: %s", witness.label, size, e)
            out.append(CosignOutcome(witness.label, size, False, e.code, e.message))
            continue
        known[witness.label] = size
        out.append(CosignOutcome(witness.label, size, True))
    return out


class CosignCollector:
    """Asks the witnesses after appends, in one background thread; the newest size wins.

    Register ``notify`` with ``Ledger.add_append_listener``; ``close`` stops the thread.
    """

    def __init__(self, ledger: Ledger, policy: Policy, transport: Transport | None = None) -> None:
        self.ledger = ledger
        self.policy = policy
        self.transport = transport or UrllibTransport()
        self.known: dict[str, int] = {}
        self.last: list[CosignOutcome] = []
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def notify(self, _size: int) -> None:
        """An append landed: wake the thread (started on first use)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tanji-cosign", daemon=True)
                self._thread.start()
        self._wake.set()

    def run_once(self) -> list[CosignOutcome]:
        """Ask every witness now, in this thread."""
        try:
            self.last = collect_cosignatures(self.ledger, self.policy, self.transport, known=self.known)
        except CodedError as e:
            log.warning("collecting cosignatures failed: %s", e)
        return self.last

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            self.run_once()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread after its current round."""
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @staticmethod
    def outcomes_text(outcomes: Iterable[CosignOutcome]) -> str:
        """One line per witness, for the CLI."""
        return "\n".join(
            f"{'ok' if o.ok else 'FAILED'}  {o.witness}: size {o.size}"
            + ("" if o.ok else f" [{o.code}] {o.reason}")
            for o in outcomes
        )
