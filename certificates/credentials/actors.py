"""Actors' keys as ``did:web`` DID documents, bound to the ledger entries that registered them.

Every Ed25519 key an actor ever had was set by an ``actor.register`` or ``actor.rotate_key``
entry; :func:`key_bindings` reads them (pure, from entries: a ledger's, or the evidence of a
certificate whose inclusion proofs verified). An actor's DID document
(:func:`actor_did_document`) lists those keys, oldest first, as Multikey verification methods
(``did:web:<host>:actors:<id>#z6Mk…``). DID Core has no member saying where a key comes from,
so the document names the binding entries in a ``service`` of type ``TanjiLedgerEntries`` (the
ledger origin and the ``actor.*`` seqs): anyone holding the ledger, or a certificate whose
evidence carries those entries, re-checks the binding.

:func:`bindings_resolver` resolves verification methods to keys from bindings alone, so a
credential verifies offline with the keys a verified certificate carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from certificates.credentials.data_integrity import KeyResolver
from certificates.credentials.did import actor_did, did_document, did_web_url
from certificates.credentials.errors import MalformedCredential
from certificates.credentials.multikey import public_key_from_multikey, public_key_multikey
from ledger import (
    Ed25519PublicKey,
    Entry,
    Ledger,
    SchemaViolation,
    canonical_bytes,
    entries_of_kind,
    public_key_from_b64,
)

__all__ = [
    "KEY_KINDS",
    "KeyBinding",
    "actor_did_document",
    "actor_of_did",
    "bindings_resolver",
    "document_path",
    "documents_resolver",
    "key_bindings",
    "ledger_bindings",
    "write_did_documents",
]

KEY_KINDS = ("actor.register", "actor.rotate_key")


@dataclass(frozen=True)
class KeyBinding:
    """Key ``public_key`` (base64) was set for ``actor`` by the entry at ``seq``."""

    actor: str
    seq: int
    public_key: str

    def key(self) -> Ed25519PublicKey | None:
        try:
            return public_key_from_b64(self.public_key)
        except SchemaViolation:  # a malformed key in presented evidence binds nothing
            return None


def key_bindings(entries: Iterable[Entry]) -> dict[str, list[KeyBinding]]:
    """Actor id → the keys set by the ``actor.*`` entries among ``entries``, in seq order."""
    out: dict[str, list[KeyBinding]] = {}
    for e in sorted(entries, key=lambda x: x.seq):
        if e.kind not in KEY_KINDS:
            continue
        actor = e.payload.get("id") if e.kind == "actor.register" else e.payload.get("actor_id")
        key = e.payload.get("public_key")
        if isinstance(actor, str) and isinstance(key, str):
            out.setdefault(actor, []).append(KeyBinding(actor, e.seq, key))
    return out


def ledger_bindings(ledger: Ledger) -> dict[str, list[KeyBinding]]:
    """:func:`key_bindings` of every ``actor.*`` entry of ``ledger`` (one indexed query)."""
    return key_bindings(entries_of_kind(ledger, KEY_KINDS))


def actor_did_document(
    actor: str, bindings: Sequence[KeyBinding], host: str, *, origin: str
) -> dict[str, Any]:
    """The DID document of ``actor`` under ``host``: its keys, oldest first, each a Multikey method.

    Precondition: ``bindings`` are ``actor``'s, in seq order (``key_bindings``).
    """
    did = actor_did(actor, host)
    keys = [k for k in (b.key() for b in bindings) if k is not None]
    document = did_document(did, keys)
    document["service"] = [
        {
            "id": f"{did}#ledger",
            "type": "TanjiLedgerEntries",
            "serviceEndpoint": {"origin": origin, "keyEntries": [b.seq for b in bindings]},
        }
    ]
    return document


def actor_of_did(did: str, host: str) -> str | None:
    """The actor id of ``did:web:<host>:actors:<id>`` (``host`` as ``actor_did`` writes it), else None."""
    prefix = actor_did("x", host)[: -len("x")]
    if not did.startswith(prefix):
        return None
    rest = did[len(prefix) :]
    return unquote(rest) if rest and ":" not in rest else None


def bindings_resolver(bindings: Mapping[str, Sequence[KeyBinding]], host: str) -> KeyResolver:
    """Resolve ``did:web:<host>:actors:<id>#<Multikey>`` to a key ``bindings`` hold for that actor."""

    def resolve(method: str) -> Ed25519PublicKey | None:
        did, _, fragment = method.partition("#")
        actor = actor_of_did(did, host)
        for binding in bindings.get(actor or "", ()):
            key = binding.key()
            if key is not None and public_key_multikey(key) == fragment:
                return key
        return None

    return resolve


def document_path(did: str) -> Path:
    """The relative path a ``did:web`` DID document is served at: ``actors/<id>/did.json``."""
    url = did_web_url(did)
    return Path(url.split("://", 1)[1].partition("/")[2])


def write_did_documents(ledger: Ledger, host: str, out_dir: Path) -> list[Path]:
    """Write every registered actor's DID document under ``out_dir`` at its ``did:web`` path
    (``out_dir/actors/<id>/did.json``), as a static host would serve it; returns the paths."""
    origin = ledger.info().origin
    written = []
    for actor, bindings in sorted(ledger_bindings(ledger).items()):
        document = actor_did_document(actor, bindings, host, origin=origin)
        path = Path(out_dir) / document_path(document["id"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(canonical_bytes(document))
        written.append(path)
    return written


def documents_resolver(documents: Iterable[Mapping[str, Any]]) -> KeyResolver:
    """Resolve verification methods listed in ``documents`` (DID documents, e.g. read from files a
    static host serves) by their ``publicKeyMultibase``; methods of other documents are unknown."""
    keys: dict[str, Ed25519PublicKey] = {}
    for document in documents:
        did = document.get("id")
        for method in document.get("verificationMethod") or ():
            if not isinstance(method, Mapping) or method.get("controller") != did:
                continue
            try:
                keys[str(method["id"])] = public_key_from_multikey(str(method["publicKeyMultibase"]))
            except (KeyError, ValueError, MalformedCredential):
                continue
    return keys.get
