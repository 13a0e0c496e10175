"""Properties of the EPCIS import: quantities conserve, a serialized item is produced once.

Hypothesis draws a lifecycle of fabric lots and jackets — receipts, sewing (TransformationEvents),
commissionings and inspections of jackets at any time (also before the sewing that makes them, and
again after), shipments — as EPCIS 2.0 events. A small oracle replays the same steps by the rules
the importer documents; the import, replayed by the pure mass-balance checker, must agree with it
lot by lot, and no quantity may appear or vanish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from traceability.epcis import ImportOptions, import_epcis
from traceability.identity import is_instance
from traceability.lots import LotProduce, replay_lots

FABRICS = [f"urn:epc:class:lgtin:952000.1000.F{n}" for n in range(3)]
OUTSIDE = "urn:epc:class:lgtin:952000.1000.OUT"  # never received in the document: from outside
JACKETS = [f"urn:epc:id:sgtin:950600.1343.{n}" for n in range(6)]
SUPPLIER = "urn:epc:id:pgln:952000.00001"

Step = tuple[Any, ...]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.sampled_from(FABRICS), st.integers(1, 40)),
        st.tuples(
            st.just("sew"),
            st.sampled_from([*FABRICS, OUTSIDE]),
            st.integers(1, 3_000),
            st.lists(st.sampled_from(JACKETS), min_size=1, max_size=3, unique=True),
        ),
        st.tuples(st.just("commission"), st.sampled_from(JACKETS)),
        st.tuples(st.just("observe"), st.sampled_from(JACKETS)),
        st.tuples(st.just("ship"), st.sampled_from(JACKETS)),
        st.tuples(st.just("ship_fabric"), st.sampled_from(FABRICS), st.integers(1, 5_000)),
    ),
    max_size=25,
)


@dataclass
class Oracle:
    """The expected totals per lot: ``[produced, received, shipped, consumed]``."""

    totals: dict[str, list[int]] = field(default_factory=dict)

    def add(self, lot: str, column: int, amount: int) -> None:
        self.totals.setdefault(lot, [0, 0, 0, 0])[column] += amount

    def held(self, lot: str) -> int:
        p, r, s, c = self.totals.get(lot, [0, 0, 0, 0])
        return p + r - s - c


def _event(kind: str, when: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "eventID": f"urn:uuid:00000000-0000-4000-8000-{when:012d}",
        "eventTime": f"2026-03-01T{when // 60:02d}:{when % 60:02d}:00+08:00",
        **fields,
    }


def _fabric_steps(raw: list[Step], oracle: Oracle) -> tuple[list[Step], set[str]]:
    """The fabric side first: sewings with fabric enough (each jacket sewn once), shipments with stock."""
    sewn: set[str] = set()
    kept: list[Step] = []
    for step in raw:
        if step[0] == "receive":
            oracle.add(step[1], 1, step[2] * 1000)
        elif step[0] == "sew":
            _, lot, grams, wanted = step
            outputs = [j for j in wanted if j not in sewn]
            if not outputs or (lot != OUTSIDE and oracle.held(lot) < grams):
                continue
            if lot == OUTSIDE:
                oracle.add(lot, 1, max(0, grams - oracle.held(lot)))  # --receive-unknown-from
            oracle.add(lot, 3, grams)
            sewn.update(outputs)
            step = (*step[:3], outputs)
        elif step[0] == "ship_fabric":
            if oracle.held(step[1]) < step[2]:
                continue
            oracle.add(step[1], 2, step[2])
        kept.append(step)
    return kept, sewn


def lifecycle(raw: list[Step]) -> tuple[list[dict[str, Any]], Oracle]:
    """The valid events of ``raw`` and what the import must make of them.

    Jackets are sewn at most once; a jacket comes into being at its sewing, or, when it is never
    sewn, at its first commissioning; every other commissioning is an observation.
    """
    oracle = Oracle()
    kept, sewn = _fabric_steps(raw, oracle)
    exists: set[str] = set()
    events: list[dict[str, Any]] = []
    to_customer = [{"type": "owning_party", "destination": "urn:epc:id:pgln:4012345.00042"}]
    for n, step in enumerate(kept):
        if step[0] == "receive":
            events.append(
                _event(
                    "ObjectEvent",
                    n,
                    action="OBSERVE",
                    bizStep="receiving",
                    quantityList=[{"epcClass": step[1], "quantity": step[2], "uom": "KGM"}],
                    sourceList=[{"type": "owning_party", "source": SUPPLIER}],
                )
            )
        elif step[0] == "sew":
            _, lot, grams, outputs = step
            for jacket in outputs:
                oracle.add(jacket, 0, 1)
                exists.add(jacket)
            events.append(
                _event(
                    "TransformationEvent",
                    n,
                    inputQuantityList=[{"epcClass": lot, "quantity": grams, "uom": "GRM"}],
                    outputEPCList=list(outputs),
                )
            )
        elif step[0] in ("commission", "observe"):
            jacket = step[1]
            if step[0] == "commission" and jacket not in exists and jacket not in sewn:
                oracle.add(jacket, 0, 1)
                exists.add(jacket)
            action, biz = ("ADD", "commissioning") if step[0] == "commission" else ("OBSERVE", "inspecting")
            events.append(_event("ObjectEvent", n, action=action, bizStep=biz, epcList=[jacket]))
        elif step[0] == "ship":
            if oracle.held(step[1]) < 1:
                continue
            oracle.add(step[1], 2, 1)
            events.append(
                _event(
                    "ObjectEvent",
                    n,
                    action="OBSERVE",
                    bizStep="shipping",
                    epcList=[step[1]],
                    destinationList=to_customer,
                )
            )
        else:  # ship_fabric, checked above
            events.append(
                _event(
                    "ObjectEvent",
                    n,
                    action="OBSERVE",
                    bizStep="shipping",
                    quantityList=[{"epcClass": step[1], "quantity": step[2], "uom": "GRM"}],
                    destinationList=to_customer,
                )
            )
    return events, oracle


@settings(max_examples=300, deadline=None)
@given(steps)
def test_quantities_conserve_and_items_exist_once(raw: list[Step]) -> None:
    events, oracle = lifecycle(raw)
    document = {"type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}
    result = import_epcis(document, ImportOptions(receive_unknown_from="TRADER"))
    replayed = replay_lots(result.lot_events())
    assert replayed.rejected == ()
    got = {lot: [b.produced, b.received, b.shipped, b.consumed] for lot, b in replayed.balances.items()}
    assert got == {lot: t for lot, t in oracle.totals.items() if any(t)}
    for lot, balance in replayed.balances.items():
        assert balance.available >= 0
        if is_instance(lot):
            assert balance.produced + balance.received <= 1, lot  # exists once
    # nothing appears or vanishes: what came in is what went out or is still there
    came = sum(b.produced + b.received for b in replayed.balances.values())
    went = sum(b.shipped + b.consumed for b in replayed.balances.values())
    assert came - went == sum(b.available for b in replayed.balances.values())
    # every transformation's input went, whole, to its outputs
    for index, event in enumerate(events):
        if event["type"] == "TransformationEvent":
            drawn = sum(
                i.quantity
                for e in result.entries
                if e.index == index and isinstance(e.payload, LotProduce)
                for i in e.payload.inputs
            )
            assert drawn == event["inputQuantityList"][0]["quantity"]
