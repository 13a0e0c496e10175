"""``did:web`` identifiers for the actors of a ledger, and their verification methods.

An actor ``E-1`` of a Tanji service at ``tanji.example.org`` is
``did:web:tanji.example.org:actors:E-1``; its DID document is served at
``https://tanji.example.org/actors/E-1/did.json`` (the ``did:web`` method:
colons become slashes, ``%3A`` in the host is a port). The host is
configuration (``--did-host``, ``TANJI_DID_HOST``), not a constant: one
ledger may be served under different names.

A verification method is the DID plus the key's Multikey as fragment
(``did:web:…:actors:E-1#z6Mk…``). Naming the key by itself keeps every past
proof checkable after ``actor.rotate_key``: each key an actor ever had is a
method of its DID document, bound to the ``actor.register`` /
``actor.rotate_key`` entry that recorded it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import quote, unquote

from certificates.credentials.errors import MalformedCredential
from certificates.credentials.multikey import public_key_multikey
from ledger import Ed25519PublicKey

__all__ = ["actor_did", "did_document", "did_web_url", "verification_method"]

DID_CONTEXT: Final = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def _segment(value: str) -> str:
    # DID idchar: ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
    return quote(value, safe="").replace("~", "%7E")


def actor_did(actor_id: str, host: str) -> str:
    """``did:web:<host>:actors:<actor id>``, the host's port (``:``) and odd characters percent-encoded.

    Preconditions: ``host`` is a host name (with an optional port), no scheme or path.
    """
    if not host or "/" in host or host.startswith(("http:", "https:")):
        raise MalformedCredential(
            f"did:web host {host!r} must be a host name (port allowed), no scheme or path"
        )
    if not actor_id:
        raise MalformedCredential("actor id is empty")
    return f"did:web:{_segment(host)}:actors:{_segment(actor_id)}"


def verification_method(did: str, key: Ed25519PublicKey) -> str:
    """``<did>#<Multikey of key>``."""
    return f"{did}#{public_key_multikey(key)}"


def did_web_url(did: str) -> str:
    """Where a ``did:web`` DID document is served: ``…/did.json`` (``/.well-known/did.json`` for a host)."""
    if not did.startswith("did:web:"):
        raise MalformedCredential(f"{did!r} is not a did:web identifier")
    host, *path = did.removeprefix("did:web:").split("#", 1)[0].split(":")
    base = f"https://{unquote(host)}"
    return f"{base}/{'/'.join(unquote(p) for p in path)}/did.json" if path else f"{base}/.well-known/did.json"


def did_document(did: str, keys: Iterable[Ed25519PublicKey]) -> dict[str, Any]:
    """A DID document listing ``keys`` as Multikey verification methods usable for assertions."""
    methods = [
        {
            "id": verification_method(did, key),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": str(public_key_multikey(key)),
        }
        for key in keys
    ]
    ids = [m["id"] for m in methods]
    return {"@context": DID_CONTEXT, "id": did, "verificationMethod": methods, "assertionMethod": ids}
