"""From ledger entries to graph nodes and edges: one mapping function per kind.

The graph reads plain records (``seq``, ``kind``, ``actor``, ``payload``).
``FIELDS`` is the single table of payload field names the mapping reads: to
follow a change in a ledger payload schema, change the right-hand names here
(``lot.*`` kinds are parsed with the models of :mod:`traceability.lots`).

Node ids are ``<prefix>:<id>``: ``actor:A-1``, ``meter:M-7``, ``batch:<seq>``,
``link:DL-1``, ``gec:<first>-<last>``, ``trade:T-1``, ``run:<seq>``,
``lot:L-42``, ``ship:<seq>``, ``footprint:<id>``, ``certificate:<id>``.
Every node has ``kind`` and ``seqs`` (the sorted seqs of the entries that
created or changed it; empty for a *placeholder*, a node named before any
entry recorded it). Every edge runs from what a thing was derived from to what
it supports and has ``relation`` and ``seq`` (the entry that created it, which
lets queries ask "as of seq N"). The submitting actor of every entry gets an
edge ``actor:<actor>`` → the entry's main node (relation ``submitted``), so an
evidence set includes the ``actor.register`` entries of the actors involved.
Actor nodes only ever have outgoing edges.

| kind | payload fields read (``FIELDS`` name = payload key unless shown) | nodes
  | edges (→ means "supports") |
|---|---|---|---|
| actor.register | id, name, role | actor:id | — |
| actor.rotate_key | id=``actor_id`` (default: the submitter) | actor:id (seq joins its seqs) | — |
| meter.register | id, owner, park, meter_kind=``kind``, technology, parent | meter:id | actor:owner → meter |
| meter.retire | id, at | meter:id (``retired``) | — |
| readings.batch | meter, start, resolution (``PT15M``/``PT1H``/seconds), values; or end | batch:seq
  | meter → batch; batch → every lot of that meter whose period overlaps (either order) |
| readings.correct | as batch + replaces (seq or list of seqs) | batch:seq
  | meter → batch; batch:replaced → batch (``corrected_by``); batch → overlapping lots |
| supply.direct_link | id, generation_meters, consumer_meters, grid_meters, valid_from, valid_to | link:id
  | generation meter → link; grid meter → link |
| gec.issue | first, last, meter=``generator_meter``, technology, vintage, holder (default: the meter's owner)
  | gec:first-last | meter → gec; actor:holder → gec |
| gec.transfer | first, last, to | gec range node (see below) | prior range node(s) → gec; actor:to → gec |
| gec.retire | first, last, beneficiary (a name: attribute), consumer_meters, period_start, period_end
  | gec range node (``retired``) | prior range node(s) → gec |
| gec.expire | first, last | gec range node (``expired``) | prior range node(s) → gec |
| trade.green_power
  | id, seller, buyer, generation_meters=``seller_meters``, buyer_meters, first_month/last_month (UTC months)
    or period_start/period_end | trade:id | generation meter → trade; actor:seller/buyer → trade |
| trade.settle | trade=``contract``, month, first=``gec_first``, last=``gec_last`` (optional)
  | trade:id (+ gec range node) | prior range → gec → trade |
| attribution.run
  | consumer_meters=``meters``, or ``park`` / ``enterprise`` (their consumption meters), first_month,
    last_month (UTC months), input_from=``log_start``, input_end=``log_end`` (exclusive; default: all before
    it), method, result_hash=``sha256`` | run:seq
  | batches (seq in ``[log_start, log_end)``, overlapping the period) of the consumer meters and of the
    generation meters of their links and trades → run; those links and trades → run; GEC retired for the
    consumer meters with an overlapping period → run; run → every lot of a consumer meter with an overlapping
    period (either order) |
| lot.produce | ``LotProduce`` | lot:lot_id
  | meter → lot (share); overlapping batches → lot; covering runs → lot; lot:input → lot (quantity) |
| lot.ship | ``LotShip`` | ship:seq | lot → ship; actor:customer → ship |
| lot.receive | ``LotReceive`` | lot:lot_id
  | footprint:<pact id> or certificate:<id> → lot; actor:supplier → lot |
| lot.footprint | ``LotFootprint`` (``traceability.declared``)
  | footprint:<pact id>, certificate:<id>, or footprint:<seq> for figures declared in an EPCIS event or a
    battery passport | that node → lot (``footprint_of``); actor:supplier → that node (``declared``) |
| footprint.publish
  | id=``footprint_id``, lot (one lot id; ``lots`` also read), run=``attribution_run_seq`` (``runs`` also
    read), product=``product_id``, supersedes | footprint:id (old ones get ``superseded_by``)
  | lot → footprint; run → footprint |
| certificate.issue | id, footprint | certificate:id | footprint → certificate |
| certificate.revoke | id, reason | certificate:id (``revoked``) | — |

Entry kinds not in the table (``park.register`` …) are counted in
``EvidenceGraph.stats().ignored`` and otherwise skipped. The payload keys follow
the ledger's payload models: the energy kinds (``ledger/energy/meters.py``,
``ledger/energy/readings.py``, ``ledger/energy/links.py``, ``ledger/energy/gec.py``,
``ledger/energy/trades.py``), ``attribution.run`` (``ledger/attribution/kind.py``),
``footprint.publish`` (``lca/kinds.py``, read by field name: traceability does
not import lca) and ``certificate.issue`` / ``certificate.revoke``
(``certificates/kinds.py``; a cited verification statement is not a graph node:
``certificates.evidence`` adds it to a certificate's evidence itself).

GEC ranges: a transfer, retirement or settlement of ``[first, last]`` reuses the
node that holds exactly that range when there is one; otherwise it creates
``gec:first-last`` (or ``gec:first-last@seq`` if that id is taken) with an edge
from each node that held a piece of the range before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import networkx as nx

from traceability.declared import LotFootprint
from traceability.errors import InvalidPayload, MalformedEntry
from traceability.lots import LotProduce, LotReceive, LotShip
from traceability.plan import EntryLike, Fields, Plan, State, iso

FIELDS: Final[dict[str, dict[str, str]]] = {
    "actor.register": {"id": "id", "name": "name", "role": "role"},
    "actor.rotate_key": {"id": "actor_id"},
    "meter.register": {
        "id": "id",
        "owner": "owner",
        "park": "park",
        "meter_kind": "kind",
        "technology": "technology",
        "parent": "parent",
    },
    "meter.retire": {"id": "id", "at": "at"},
    "readings.batch": {
        "meter": "meter",
        "start": "start",
        "resolution": "resolution",
        "values": "values",
        "end": "end",
    },
    "readings.correct": {
        "meter": "meter",
        "start": "start",
        "resolution": "resolution",
        "values": "values",
        "end": "end",
        "replaces": "replaces",
    },
    "supply.direct_link": {
        "id": "id",
        "generation_meters": "generation_meters",
        "consumer_meters": "consumer_meters",
        "grid_meters": "grid_meters",
        "valid_from": "valid_from",
        "valid_to": "valid_to",
    },
    "gec.issue": {
        "first": "first",
        "last": "last",
        "meter": "generator_meter",
        "technology": "technology",
        "vintage": "vintage",
        "holder": "holder",
    },
    "gec.transfer": {"first": "first", "last": "last", "to": "to"},
    "gec.retire": {
        "first": "first",
        "last": "last",
        "beneficiary": "beneficiary",
        "consumer_meters": "consumer_meters",
        "period_start": "period_start",
        "period_end": "period_end",
    },
    "gec.expire": {"first": "first", "last": "last"},
    "trade.green_power": {
        "id": "id",
        "seller": "seller",
        "buyer": "buyer",
        "generation_meters": "seller_meters",
        "buyer_meters": "buyer_meters",
        "first_month": "first_month",
        "last_month": "last_month",
        "period_start": "period_start",
        "period_end": "period_end",
    },
    "trade.settle": {
        "trade": "contract",
        "month": "month",
        "first": "gec_first",
        "last": "gec_last",
    },
    "attribution.run": {
        "consumer_meters": "meters",
        "park": "park",
        "enterprise": "enterprise",
        "first_month": "first_month",
        "last_month": "last_month",
        "input_from": "log_start",
        "input_end": "log_end",
        "method": "method",
        "result_hash": "sha256",
    },
    "footprint.publish": {
        "id": "footprint_id",
        "lot": "lot",
        "lots": "lots",
        "run": "attribution_run_seq",
        "runs": "runs",
        "product": "product_id",
        "supersedes": "supersedes",
    },
    "certificate.issue": {"id": "id", "footprint": "footprint"},
    "certificate.revoke": {"id": "id", "reason": "reason"},
    "lot.produce": {},  # parsed with traceability.lots.LotProduce
    "lot.ship": {},  # LotShip
    "lot.receive": {},  # LotReceive
    "lot.footprint": {},  # traceability.declared.LotFootprint
}


def _submitted(plan: Plan, node_id: str) -> None:
    if plan.entry.actor:
        plan.edge(f"actor:{plan.entry.actor}", node_id, "submitted")


def map_actor_register(plan: Plan, f: Fields) -> None:
    attrs = {k: v for k in ("name", "role") if (v := f.opt_text(k)) is not None}
    plan.node(f"actor:{f.text('id')}", **attrs)


def map_actor_rotate_key(plan: Plan, f: Fields) -> None:
    plan.node(f"actor:{f.opt_text('id') or plan.entry.actor}")


def map_meter_register(plan: Plan, f: Fields) -> None:
    attrs = {k: v for k in ("park", "meter_kind", "technology", "parent") if (v := f.opt_text(k)) is not None}
    meter = plan.node(f"meter:{f.text('id')}", **attrs)
    owner = f.opt_text("owner")
    if owner is not None:
        plan.edge(f"actor:{owner}", meter, "owns")
        plan.node(meter, owner=owner)
    info = (owner, attrs.get("park"), attrs.get("meter_kind"))
    plan.later.append(lambda: plan.state.meters.__setitem__(meter.split(":", 1)[1], info))
    _submitted(plan, meter)


def _batch(plan: Plan, f: Fields) -> tuple[str, str, datetime, datetime]:
    seq = plan.entry.seq
    meter_id = f.text("meter")
    start = f.time("start")
    end = f.opt_time("end")
    if end is None:
        values = f.raw("values")
        if not isinstance(values, list | tuple) or not values:
            raise f.fail("values", "must be a non-empty list when no end is given")
        end = start + f.resolution("resolution") * len(values)
    if end <= start:
        raise f.fail("end", f"{end.isoformat()} is not after start {start.isoformat()}")
    meter = f"meter:{meter_id}"
    batch = plan.node(f"batch:{seq}", meter=meter_id, start=iso(start), end=iso(end))
    plan.edge(meter, batch, "measured")
    for lot_start, lot_end, _, lot in plan.state.lots[meter_id].overlapping(start, end):
        plan.edge(batch, lot, "readings", hours=f"{iso(max(start, lot_start))}/{iso(min(end, lot_end))}")
    plan.later.append(lambda: plan.state.batches[meter_id].add(start, end, seq, batch))
    _submitted(plan, batch)
    return batch, meter_id, start, end


def map_readings_batch(plan: Plan, f: Fields) -> None:
    _batch(plan, f)


def map_readings_correct(plan: Plan, f: Fields) -> None:
    raw = f.raw("replaces")
    replaced = f.texts("replaces") if isinstance(raw, list) else [str(f.integer("replaces"))]
    if not replaced or not all(r.isdigit() for r in replaced):
        raise f.fail("replaces", f"must name the seqs of the replaced batches, got {raw!r}")
    batch, *_ = _batch(plan, f)
    plan.node(batch, replaces=[int(r) for r in replaced])
    for r in replaced:
        plan.edge(f"batch:{r}", batch, "corrected_by")


def map_direct_link(plan: Plan, f: Fields) -> None:
    link_id = f.text("id")
    generators, consumers = f.texts("generation_meters"), f.texts("consumer_meters")
    attrs: dict[str, Any] = {"consumer_meters": consumers, "generation_meters": generators}
    for k in ("valid_from", "valid_to"):
        if (t := f.opt_text(k)) is not None:
            attrs[k] = t
    link = plan.node(f"link:{link_id}", **attrs)
    for g in generators:
        plan.edge(f"meter:{g}", link, "generates_for")
    for g in f.texts("grid_meters"):
        plan.edge(f"meter:{g}", link, "grid_connection")

    def index() -> None:
        plan.state.generators_of[link] = tuple(generators)
        for c in consumers:
            if link not in plan.state.links_of_consumer[c]:
                plan.state.links_of_consumer[c].append(link)

    plan.later.append(index)
    _submitted(plan, link)


def _gec_range(plan: Plan, f: Fields, relation: str, **attrs: Any) -> str:
    """The node for ``[first, last]`` after this entry (see the module docstring)."""
    first, last = f.integer("first"), f.integer("last")
    if first > last:
        raise f.fail("first", f"{first} is greater than last {last}")
    pieces = plan.state.gec.covering(first, last)
    holders = {node for _, _, node in pieces}
    graph_attrs = plan.graph.nodes
    if (
        len(holders) == 1
        and sum(b - a + 1 for a, b, _ in pieces) == last - first + 1
        and graph_attrs[next(iter(holders))].get("first") == first
        and graph_attrs[next(iter(holders))].get("last") == last
    ):
        node = next(iter(holders))
    else:
        node = f"gec:{first}-{last}"
        if plan.exists(node):
            node = f"{node}@{plan.entry.seq}"
        for holder in sorted(holders):
            plan.edge(holder, node, relation)
    plan.node(node, first=first, last=last, **attrs)
    plan.later.append(lambda: plan.state.gec.assign(first, last, node))
    return node


def map_gec_issue(plan: Plan, f: Fields) -> None:
    attrs = {k: v for k in ("technology", "vintage") if (v := f.opt_text(k)) is not None}
    node = _gec_range(plan, f, "issued", **attrs)
    meter = f.opt_text("meter")
    if meter is not None:
        plan.edge(f"meter:{meter}", node, "generated")
    holder = f.opt_text("holder")
    if holder is None and meter is not None:
        holder = plan.state.meters.get(meter, (None, None, None))[0]  # the ledger's default
    if holder is not None:
        plan.edge(f"actor:{holder}", node, "holds")
    _submitted(plan, node)


def map_gec_transfer(plan: Plan, f: Fields) -> None:
    node = _gec_range(plan, f, "transferred")
    if (to := f.opt_text("to")) is not None:
        plan.edge(f"actor:{to}", node, "holds")
    _submitted(plan, node)


def map_gec_retire(plan: Plan, f: Fields) -> None:
    start, end = f.period()
    meters = f.texts("consumer_meters")
    node = _gec_range(
        plan,
        f,
        "retired",
        retired=True,
        consumer_meters=meters,
        period_start=iso(start),
        period_end=iso(end),
    )
    if (beneficiary := f.opt_text("beneficiary")) is not None:
        plan.node(node, beneficiary=beneficiary)  # a name, not necessarily an actor id
    seq = plan.entry.seq

    def index() -> None:
        for m in meters:
            plan.state.retired[m].add(start, end, seq, node)

    plan.later.append(index)
    _submitted(plan, node)


def map_gec_expire(plan: Plan, f: Fields) -> None:
    node = _gec_range(plan, f, "expired", expired=True)
    _submitted(plan, node)


def map_meter_retire(plan: Plan, f: Fields) -> None:
    attrs = {"retired_at": v} if (v := f.opt_text("at")) is not None else {}
    plan.node(f"meter:{f.text('id')}", retired=True, **attrs)


def map_trade(plan: Plan, f: Fields) -> None:
    start, end = f.period_or_months("first_month", "last_month")
    generators, buyers = f.texts("generation_meters"), f.texts("buyer_meters")
    trade = plan.node(
        f"trade:{f.text('id')}",
        generation_meters=generators,
        buyer_meters=buyers,
        period_start=iso(start),
        period_end=iso(end),
    )
    for g in generators:
        plan.edge(f"meter:{g}", trade, "generates_for")
    for role in ("seller", "buyer"):
        if (who := f.opt_text(role)) is not None:
            plan.edge(f"actor:{who}", trade, role)

    def index() -> None:
        plan.state.generators_of[trade] = tuple(generators)
        for b in buyers:
            if trade not in plan.state.trades_of_buyer[b]:
                plan.state.trades_of_buyer[b].append(trade)

    plan.later.append(index)
    _submitted(plan, trade)


def map_trade_settle(plan: Plan, f: Fields) -> None:
    trade = plan.node(f"trade:{f.text('trade')}")
    if f.raw("first") is not None:
        node = _gec_range(plan, f, "transferred")
        plan.edge(node, trade, "settles")
    _submitted(plan, trade)


def _run_meters(plan: Plan, f: Fields) -> list[str]:
    """The run's consumer meters: listed, or the consumption meters of its park or enterprise."""
    if f.raw("consumer_meters") is not None:
        return f.texts("consumer_meters")
    park, enterprise = f.opt_text("park"), f.opt_text("enterprise")
    if park is None and enterprise is None:
        raise f.fail("consumer_meters", "is missing and neither park nor enterprise is given")
    # Like ledger.attribution.inputs.resolve_scope: consumption meters only (retirement is not
    # tracked here, so a meter retired before the period still counts; it has no readings then).
    return sorted(
        m
        for m, (owner, in_park, kind) in plan.state.meters.items()
        if kind == "consumption" and (in_park == park if park is not None else owner == enterprise)
    )


