"""A lot chain on a real ledger: alumina -> aluminium -> extrusion -> customer (seqs 13-22).

Built on ``tests.conftest.setup_energy_park`` (seqs 0-12). Shared by the kind, graph and CLI tests.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Park
from tests.ledger.energy_helpers import batch
from traceability.graph import EvidenceGraph

PACT_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
JAN_1 = "2026-01-01T00:00:00+08:00"


def produce(
    lot: str,
    qty: int,
    meters: list[tuple[str, str]],
    inputs: list[tuple[str, int]],
    start: str = "2026-01-01T08:00:00+08:00",
    end: str = "2026-01-01T16:00:00+08:00",
    unit: str = "g",
    product: str = "aluminium",
) -> dict[str, Any]:
    return {
        "lot_id": lot,
        "product": product,
        "quantity": qty,
        "unit": unit,
        "period_start": start,
        "period_end": end,
        "meters": [{"meter_id": m, "share": s} for m, s in meters],
        "inputs": [{"lot_id": i, "quantity": q, "unit": unit} for i, q in inputs],
    }


def ship(lot: str, qty: int, customer: str, unit: str = "g") -> dict[str, Any]:
    return {"lot_id": lot, "quantity": qty, "unit": unit, "customer": customer}


def build_chain(park: Park) -> Park:
    """Seqs 13-23 on the energy park; returns the park."""
    park.register("B-1", "buyer")  # 13
    link: dict[str, object] = {
        "id": "L-1",
        "name": "Wind to smelter",
        "park": "P-1",
        "generation_meters": ["W-1"],
        "consumer_meters": ["C-1"],
        "valid_from": "2026-01-01T00:00:00+08:00",
    }
    park.ledger.append(
        [
            park.sign("supply.direct_link", "E-1", link),  # 14
            park.sign("readings.batch", "G-1", batch("W-1", JAN_1)),  # 15
            park.sign("readings.batch", "E-1", batch("C-1", JAN_1)),  # 16
            park.sign("readings.batch", "E-2", batch("C-3", JAN_1)),  # 17
        ]
    )
    park.ledger.append(
        [
            park.sign(
                "lot.receive",
                "E-1",
                {
                    "lot_id": "ALUMINA-1",
                    "supplier": "SUP-1",
                    "quantity": 4_000_000,
                    "unit": "g",
                    "product": "alumina",
                    "footprint": {"kind": "pact", "id": PACT_ID},
                },
            ),  # 18
            park.sign(
                "lot.produce", "E-1", produce("AL-1", 2_000_000, [("C-1", "1")], [("ALUMINA-1", 3_900_000)])
            ),
            park.sign("lot.ship", "E-1", ship("AL-1", 1_000_000, "E-2")),  # 20: moves 1 t to E-2
            park.sign(
                "lot.produce",
                "E-2",
                produce(
                    "EXT-1",
                    950_000,
                    [("C-3", "0.5")],
                    [("AL-1", 1_000_000)],
                    start="2026-01-01T10:00:00+08:00",
                    end="2026-01-01T12:00:00+08:00",
                    product="extrusion",
                ),
            ),  # 21
            park.sign("lot.ship", "E-2", ship("EXT-1", 900_000, "B-1")),  # 22
        ]
    )
    return park


def snapshot(graph: EvidenceGraph) -> tuple[Any, ...]:
    """Everything a graph holds: nodes and edges with attributes, last seq, counts."""
    g = graph.graph
    nodes = sorted((n, repr(sorted(d.items()))) for n, d in g.nodes(data=True))
    edges = sorted((u, v, repr(sorted(d.items()))) for u, v, d in g.edges(data=True))
    stats = graph.stats()
    return nodes, edges, graph.last_seq, stats.ignored, stats.rejected
