"""Traceability: lots, EPCIS 2.0 import and the evidence graph over ledger entries.

Public surface:

- :mod:`traceability.lots`: ``LotProduce``, ``LotShip``, ``LotReceive`` payloads and
  the pure mass-balance checks (``check_produce``, ``check_ship``, ``check_receive``);
- :mod:`traceability.epcis`: ``import_epcis`` → ``ImportResult`` (entries + ``ImportReport``), with
  :mod:`traceability.epcis_events` (one event), :mod:`traceability.epcis_settle` (identity, inputs from
  outside, footprints), :mod:`traceability.epcis_fields` (warnings), :mod:`traceability.epcis_footprint`;
- :mod:`traceability.identity`: ``classify`` (instance, lot, class, location), ``is_instance``;
- :mod:`traceability.declared`: ``DeclaredFootprint``, ``FootprintSource``, the ``lot.footprint`` payload
  ``LotFootprint``, ``rounding_tolerance``;
- :mod:`traceability.battery_passport`: ``BatteryCarbonFootprint`` (a battery passport's carbon section);
- :mod:`traceability.dte`: ``dte_credential`` (lot events as an unsigned UNTP DTE credential);
- :mod:`traceability.graph`: ``EvidenceGraph`` (``apply``, ``upstream``, ``downstream``,
  ``evidence``, ``impact``, ``genealogy``, ``explain``, ``subgraph``);
- :mod:`traceability.mapping`: the kind → payload fields → nodes/edges table (``FIELDS``);
- :mod:`traceability.export`: node-link JSON and GraphML;
- :mod:`traceability.errors`: ``TraceabilityError`` and its subclasses.

On the ledger (these import ``ledger``; import them by module, they are not re-exported here):

- :mod:`traceability.kinds`: the ``lot.produce`` / ``lot.ship`` / ``lot.receive`` / ``lot.footprint`` kinds,
  their rules and projection (``get_lot``, ``holdings_of``), a ``tanji.plugins`` entry point;
- :mod:`traceability.ledger_graph`: ``build_graph``, ``catch_up``, ``ledger_graph`` (cached per
  database URL, caught up incrementally), ``clear_cache``;
- :mod:`traceability.queries`: ``trace``, ``evidence_of``, ``impact_of``, ``explain_node``,
  ``export_subgraph``, ``resolve_node`` (what the CLI calls);
- :mod:`traceability.lot_import`: ``import_epcis_document`` (EPCIS 2.0 → signed lot entries,
  one atomic batch; a dry run runs every check);
- :mod:`traceability.lot_footprints`: ``supplier_footprint_of`` / ``lot_supplier_footprint`` (a lot's
  supplier footprint, ``model_input()`` for product models);
- :mod:`traceability.passport_import`: ``import_passport`` (a battery passport → ``lot.footprint``).
"""

from __future__ import annotations

from traceability.epcis import ImportIssue, ImportOptions, ImportReport, ImportResult, import_epcis
from traceability.errors import (
    CycleDetected,
    InvalidEPCISDocument,
    InvalidPayload,
    InvalidQuantity,
    MalformedEntry,
    MassBalanceViolation,
    SequenceError,
    TraceabilityError,
    UnitMismatch,
    UnknownReference,
    UnsupportedEvent,
)
from traceability.genealogy import Genealogy
from traceability.graph import EvidenceGraph, Impact, NodeInfo, Reached
from traceability.lots import (
    LotBalance,
    LotProduce,
    LotReceive,
    LotShip,
    check_lot_event,
    check_produce,
    check_receive,
    check_ship,
)
from traceability.mapping import FIELDS
from traceability.plan import Entry, EntryLike

__all__ = [
    "FIELDS",
    "CycleDetected",
    "Entry",
    "EntryLike",
    "EvidenceGraph",
    "Genealogy",
    "Impact",
    "ImportIssue",
    "ImportOptions",
    "ImportReport",
    "ImportResult",
    "InvalidEPCISDocument",
    "InvalidPayload",
    "InvalidQuantity",
    "LotBalance",
    "LotProduce",
    "LotReceive",
    "LotShip",
    "MalformedEntry",
    "MassBalanceViolation",
    "NodeInfo",
    "Reached",
    "SequenceError",
    "TraceabilityError",
    "UnitMismatch",
    "UnknownReference",
    "UnsupportedEvent",
    "check_lot_event",
    "check_produce",
    "check_receive",
    "check_ship",
    "import_epcis",
]