def map_attribution_run(plan: Plan, f: Fields) -> None:
    seq = plan.entry.seq
    start, _ = f.month("first_month")
    last_start, end = f.month("last_month")
    if last_start < start:
        raise f.fail("last_month", f"{f.raw('last_month')!r} is before first_month {f.raw('first_month')!r}")
    meters = _run_meters(plan, f)
    lo = f.opt_integer("input_from") or 0
    log_end = f.opt_integer("input_end")  # exclusive: the log size when the inputs were read
    hi = seq - 1 if log_end is None else log_end - 1
    attrs = {k: v for k in ("method", "result_hash") if (v := f.opt_text(k)) is not None}
    for k in ("park", "enterprise"):
        if (v := f.opt_text(k)) is not None:
            attrs[k] = v
    run = plan.node(
        f"run:{seq}",
        meters=meters,
        period_start=iso(start),
        period_end=iso(end),
        input_from=lo,
        input_to=hi,
        **attrs,
    )
    state = plan.state
    sources: list[str] = []
    read_meters = list(meters)
    for m in meters:
        for via in (*state.links_of_consumer.get(m, ()), *state.trades_of_buyer.get(m, ())):
            if via not in sources:
                sources.append(via)
                read_meters.extend(g for g in state.generators_of.get(via, ()) if g not in read_meters)
    for via in sources:
        plan.edge(via, run, "attributed_via")
    for m in read_meters:
        for _, _, bseq, batch in state.batches[m].overlapping(start, end) if m in state.batches else ():
            if lo <= bseq <= hi:
                plan.edge(batch, run, "read")
    for m in meters:
        for _, _, rseq, gec in state.retired[m].overlapping(start, end) if m in state.retired else ():
            if lo <= rseq <= hi:
                plan.edge(gec, run, "certificate")
        for _, _, _, lot in state.lots[m].overlapping(start, end) if m in state.lots else ():
            plan.edge(run, lot, "attributes", meter=m)

    def index() -> None:
        for m in meters:
            state.runs[m].add(start, end, seq, run)

    plan.later.append(index)
    _submitted(plan, run)


