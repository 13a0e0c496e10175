"""Signed UNTP Digital Traceability Event credentials of an actor's lot events.

``issue_dte`` reads one actor's ``lot.*`` entries from the ledger, builds the
credential body with :func:`traceability.dte.dte_credential` (pure) and
secures it with an ``eddsa-jcs-2022`` Data Integrity proof made with the
actor's key. The issuer is the actor's ``did:web`` identifier
(:mod:`certificates.credentials.did`); the key must be the one the ledger
holds for the actor now, so every credential's key is bound to an
``actor.register`` / ``actor.rotate_key`` entry. ``ledger_key_resolver``
resolves such verification methods back to keys from the ledger alone, for
``verify_proof``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from certificates.credentials.data_integrity import KeyResolver, add_proof
from certificates.credentials.did import actor_did, verification_method
from certificates.credentials.errors import CredentialError
from certificates.credentials.multikey import public_key_multikey
from ledger import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    Ledger,
    entries_of_kind,
    get_actor,
    public_key_b64,
    public_key_from_b64,
)
from traceability.dte import DTE_KINDS, dte_credential, lot_uri_under
from traceability.kinds import get_lot

__all__ = ["host_of_origin", "issue_dte", "ledger_key_resolver"]


def host_of_origin(origin: str) -> str:
    """The default ``did:web`` host of a ledger: its checkpoint origin up to the first ``/``.

    ``tanji.example.org/park-1`` gives ``tanji.example.org`` (C2SP origins are
    ``<host>/<path>`` by convention).
    """
    return origin.split("/", 1)[0]


def issue_dte(
    ledger: Ledger,
    actor: str,
    key: Ed25519PrivateKey,
    *,
    host: str,
    lots: Iterable[str] | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """``actor``'s lot events (of ``lots`` only, if given) as a signed DTE credential.

    Preconditions: ``actor`` is registered and ``key`` is its current key
    (``credential.key_mismatch`` otherwise); it has lot events to export
    (``traceability.export.invalid`` otherwise).
    """
    wanted = None if lots is None else set(lots)
    with ledger.db.read_session() as s:
        who = get_actor(s, actor)
        if who is None:
            raise CredentialError(f"actor {actor!r} is not registered", code="credential.unknown_issuer")
        if who.public_key != public_key_b64(key.public_key()):
            raise CredentialError(
                f"the key given is not actor {actor!r}'s current key on the ledger",
                code="credential.key_mismatch",
                actor=actor,
            )
        entries = [
            e
            for e in entries_of_kind(s, DTE_KINDS)
            if e.actor == actor and (wanted is None or e.payload.get("lot_id") in wanted)
        ]
        names: dict[str, str] = {}
        lot_ids = {str(e.payload.get("lot_id")) for e in entries} | {
            str(i.get("lot_id")) for e in entries for i in e.payload.get("inputs", ())
        }
        for lot_id in sorted(lot_ids):
            record = get_lot(s, lot_id)
            if record is not None and record.product:
                names[lot_id] = record.product
        parties = {
            p: actor_did(p, host)
            for p in {str(e.payload.get("customer") or e.payload.get("supplier") or "") for e in entries}
            if p and get_actor(s, p) is not None
        }
    did = actor_did(actor, host)
    body = dte_credential(
        entries,
        issuer_id=did,
        issuer_name=who.name,
        lot_uri=lot_uri_under(f"https://{host}/lots"),
        party=lambda p: parties.get(p, p),
        namespace=ledger.info().origin,
        names=names,
    )
    return add_proof(body, key, verification_method(did, key.public_key()), created=created)


def ledger_key_resolver(ledger: Ledger, host: str) -> KeyResolver:
    """Resolve ``did:web:<host>:actors:<id>#<Multikey>`` to a key the ledger registered for that actor.

    Any key the actor ever had counts (``actor.register`` and every
    ``actor.rotate_key``): a proof made before a rotation stays checkable.
    """
    registered: dict[str, set[str]] = {}
    for e in entries_of_kind(ledger, ("actor.register", "actor.rotate_key")):
        owner = str(e.payload.get("id") if e.kind == "actor.register" else e.payload.get("actor_id"))
        registered.setdefault(owner, set()).add(str(e.payload.get("public_key")))

    def resolve(method: str) -> Ed25519PublicKey | None:
        did, _, fragment = method.partition("#")
        for owner, keys in registered.items():
            if actor_did(owner, host) != did:
                continue
            for b64 in keys:
                key = public_key_from_b64(b64)
                if public_key_multikey(key) == fragment:
                    return key
        return None

    return resolve
