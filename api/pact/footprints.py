"""PACT v3 ProductFootprints from footprint records: ids, lifecycle, extension (filters: ``filters``).

A ``FootprintRecord`` is what the footprint source yields for each published
footprint (one ``footprint.publish`` ledger entry): the PACT fields the lca
package computed, Tanji's green-electricity evidence and where it sits in the
log. ``assemble`` turns records into ProductFootprints:

- the id is a UUID derived from the entry's leaf hash, so it is stable and
  anyone holding the ledger can recompute it;
- a record that names the footprints it ``supersedes`` (lca's
  ``footprint.publish``) deprecates them, and lists them and their own
  predecessors in ``precedingPfIds``; a record without an explicit id falls in
  a lineage (same owner, product ids and reference period, or an explicit
  ``lineage``) whose newest record is ``Active`` and older ones ``Deprecated``;
- the green evidence travels in a PACT data-model extension whose schema is
  ``api/data/tanji-green-electricity.schema.json``.

Pure functions over frozen values; the service caches the result per log size.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SPEC_VERSION = "3.0.0"
EXTENSION_SPEC_VERSION = "2.0.0"
GREEN_SCHEMA_NAME = "tanji-green-electricity.schema.json"
DEFAULT_SCHEMA_BASE = "https://tanji.dev/schemas/"
_PF_NAMESPACE = uuid.UUID("5b0c3a52-7e1f-4f4e-9b7a-7a6e4a1d2c01")
_OWN_FIELDS = {"id", "specVersion", "created", "status", "precedingPfIds", "extensions"}


@dataclass(frozen=True)
class FootprintRecord:
    """One published footprint as its source gives it.

    ``fields`` holds the PACT ProductFootprint fields except ``id``,
    ``specVersion``, ``created``, ``status``, ``precedingPfIds`` and
    ``extensions`` (the assembler sets those). ``green`` is the data of the
    green-electricity extension without its ``ledger`` part (added here).
    """

    seq: int
    owner: str
    entry_hash: str
    recorded_at: datetime
    fields: Mapping[str, Any]
    green: Mapping[str, Any] | None = None
    lineage: str | None = None
    footprint_id: str | None = None
    supersedes: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The ProductFootprint id: the publisher's own, or one derived from the leaf hash."""
        return self.footprint_id or footprint_id(self.entry_hash)

    def __post_init__(self) -> None:
        reserved = _OWN_FIELDS & set(self.fields)
        if reserved:
            raise ValueError(f"footprint record {self.seq} sets reserved fields {sorted(reserved)}")
        if "pcf" not in self.fields or "productIds" not in self.fields:
            raise ValueError(f"footprint record {self.seq} lacks pcf or productIds")
        if self.recorded_at.tzinfo is None:
            raise ValueError(f"footprint record {self.seq} has a naive recorded_at")


@dataclass(frozen=True)
class SourceResult:
    """What a footprint source may return instead of a plain iterable of records.

    ``skipped`` counts published footprints it could not turn into records now
    (a conversion failed; a retry may succeed once the cause is fixed): a list
    answered while ``skipped > 0`` is incomplete, which PACT signals with 202.
    """

    records: list[FootprintRecord]
    skipped: int = 0

    def __iter__(self) -> Iterator[FootprintRecord]:
        """The records (so a result can go wherever an iterable of records is expected)."""
        return iter(self.records)


@dataclass(frozen=True)
class Footprint:
    """An assembled ProductFootprint and what access control needs to know about it."""

    id: str
    owner: str
    seq: int
    product_ids: tuple[str, ...]
    body: Mapping[str, Any] = field(repr=False)


def footprint_id(entry_hash: str) -> str:
    """The ProductFootprint id of the entry with this leaf hash (UUID v5)."""
    return str(uuid.uuid5(_PF_NAMESPACE, entry_hash.lower()))


def lineage_key(record: FootprintRecord) -> str:
    """Records with the same key are versions of one footprint."""
    if record.lineage is not None:
        return f"{record.owner}\x00{record.lineage}"
    pcf = record.fields.get("pcf") or {}
    products = ",".join(sorted(str(p).lower() for p in record.fields.get("productIds", ())))
    return "\x00".join(
        [record.owner, products, str(pcf.get("referencePeriodStart")), str(pcf.get("referencePeriodEnd"))]
    )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def green_extension(record: FootprintRecord, origin: str, schema_base: str) -> dict[str, Any]:
    """The PACT data-model extension carrying the record's green-electricity evidence."""
    data = dict(record.green or {})
    data["ledger"] = {"origin": origin, "seq": record.seq, "leafHash": record.entry_hash}
    return {
        "specVersion": EXTENSION_SPEC_VERSION,
        "dataSchema": schema_base + GREEN_SCHEMA_NAME,
        "documentation": schema_base + "tanji-green-electricity.md",
        "data": data,
    }


def _lifecycle(ordered: list[FootprintRecord]) -> tuple[dict[str, list[str]], set[str]]:
    """``precedingPfIds`` by id and the set of deprecated ids."""
    preceding: dict[str, list[str]] = {}
    deprecated: set[str] = set()
    by_lineage: dict[str, list[FootprintRecord]] = defaultdict(list)
    for r in ordered:
        if r.footprint_id is None:
            by_lineage[lineage_key(r)].append(r)
    for r in ordered:
        if r.footprint_id is not None:
            chain: list[str] = []
            for old in r.supersedes:
                chain += [*preceding.get(old, []), old]
            preceding[r.id] = list(dict.fromkeys(chain))
            deprecated.update(r.supersedes)
        else:
            versions = by_lineage[lineage_key(r)]
            position = versions.index(r)
            preceding[r.id] = [v.id for v in versions[:position]]
            if position < len(versions) - 1:
                deprecated.add(r.id)
    return preceding, deprecated


def assemble(
    records: Iterable[FootprintRecord], *, origin: str, schema_base: str = DEFAULT_SCHEMA_BASE
) -> list[Footprint]:
    """ProductFootprints for ``records`` in seq order, with status and precedingPfIds set."""
    ordered = sorted(records, key=lambda r: r.seq)
    preceding, deprecated = _lifecycle(ordered)
    out: list[Footprint] = []
    for r in ordered:
        body: dict[str, Any] = {
            "id": r.id,
            "specVersion": SPEC_VERSION,
            "created": _stamp(r.recorded_at),
            "status": "Deprecated" if r.id in deprecated else "Active",
        }
        if preceding[r.id]:
            body["precedingPfIds"] = preceding[r.id]
        body.update(r.fields)
        if r.green is not None:
            body["extensions"] = [green_extension(r, origin, schema_base)]
        out.append(Footprint(r.id, r.owner, r.seq, tuple(r.fields["productIds"]), body))
    return out