def _lot_payload(
    plan: Plan, model: type[LotProduce] | type[LotShip] | type[LotReceive] | type[LotFootprint]
) -> Any:
    try:
        return model.from_json(plan.entry.payload)
    except InvalidPayload as e:
        raise MalformedEntry(
            f"entry {plan.entry.seq} ({plan.entry.kind}): {e.message}",
            seq=plan.entry.seq,
            kind=plan.entry.kind,
        ) from e


def map_lot_produce(plan: Plan, f: Fields) -> None:
    p: LotProduce = _lot_payload(plan, LotProduce)
    seq, state = plan.entry.seq, plan.state
    lot = plan.node(
        f"lot:{p.lot_id}",
        product=p.product,
        unit=p.unit,
        period_start=iso(p.period_start),
        period_end=iso(p.period_end),
    )
    plan.add(lot, "produced", p.quantity)
    for i in p.inputs:
        plan.edge(f"lot:{i.lot_id}", lot, "input", quantity=i.quantity, unit=i.unit)
    start, end = p.period_start, p.period_end
    for share in p.meters:
        m = share.meter_id
        plan.edge(f"meter:{m}", lot, "supplied", share=str(share.share))
        for b_start, b_end, _, batch in (
            state.batches[m].overlapping(start, end) if m in state.batches else ()
        ):
            plan.edge(batch, lot, "readings", hours=f"{iso(max(start, b_start))}/{iso(min(end, b_end))}")
        for _, _, _, run in state.runs[m].overlapping(start, end) if m in state.runs else ():
            plan.edge(run, lot, "attributes", meter=m)

    def index() -> None:
        for share in p.meters:
            state.lots[share.meter_id].add(start, end, seq, lot)

    plan.later.append(index)
    _submitted(plan, lot)


