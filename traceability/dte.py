"""Lot events as a UNTP 0.6.1 Digital Traceability Event credential (W3C VC 2.0), unsigned.

``dte_credential`` turns one issuer's ``lot.produce`` / ``lot.ship`` /
``lot.receive`` entries into the body of a ``DigitalTraceabilityEvent``
credential (UN Transparency Protocol 0.6.1, ``untp-dte`` schema): pure, no
signing — :mod:`certificates.credentials.dte` secures it with a Data
Integrity proof. The events follow EPCIS 2.0 as UNTP does:

| entry | UNTP event | action, bizStep | what |
|---|---|---|---|
| ``lot.produce`` with inputs | ``TransformationEvent`` | add, commissioning
  | inputs → ``inputEPCList`` / ``inputQuantityList``, the lot → ``outputEPCList`` / ``outputQuantityList`` |
| ``lot.produce`` without inputs | ``ObjectEvent`` | add, commissioning | the lot |
| ``lot.ship`` | ``TransactionEvent`` | observe, shipping | ``sourceParty`` the issuer, ``destinationParty``
  the customer |
| ``lot.receive`` | ``TransactionEvent`` | observe, receiving | ``sourceParty`` the supplier,
  ``destinationParty`` the issuer |

A serialized item (:mod:`traceability.identity`) is an ``Item`` of an EPC
list; any other lot is a ``QuantityElement`` whose ``productId`` is the lot
(UNTP's product class with its lot, as an EPCIS ``epcClass``), with its
quantity in the lot's base unit (Rec. 20 code). Ids that are not URIs (an
enterprise's ``AL-1``) become URIs through ``lot_uri``. Entries that came from
one EPCIS event (the same ``source_event``, e.g. the four outputs of a
transformation) are one UNTP event again; its ``id`` is that eventID when it
is a URI, else a name-based UUID of the ledger ``namespace`` and the first
entry's seq. ``lot.footprint`` entries are not traceability events and are
not exported here. The credential's ``id`` is a name-based UUID of the issuer
and its event ids, and ``validFrom`` the newest entry's ``recorded_at``: the
same entries always give the same body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Protocol
from urllib.parse import quote
from uuid import NAMESPACE_URL, uuid5

from traceability.errors import InvalidExport
from traceability.identity import is_instance
from traceability.lots import LotProduce, LotReceive, LotShip
from traceability.units import BASE_TO_UOM

__all__ = ["DTE_CONTEXT", "DTE_KINDS", "RecordedEntry", "dte_credential", "lot_uri_under"]

DTE_CONTEXT: Final = [
    "https://www.w3.org/ns/credentials/v2",
    "https://test.uncefact.org/vocabulary/untp/dte/0.6.1/",
]
DTE_KINDS: Final = ("lot.produce", "lot.ship", "lot.receive")
CBV: Final = "https://ref.gs1.org/cbv/BizStep-"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


class RecordedEntry(Protocol):
    """What the export reads of a ledger entry."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def recorded_at(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


def is_uri(value: str) -> bool:
    """True when ``value`` has a URI scheme (``urn:…``, ``https://…``, ``did:…``, ``ni:///…``)."""
    return bool(_SCHEME.match(value))


def lot_uri_under(base: str) -> Callable[[str], str]:
    """Lot ids as URIs: a URI as it is, anything else ``<base>/<percent-encoded id>``."""
    root = base.rstrip("/")
    return lambda lot_id: lot_id if is_uri(lot_id) else f"{root}/{quote(lot_id, safe='')}"


class _Builder:
    def __init__(
        self, lot_uri: Callable[[str], str], names: Mapping[str, str], party: Callable[[str], str]
    ) -> None:
        self.lot_uri = lot_uri
        self.names = names
        self.party = party

    def name(self, lot_id: str, product: str | None = None) -> str:
        return self.names.get(lot_id) or product or lot_id

    def lists(self, lots: Sequence[tuple[str, int, str, str | None]], epc: str, qty: str) -> dict[str, Any]:
        """Items and quantity elements of ``(lot id, quantity, unit, product)``; no empty list."""
        items = [
            {"type": ["Item"], "id": self.lot_uri(lot), "name": self.name(lot, product)}
            for lot, _, _, product in lots
            if is_instance(lot)
        ]
        quantities = [
            {
                "type": ["QuantityElement"],
                "productId": self.lot_uri(lot),
                "productName": self.name(lot, product),
                "quantity": quantity,
                "uom": BASE_TO_UOM[unit],
            }
            for lot, quantity, unit, product in lots
            if not is_instance(lot)
        ]
        return {k: v for k, v in ((epc, items), (qty, quantities)) if v}


def _group_key(entry: RecordedEntry) -> tuple[str, ...]:
    event = entry.payload.get("source_event")
    if not isinstance(event, str) or not event:
        return ("seq", str(entry.seq))
    counterpart = entry.payload.get("customer") or entry.payload.get("supplier") or ""
    return (entry.kind, event, str(counterpart))


