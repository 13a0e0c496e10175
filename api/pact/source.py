"""Footprint records from the ledger's ``footprint.publish`` entries.

The lca package owns the payload (``lca.kinds.FootprintPublishEntry``: the
``lca.publish.FootprintPublish`` figures plus the footprint id and the ids it
supersedes) and its PACT v3 fields (``lca.publish.pact_fields``). This module
finds the entries, adds what PACT wants from the ledger rather than from the
model (the company: the publishing actor's name and ids), and turns lca's
``tanji`` figures into the data of Tanji's green-electricity extension.
``Settings.footprints`` replaces this source entirely (tests, other back ends).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from api.pact.footprints import FootprintRecord, SourceResult
from lca.errors import LcaError
from ledger import (
    Actor,
    Entry,
    Ledger,
    LedgerError,
    entries_of_kind,
    get_actor,
    green_shares,
    kind_version,
)

PUBLISH_KIND = "footprint.publish"
log = logging.getLogger("tanji.api")


def company_ids(actor: Actor) -> list[str]:
    """URNs naming the publishing company: its ledger actor id, and its USCC when it has one."""
    ids = [f"urn:tanji:actor:{actor.actor_id}"]
    if actor.uscc:
        ids.append(f"urn:tanji:uscc:{actor.uscc}")
    return ids


def _share(share: float | None) -> str:
    """A share as the extension's 0..1 decimal string, 4 places; ``"0"`` when there was no electricity."""
    if share is None:
        return "0"
    return str(min(Decimal(1), Decimal(str(share))).quantize(Decimal("0.0001")))


def _kwh(x: float) -> str:
    # Fixed-point: ``normalize`` alone writes whole tens as ``2E+1``, which the schema rejects.
    return format(Decimal(str(x)).quantize(Decimal("0.000001")).normalize(), "f") if x else "0"


def green_evidence(publish: Any, tanji: Mapping[str, Any]) -> dict[str, Any]:
    """Extension data (``tanji-green-electricity.schema.json``) from a ``FootprintPublish``."""
    e = publish.results.electricity
    matched = e.hourly_matched_kwh  # from the run's committed rows (issue 14); None before
    shares = green_shares(
        total=e.total_kwh,
        direct=e.direct_physical_kwh,
        gec_backed=e.claimable_green_kwh,
        hourly_matched=matched,
    )
    data: dict[str, Any] = {
        "electricityKwh": _kwh(e.total_kwh),
        "breakdownKwh": {
            "direct": _kwh(e.direct_physical_kwh),
            "contracted": _kwh(e.contracted_kwh),
            "certificate": _kwh(e.certificate_kwh),
            "grid": _kwh(e.grid_kwh),
        },
        "shares": {"physical": _share(shares.physical), "claimable": _share(shares.claimable)}
        | ({} if matched is None else {"hourlyMatched": _share(shares.hourly_matched)}),
        "marketBasedPcf": tanji.get("marketBasedPcf") or str(publish.results.market.total),
        "locationBasedPcf": str(tanji.get("locationBasedPcf")),
        "modelSha256": str(tanji.get("modelSha256")),
    }
    run = tanji.get("attributionRunSeq")
    if run is not None:
        data["attributionRun"] = {"seq": int(run)}
    return data


def record_from_entry(entry: Entry, actor: Actor | None) -> FootprintRecord:
    """The footprint record of one ``footprint.publish`` entry."""
    from lca.kinds import FootprintPublishEntry
    from lca.publish import pact_fields

    publish = FootprintPublishEntry.model_validate(entry.payload)
    produced = pact_fields(publish)
    fields: dict[str, Any] = {
        "companyName": actor.name if actor else entry.actor,
        "companyIds": company_ids(actor) if actor else [f"urn:tanji:actor:{entry.actor}"],
        **produced["productFootprint"],
        "pcf": produced["pcf"],
    }
    return FootprintRecord(
        entry.seq,
        entry.actor,
        entry.hash,
        entry.recorded_datetime(),
        fields,
        green_evidence(publish, produced.get("tanji", {})),
        None,
        publish.footprint_id,
        tuple(publish.supersedes),
    )


def ledger_version(ledger: Ledger) -> tuple[int | None, int]:
    """Changes exactly when a footprint is published: the newest ``footprint.publish`` seq and their count.

    (The log's size would change with every reading batch and force a rebuild.)
    """
    return kind_version(ledger, PUBLISH_KIND)


def ledger_records(ledger: Ledger) -> SourceResult:
    """A record for every ``footprint.publish`` entry, in seq order.

    An entry whose conversion fails is logged and counted in ``skipped`` (the
    list is then incomplete) rather than failing every buyer's request.
    """
    with ledger.db.read_session() as s:
        entries = entries_of_kind(s, PUBLISH_KIND)
        actors = {a: get_actor(s, a) for a in {e.actor for e in entries}}
    records: list[FootprintRecord] = []
    skipped = 0
    for e in entries:
        try:
            records.append(record_from_entry(e, actors[e.actor]))
        except (ValueError, LcaError, LedgerError) as err:  # pydantic's ValidationError is a ValueError
            log.warning("footprint.publish at seq %d cannot be served: %s", e.seq, err)
            skipped += 1
    return SourceResult(records, skipped)