def map_lot_ship(plan: Plan, f: Fields) -> None:
    p: LotShip = _lot_payload(plan, LotShip)
    ship = plan.node(
        f"ship:{plan.entry.seq}",
        lot=p.lot_id,
        quantity=p.quantity,
        unit=p.unit,
        customer=p.customer,
    )
    plan.edge(f"lot:{p.lot_id}", ship, "shipped", quantity=p.quantity, unit=p.unit)
    plan.edge(f"actor:{p.customer}", ship, "customer")
    _submitted(plan, ship)


def map_lot_receive(plan: Plan, f: Fields) -> None:
    p: LotReceive = _lot_payload(plan, LotReceive)
    attrs: dict[str, Any] = {"unit": p.unit, "supplier": p.supplier}
    if p.product is not None:
        attrs["product"] = p.product
    lot = plan.node(f"lot:{p.lot_id}", **attrs)
    plan.add(lot, "received", p.quantity)
    if p.footprint is not None:
        prefix = "footprint" if p.footprint.kind == "pact" else "certificate"
        plan.edge(f"{prefix}:{p.footprint.id}", lot, "footprint_of")
    plan.edge(f"actor:{p.supplier}", lot, "supplier")
    _submitted(plan, lot)


def map_lot_footprint(plan: Plan, f: Fields) -> None:
    p: LotFootprint = _lot_payload(plan, LotFootprint)
    attrs: dict[str, Any] = {"source": p.source.kind, "supplier": p.supplier}
    if p.source.kind == "pact":
        node = f"footprint:{p.source.id}"
    elif p.source.kind == "certificate":
        node = f"certificate:{p.source.id}"
    else:  # figures declared in an EPCIS event or a battery passport: a node of their own
        node = f"footprint:{plan.entry.seq}"
        if p.source.id is not None:
            attrs["source_id"] = p.source.id
    if p.declared is not None:
        attrs |= {"kg_co2e": str(p.declared.kg_co2e), "declared_unit": p.declared.declared_unit}
    plan.node(node, **attrs)
    plan.edge(node, f"lot:{p.lot_id}", "footprint_of")
    plan.edge(f"actor:{p.supplier}", node, "declared")
    _submitted(plan, node)


