"""A witness's durable home: its key, the logs it trusts, the last checkpoint it cosigned per log.

The pure decision is ``ledger.log.witness.witness_checkpoint``; this is the
shell that keeps state. A home is a directory:

- ``witness.pem``: the Ed25519 private key (mode 0600, optional passphrase);
- ``witness.vkey``: its ``cosignature/v1`` verifier key, to publish;
- ``config.json``: ``{"name": …, "logs": [{"origin": …, "vkey": …}, …]}``;
- ``state.json``: ``{"version": 1, "logs": {origin: checkpoint note}}``: per log,
  the checkpoint this witness cosigned last, exactly as the log signed it;
- ``state.lock``: held exclusively (``flock``) while a request is checked
  against the state and the new state is written, so two concurrent requests
  cannot roll the state back (the race C2SP ``tlog-witness`` warns about).

The state is replaced atomically (write, fsync, rename, fsync the directory)
before a cosignature is returned. A refused request changes nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import (
    CheckpointError,
    Conflict,
    IntegrityFailure,
    NotFound,
    StorageError,
    WitnessRefused,
)
from ledger.log.checkpoint import Checkpoint, parse_note
from ledger.log.cosignature import Cosignature, WitnessKey, cosign, with_cosignatures
from ledger.log.keys import (
    Ed25519PrivateKey,
    generate_key,
    load_private_key,
    save_private_key,
)
from ledger.log.witness import AddCheckpoint, LogKey, witness_checkpoint

__all__ = ["WitnessHome"]

KEY_FILE = "witness.pem"
VKEY_FILE = "witness.vkey"
CONFIG_FILE = "config.json"
STATE_FILE = "state.json"
LOCK_FILE = "state.lock"


def _write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` durably: temp file, fsync, rename, fsync of the directory."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        raise StorageError(f"cannot write {path}: {e}", code="witness.state_unwritable") from e


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise NotFound(f"{what} {path} not found", code="witness.missing") from e
    except (OSError, json.JSONDecodeError) as e:
        raise IntegrityFailure(f"{what} {path} is unreadable: {e}", code="witness.state_corrupt") from e


@dataclass(frozen=True)
class WitnessHome:
    """An opened witness directory. ``create`` or ``open`` it; ``add_checkpoint`` cosigns."""

    path: Path
    name: str
    key: Ed25519PrivateKey

    # -- set-up ---------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, name: str, *, passphrase: bytes | None = None) -> WitnessHome:
        """A new witness ``name`` in ``path``, fresh key; ``Conflict(witness.exists)`` if there is one."""
        path = Path(path)
        if (path / CONFIG_FILE).exists() or (path / KEY_FILE).exists():
            raise Conflict(f"a witness exists in {path} already", code="witness.exists")
        key = generate_key()
        witness_key = WitnessKey(name, key.public_key())  # checks the name before anything is written
        save_private_key(key, path / KEY_FILE, passphrase)
        _write_atomic(path / VKEY_FILE, witness_key.vkey() + "\n")
        _write_atomic(path / CONFIG_FILE, json.dumps({"name": name, "logs": []}, indent=2) + "\n")
        _write_atomic(path / STATE_FILE, json.dumps({"version": 1, "logs": {}}) + "\n")
        return cls(path, name, key)

    @classmethod
    def open(cls, path: Path, *, passphrase: bytes | None = None) -> WitnessHome:
        """The witness in ``path``; ``NotFound(witness.missing)`` if there is none."""
        path = Path(path)
        config = _read_json(path / CONFIG_FILE, "witness config")
        if not isinstance(config, dict) or not isinstance(config.get("name"), str):
            raise IntegrityFailure(
                f"witness config {path / CONFIG_FILE} has no name", code="witness.state_corrupt"
            )
        return cls(path, config["name"], load_private_key(path / KEY_FILE, passphrase))

    @property
    def witness_key(self) -> WitnessKey:
        """The public identity to put in policies."""
        return WitnessKey(self.name, self.key.public_key())

    def logs(self) -> dict[str, list[LogKey]]:
        """Origin → the log keys this witness trusts."""
        config = _read_json(self.path / CONFIG_FILE, "witness config")
        out: dict[str, list[LogKey]] = {}
        try:
            for item in config.get("logs", []):
                key = LogKey.from_vkey(item["vkey"], item.get("origin"))
                out.setdefault(key.origin, []).append(key)
        except (CheckpointError, KeyError, TypeError) as e:
            raise IntegrityFailure(
                f"witness config lists a bad log key: {e}", code="witness.state_corrupt"
            ) from e
        return out

    def trust(self, vkey: str, origin: str | None = None) -> LogKey:
        """Add a log (its checkpoint verifier key; origin defaults to the key name). Idempotent."""
        key = LogKey.from_vkey(vkey, origin)
        with self._locked():
            config = _read_json(self.path / CONFIG_FILE, "witness config")
            items = config.setdefault("logs", [])
            entry = {"origin": key.origin, "vkey": key.vkey()}
            if entry not in items:
                items.append(entry)
                _write_atomic(self.path / CONFIG_FILE, json.dumps(config, indent=2) + "\n")
        return key

    # -- state ------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise StorageError(f"cannot lock {self.path}: {e}", code="witness.state_unwritable") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _state(self) -> dict[str, str]:
        state = _read_json(self.path / STATE_FILE, "witness state")
        logs = state.get("logs") if isinstance(state, dict) else None
        if not isinstance(logs, dict) or not all(isinstance(v, str) for v in logs.values()):
            raise IntegrityFailure(
                f"witness state {self.path / STATE_FILE} is malformed", code="witness.state_corrupt"
            )
        return logs

    def latest(self) -> dict[str, Checkpoint]:
        """Origin → the checkpoint this witness cosigned last."""
        return self._parse_state(self._state())

    @staticmethod
    def _parse_state(notes: Mapping[str, str]) -> dict[str, Checkpoint]:
        try:
            return {origin: parse_note(note)[0] for origin, note in notes.items()}
        except CheckpointError as e:
            raise IntegrityFailure(
                f"witness state holds a bad checkpoint: {e.message}", code="witness.state_corrupt"
            ) from e

    def add_checkpoint(self, request: AddCheckpoint, *, now: int | None = None) -> list[Cosignature]:
        """Check ``request`` (C2SP add-checkpoint) against the state, persist, and cosign.

        ``WitnessRefused`` (state unchanged) when the checkpoint may not be
        cosigned; see ``ledger.log.witness`` for the codes.
        """
        logs = self.logs()
        with self._locked():
            notes = self._state()
            checkpoint = witness_checkpoint(request, logs, self._parse_state(notes))
            notes[checkpoint.origin] = request.note
            _write_atomic(self.path / STATE_FILE, json.dumps({"version": 1, "logs": notes}) + "\n")
        stamp = int(time.time()) if now is None else now
        return [cosign(checkpoint.body(), self.name, self.key, stamp)]

    def cosign_note(self, note: str, proof: Sequence[bytes], *, now: int | None = None) -> str:
        """Cosign ``note`` given a consistency proof from the size this witness holds; the note with its line.

        The local form of ``add_checkpoint`` (the old size is what the state says).
        """
        try:
            origin = parse_note(note)[0].origin
        except CheckpointError as e:
            raise WitnessRefused(f"checkpoint: {e.message}", code="witness.malformed") from e
        held = self.latest().get(origin)
        request = AddCheckpoint(0 if held is None else held.size, tuple(proof), note)
        return with_cosignatures(note, self.add_checkpoint(request, now=now))
