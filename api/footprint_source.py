"""Footprint records from the ledger's ``footprint.publish`` entries.

The lca package owns the ``footprint.publish`` payload (``FootprintPublish``)
and its mapping to PACT fields (``pact_fields``). This module only finds the
entries and hands each payload to that mapping; when the lca publish model is
not present in this checkout there is nothing to publish and the source is
empty. ``Settings.footprints`` replaces this source entirely (tests, other
back ends).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select

from api.footprints import FootprintRecord
from ledger.entry import Entry
from ledger.log import Ledger
from ledger.tables import LedgerEntryRow

PUBLISH_KIND = "footprint.publish"
# Where the lca package may keep its publish model; the first that has both names wins.
_LCA_MODULES = ("lca.publish", "lca.pact", "lca.footprint")

Converter = Callable[[Mapping[str, Any]], tuple[Mapping[str, Any], Mapping[str, Any] | None, str | None]]


def lca_converter() -> Converter | None:
    """``payload -> (pact fields, green evidence, lineage)`` from the lca package, if it has landed."""
    for name in _LCA_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        model = getattr(module, "FootprintPublish", None)
        pact_fields = getattr(module, "pact_fields", None)
        if model is None or pact_fields is None:
            continue
        green_of = getattr(module, "green_evidence", None)

        def convert(payload: Mapping[str, Any], _m: Any = model, _f: Any = pact_fields,
                    _g: Any = green_of) -> tuple[Mapping[str, Any], Mapping[str, Any] | None, str | None]:
            publish = _m.model_validate(payload)
            fields = dict(_f(publish))
            green = _g(publish) if _g is not None else fields.pop("tanjiGreenElectricity", None)
            return fields, green, getattr(publish, "lineage", None)

        return convert
    return None


def ledger_records(ledger: Ledger, convert: Converter | None = None) -> list[FootprintRecord]:
    """A record for every ``footprint.publish`` entry, in seq order."""
    convert = convert or lca_converter()
    if convert is None:
        return []
    with ledger.db.read_session() as s:
        bodies = s.scalars(
            select(LedgerEntryRow.body).where(LedgerEntryRow.kind == PUBLISH_KIND).order_by(LedgerEntryRow.seq)
        ).all()
    records = []
    for body in bodies:
        entry = Entry.from_body(body)
        fields, green, lineage = convert(entry.payload)
        records.append(FootprintRecord(entry.seq, entry.actor, entry.hash, entry.recorded_datetime(),
                                       fields, green, lineage))
    return records