def _event_id(entries: Sequence[RecordedEntry], namespace: str) -> str:
    event = entries[0].payload.get("source_event")
    if isinstance(event, str) and is_uri(event):
        return event
    return f"urn:uuid:{uuid5(NAMESPACE_URL, f'tanji:{namespace}:entry:{entries[0].seq}')}"


def _time(entries: Sequence[RecordedEntry], field: str) -> str:
    value = entries[0].payload.get(field) or entries[0].recorded_at
    return str(value)


def _produce(b: _Builder, entries: Sequence[RecordedEntry], base: dict[str, Any]) -> dict[str, Any]:
    lots = [LotProduce.from_json(e.payload) for e in entries]
    inputs: dict[tuple[str, str], int] = {}
    for p in lots:
        for i in p.inputs:
            inputs[(i.lot_id, i.unit)] = inputs.get((i.lot_id, i.unit), 0) + i.quantity
    outputs: list[tuple[str, int, str, str | None]] = [
        (p.lot_id, p.quantity, p.unit, p.product) for p in lots
    ]
    event = base | {
        "eventTime": lots[0].period_start.isoformat(),
        "action": "add",
        "bizStep": CBV + "commissioning",
    }
    if lots[0].location is not None and is_uri(lots[0].location):
        event["bizLocation"] = lots[0].location
    if not inputs:
        return {"type": ["ObjectEvent", "Event"], **event, **b.lists(outputs, "epcList", "quantityList")}
    ins: list[tuple[str, int, str, str | None]] = [(lot, q, unit, None) for (lot, unit), q in inputs.items()]
    return {
        "type": ["TransformationEvent", "Event"],
        **event,
        **b.lists(ins, "inputEPCList", "inputQuantityList"),
        **b.lists(outputs, "outputEPCList", "outputQuantityList"),
    }


def _transaction(
    b: _Builder, entries: Sequence[RecordedEntry], base: dict[str, Any], issuer: str
) -> dict[str, Any]:
    lots: list[tuple[str, int, str, str | None]]
    if entries[0].kind == "lot.ship":
        ships = [LotShip.from_json(e.payload) for e in entries]
        lots = [(s.lot_id, s.quantity, s.unit, None) for s in ships]
        step, source, destination = "shipping", issuer, b.party(ships[0].customer)
        when = _time(entries, "shipped_at")
    else:
        receipts = [LotReceive.from_json(e.payload) for e in entries]
        lots = [(r.lot_id, r.quantity, r.unit, r.product) for r in receipts]
        step, source, destination = "receiving", b.party(receipts[0].supplier), issuer
        when = _time(entries, "received_at")
    return {
        "type": ["TransactionEvent", "Event"],
        **base,
        "eventTime": when,
        "action": "observe",
        "bizStep": CBV + step,
        "sourceParty": source,
        "destinationParty": destination,
        **b.lists(lots, "epcList", "quantityList"),
    }


def dte_credential(
    entries: Sequence[RecordedEntry],
    *,
    issuer_id: str,
    issuer_name: str,
    lot_uri: Callable[[str], str],
    party: Callable[[str], str],
    namespace: str,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The unsigned DTE credential of ``entries`` (``lot.produce`` / ``ship`` / ``receive`` of one actor).

    Preconditions: ``entries`` is not empty, in seq order, of ``DTE_KINDS`` and all
    submitted by the same actor (the issuer, ``issuer_id`` its DID); else
    ``InvalidExport``. ``party`` maps a customer or supplier id to what the event
    names (a DID for an actor of the ledger); ``names`` gives product names of
    lots (default: the product the entry names, else the lot id).
    """
    if not entries:
        raise InvalidExport("no lot events to export")
    actors = sorted({e.actor for e in entries})
    kinds = sorted({e.kind for e in entries} - set(DTE_KINDS))
    if len(actors) != 1 or kinds:
        raise InvalidExport(
            f"a DTE credential has one issuer and lot events only; got actors {actors}, other kinds {kinds}",
            actors=actors,
            kinds=kinds,
        )
    b = _Builder(lot_uri, names or {}, party)
    groups: dict[tuple[str, ...], list[RecordedEntry]] = {}
    for e in entries:
        groups.setdefault(_group_key(e), []).append(e)
    events = []
    for group in groups.values():
        base = {"id": _event_id(group, namespace), "processType": _process_type(group[0])}
        if group[0].kind == "lot.produce":
            events.append(_produce(b, group, base))
        else:
            events.append(_transaction(b, group, base, issuer_id))
    ids = sorted(str(e["id"]) for e in events)
    return {
        "@context": list(DTE_CONTEXT),
        "type": ["DigitalTraceabilityEvent", "VerifiableCredential"],
        "id": f"urn:uuid:{uuid5(NAMESPACE_URL, issuer_id + '|' + '|'.join(ids))}",
        "issuer": {"type": ["CredentialIssuer"], "id": issuer_id, "name": issuer_name},
        "validFrom": max(e.recorded_at for e in entries),
        "credentialSubject": events,
    }


def _process_type(entry: RecordedEntry) -> str:
    return {"lot.produce": "Production", "lot.ship": "Shipment", "lot.receive": "Receipt"}[entry.kind]