def map_footprint_publish(plan: Plan, f: Fields) -> None:
    attrs: dict[str, Any] = {"product": v} if (v := f.opt_text("product")) is not None else {}
    supersedes = f.texts("supersedes")
    if supersedes:
        attrs["supersedes"] = supersedes
    fp = plan.node(f"footprint:{f.text('id')}", **attrs)
    lot = f.opt_text("lot")
    for lot_id in ([lot] if lot is not None else []) + f.texts("lots"):
        plan.edge(f"lot:{lot_id}", fp, "covers")
    run = f.opt_integer("run")
    for run_seq in ([str(run)] if run is not None else []) + f.texts("runs"):
        plan.edge(f"run:{run_seq}", fp, "attribution")
    for old in supersedes:
        # a newer footprint replaces the old one; it does not rest on it, so no edge
        plan.annotate(f"footprint:{old}", superseded_by=fp.split(":", 1)[1])
    _submitted(plan, fp)


def map_certificate_issue(plan: Plan, f: Fields) -> None:
    cert = plan.node(f"certificate:{f.text('id')}", revoked=False)
    plan.edge(f"footprint:{f.text('footprint')}", cert, "certified")
    _submitted(plan, cert)


def map_certificate_revoke(plan: Plan, f: Fields) -> None:
    attrs = {"revoked_reason": v} if (v := f.opt_text("reason")) is not None else {}
    cert = plan.node(f"certificate:{f.text('id')}", revoked=True, **attrs)
    _submitted(plan, cert)


