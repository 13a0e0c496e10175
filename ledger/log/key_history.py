"""Actor keys replayed from the entries alone, for verifying a log without its projections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.log.entry import Entry


@dataclass
class KeyHistory:
    """Pure replay of actor keys, for verifying a log (or a certificate's evidence) without projections.

    Feed entries in seq order: ``key_for`` the entry (the key it must be signed
    with), then ``apply`` it. ``keys`` holds each actor's current key and
    ``since`` the seq of the entry that set it. A second ``actor.register`` of
    an actor does not replace its key (only ``actor.rotate_key`` does).
    """

    keys: dict[str, str] = field(default_factory=dict)
    since: dict[str, int] = field(default_factory=dict)

    def key_for(self, entry: Entry) -> str | None:
        """The key ``entry`` must be signed with, or None when its actor is unknown."""
        return self._key(entry.seq, entry.kind, entry.actor, entry.payload)

    def apply(self, entry: Entry) -> None:
        """Update keys after ``entry`` (only actor kinds with a string actor id change them)."""
        self.apply_fields(entry.seq, entry.kind, entry.payload)

    def step(self, seq: int, kind: str, actor: str, payload: dict[str, Any]) -> str | None:
        """``key_for`` then ``apply`` on an entry's fields (a full verification builds no ``Entry``)."""
        key = self._key(seq, kind, actor, payload)
        self.apply_fields(seq, kind, payload)
        return key

    def _key(self, seq: int, kind: str, actor: str, payload: dict[str, Any]) -> str | None:
        # The log's first entry registers the operator, signed with the key it registers.
        if seq == 0 and kind == "actor.register":
            return str(payload.get("public_key"))
        return self.keys.get(actor)

    def apply_fields(self, seq: int, kind: str, payload: dict[str, Any]) -> None:
        """``apply`` on an entry's fields."""
        if kind == "actor.register":
            actor = payload.get("id")
            if isinstance(actor, str) and actor not in self.keys:
                self.keys[actor], self.since[actor] = str(payload.get("public_key")), seq
        elif kind == "actor.rotate_key":
            actor = payload.get("actor_id")
            if isinstance(actor, str):
                self.keys[actor], self.since[actor] = str(payload.get("public_key")), seq
