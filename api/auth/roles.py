"""Roles and the OAuth2 scopes each is given.

The PACT scopes ``footprint:list`` and ``footprint:read`` are the spec's; the
rest are Tanji's. A scope says which endpoints a token may call at all; which
records it may then see (its own, granted, shared) is decided per request
from the access grants in the ledger (``ledger.kinds.access``).
"""

from __future__ import annotations

ENTRIES_WRITE = "entries:write"
LEDGER_READ = "ledger:read"
LEDGER_VERIFY = "ledger:verify"
LEDGER_EXPORT = "ledger:export"
TRAIL_READ = "trail:read"
READINGS_WRITE = "readings:write"
PARK_READ = "park:read"
FOOTPRINT_LIST = "footprint:list"
FOOTPRINT_READ = "footprint:read"
EVENTS_WRITE = "events:write"

ALL_SCOPES: dict[str, str] = {
    ENTRIES_WRITE: "Submit signed entries as the token's own actor.",
    LEDGER_READ: "Read checkpoints and Merkle proofs.",
    LEDGER_VERIFY: "Run a full verification of the log.",
    LEDGER_EXPORT: "Export the whole log (JSON Lines).",
    TRAIL_READ: "Read an actor's entries: its own, or those it was granted.",
    READINGS_WRITE: "Upload interval readings for its own meters.",
    PARK_READ: "Read park-level views.",
    FOOTPRINT_LIST: "PACT: list footprints shared with the caller.",
    FOOTPRINT_READ: "PACT: read footprints shared with the caller.",
    EVENTS_WRITE: "PACT: post CloudEvents.",
}

_PACT = {FOOTPRINT_LIST, FOOTPRINT_READ, EVENTS_WRITE}

ROLE_SCOPES: dict[str, frozenset[str]] = {
    "enterprise": frozenset({ENTRIES_WRITE, LEDGER_READ, TRAIL_READ, READINGS_WRITE, *_PACT}),
    "verifier": frozenset({ENTRIES_WRITE, LEDGER_READ, LEDGER_VERIFY, TRAIL_READ, *_PACT}),
    "buyer": frozenset(_PACT),
    "park": frozenset({ENTRIES_WRITE, LEDGER_READ, LEDGER_VERIFY, PARK_READ}),
    "operator": frozenset({ENTRIES_WRITE, LEDGER_READ, LEDGER_VERIFY, LEDGER_EXPORT, TRAIL_READ, PARK_READ}),
    "generator": frozenset({ENTRIES_WRITE, LEDGER_READ, TRAIL_READ, READINGS_WRITE}),
    "registry": frozenset({ENTRIES_WRITE, LEDGER_READ, TRAIL_READ}),
    "gateway": frozenset({ENTRIES_WRITE, LEDGER_READ, READINGS_WRITE}),
}

# Entry kinds a role may submit through the service, on top of the ledger's own
# role rules; None: any kind (the ledger's rules decide). A verifier writes its
# statements, and what the packages let a verifier do besides: re-record an
# attribution run, revoke a certificate that cites its statement.
ROLE_KIND_PREFIXES: dict[str, tuple[str, ...] | None] = {
    "verifier": ("verification.", "attribution.run", "certificate.revoke"),
}


def kind_allowed(role: str, kind: str) -> bool:
    """True when ``role`` may submit entries of ``kind`` through the service."""
    prefixes = ROLE_KIND_PREFIXES.get(role)
    return prefixes is None or kind.startswith(prefixes)
