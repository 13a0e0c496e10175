"""PACT v3 ProductFootprints from footprint records: ids, lifecycle, extension, filters.

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

SPEC_VERSION = "3.0.0"
EXTENSION_SPEC_VERSION = "2.0.0"
GREEN_SCHEMA_NAME = "tanji-green-electricity.schema.json"
DEFAULT_SCHEMA_BASE = "https://tanji.dev/schemas/"
_PF_NAMESPACE = uuid.UUID("5b0c3a52-7e1f-4f4e-9b7a-7a6e4a1d2c01")
# PACT: without validityPeriodEnd a footprint is valid 3 years after referencePeriodEnd.
_DEFAULT_VALIDITY = timedelta(days=3 * 365)
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


# -- filters (PACT v3 ListFootprints) -------------------------------------------


@dataclass(frozen=True)
class FootprintQuery:
    """The v3 filters: values of one parameter are ORed, different parameters ANDed."""

    product_id: tuple[str, ...] = ()
    company_id: tuple[str, ...] = ()
    geography: tuple[str, ...] = ()
    classification: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None


def parse_datetime(value: str) -> datetime:
    """An RFC 3339 date-time (``Z`` allowed); naive values are UTC. ``ValueError`` otherwise."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def validity(body: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The validity period, defaulting as PACT says: from and 3 years after referencePeriodEnd."""
    pcf = body.get("pcf") or {}
    ref_end = pcf.get("referencePeriodEnd")
    start = body.get("validityPeriodStart") or ref_end
    end_text = body.get("validityPeriodEnd")
    try:
        start_dt = parse_datetime(start) if start else None
        if end_text:
            end_dt: datetime | None = parse_datetime(end_text)
        else:
            end_dt = parse_datetime(ref_end) + _DEFAULT_VALIDITY if ref_end else None
    except ValueError:
        return None, None
    return start_dt, end_dt


def _any_ci(wanted: Sequence[str], have: Iterable[Any]) -> bool:
    have_l = {str(h).lower() for h in have}
    return any(w.lower() in have_l for w in wanted)


def matches(body: Mapping[str, Any], q: FootprintQuery) -> bool:
    """True when the ProductFootprint ``body`` passes every filter of ``q``."""
    pcf = body.get("pcf") or {}
    if q.product_id and not _any_ci(q.product_id, body.get("productIds", ())):
        return False
    if q.company_id and not _any_ci(q.company_id, body.get("companyIds", ())):
        return False
    if q.classification and not _any_ci(q.classification, body.get("productClassifications", ())):
        return False
    if q.status and not _any_ci(q.status, [body.get("status")]):
        return False
    if q.geography:
        places = [
            pcf.get(k)
            for k in ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")
        ]
        if not _any_ci(q.geography, [p for p in places if p]):
            return False
    if q.valid_on or q.valid_after or q.valid_before:
        start, end = validity(body)
        if q.valid_on and not (start and end and start <= q.valid_on <= end):
            return False
        if q.valid_after and not (start and start > q.valid_after):
            return False
        if q.valid_before and not (end and end < q.valid_before):
            return False
    return True