MAPPERS: Final[dict[str, Callable[[Plan, Fields], None]]] = {
    "actor.register": map_actor_register,
    "actor.rotate_key": map_actor_rotate_key,
    "meter.register": map_meter_register,
    "meter.retire": map_meter_retire,
    "readings.batch": map_readings_batch,
    "readings.correct": map_readings_correct,
    "supply.direct_link": map_direct_link,
    "gec.issue": map_gec_issue,
    "gec.transfer": map_gec_transfer,
    "gec.retire": map_gec_retire,
    "gec.expire": map_gec_expire,
    "trade.green_power": map_trade,
    "trade.settle": map_trade_settle,
    "attribution.run": map_attribution_run,
    "lot.produce": map_lot_produce,
    "lot.ship": map_lot_ship,
    "lot.receive": map_lot_receive,
    "lot.footprint": map_lot_footprint,
    "footprint.publish": map_footprint_publish,
    "certificate.issue": map_certificate_issue,
    "certificate.revoke": map_certificate_revoke,
}


def plan_entry(entry: EntryLike, graph: nx.DiGraph, state: State) -> Plan | None:
    """The plan for ``entry``, or ``None`` for a kind with no mapping. Pure: changes nothing."""
    mapper = MAPPERS.get(entry.kind)
    if mapper is None:
        return None
    plan = Plan(entry, graph, state)
    mapper(plan, Fields(entry, FIELDS[entry.kind]))
    return plan
