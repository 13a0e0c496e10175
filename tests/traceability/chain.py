"""A hand-built ledger: alumina -> aluminium (smelter, wind via a direct link) -> extrusion."""

from __future__ import annotations

from typing import Any

from traceability.plan import Entry

PACT_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
DAY = {"start": "2026-03-01T00:00:00+08:00", "resolution": "PT1H", "values": [1000] * 24}
MARCH_1 = {"period_start": "2026-03-01T00:00:00+08:00", "period_end": "2026-03-02T00:00:00+08:00"}


def _produce(
    lot: str,
    product: str,
    qty: int,
    meter: str,
    share: str,
    start: str,
    end: str,
    inputs: list[tuple[str, int]],
) -> dict[str, Any]:
    return {
        "lot_id": lot,
        "product": product,
        "quantity": qty,
        "unit": "g",
        "period_start": start,
        "period_end": end,
        "meters": [{"meter_id": meter, "share": share}],
        "inputs": [{"lot_id": i, "quantity": q, "unit": "g"} for i, q in inputs],
    }


RAW: list[tuple[str, str, dict[str, Any]]] = [
    ("actor.register", "A-PARK", {"id": "A-REG", "name": "GEC registry", "role": "registry"}),  # 1
    ("actor.register", "A-PARK", {"id": "A-WIND", "name": "Wind farm", "role": "generator"}),  # 2
    ("actor.register", "A-PARK", {"id": "A-SMELT", "name": "Smelter", "role": "enterprise"}),  # 3
    ("actor.register", "A-PARK", {"id": "A-EXT", "name": "Extruder", "role": "enterprise"}),  # 4
    ("actor.register", "A-PARK", {"id": "A-BUY", "name": "Buyer", "role": "buyer"}),  # 5
    (
        "meter.register",
        "A-WIND",
        {"id": "W-2", "owner": "A-WIND", "kind": "generation", "technology": "wind"},
    ),  # 6
    ("meter.register", "A-SMELT", {"id": "M-7", "owner": "A-SMELT", "kind": "consumption"}),  # 7
    ("meter.register", "A-EXT", {"id": "M-9", "owner": "A-EXT", "kind": "consumption"}),  # 8
    (
        "supply.direct_link",
        "A-SMELT",
        {
            "id": "DL-1",
            "generation_meters": ["W-2"],
            "consumer_meters": ["M-7"],
            "grid_meters": [],
            "valid_from": "2026-01-01T00:00:00+08:00",
        },
    ),  # 9
    ("readings.batch", "A-WIND", {"meter": "W-2", **DAY}),  # 10
    ("readings.batch", "A-SMELT", {"meter": "M-7", **DAY}),  # 11
    ("readings.batch", "A-EXT", {"meter": "M-9", **DAY}),  # 12
    (
        "gec.issue",
        "A-REG",
        {
            "first": 1,
            "last": 100,
            "generator_meter": "W-2",
            "technology": "wind",
            "vintage": "2026-03",
        },
    ),  # 13
    (
        "gec.transfer",
        "A-WIND",
        {"first": 1, "last": 50, "to": "A-SMELT"},
    ),  # 14
    (
        "gec.retire",
        "A-SMELT",
        {
            "first": 1,
            "last": 50,
            "beneficiary": "Smelter",
            "consumer_meters": ["M-7"],
            **MARCH_1,
        },
    ),  # 15
    (
        "lot.receive",
        "A-SMELT",
        {
            "lot_id": "ALUMINA-1",
            "supplier": "A-SUP",
            "quantity": 4_000_000,
            "unit": "g",
            "product": "alumina",
            "footprint": {"kind": "pact", "id": PACT_ID},
        },
    ),  # 16
    (
        "lot.produce",
        "A-SMELT",
        _produce(
            "AL-1",
            "aluminium",
            2_000_000,
            "M-7",
            "1",
            "2026-03-01T08:00:00+08:00",
            "2026-03-01T16:00:00+08:00",
            [("ALUMINA-1", 3_900_000)],
        ),
    ),  # 17
    (
        "lot.ship",
        "A-SMELT",
        {"lot_id": "AL-1", "quantity": 1_000_000, "unit": "g", "customer": "A-BUY"},
    ),  # 18
    (
        "attribution.run",
        "A-SMELT",
        {
            "meters": ["M-7"],
            "first_month": "2026-03",
            "last_month": "2026-03",
            "log_start": 1,
            "log_end": 19,
            "method": "1",
            "sha256": "ab" * 32,
        },
    ),  # 19
    (
        "lot.produce",
        "A-EXT",
        _produce(
            "EXT-1",
            "extrusion",
            950_000,
            "M-9",
            "0.5",
            "2026-03-01T10:00:00+08:00",
            "2026-03-01T12:00:00+08:00",
            [("AL-1", 1_000_000)],
        ),
    ),  # 20
    (
        "footprint.publish",
        "A-SMELT",
        {"footprint_id": "FP-AL-1", "lot": "AL-1", "product_id": "aluminium"},
    ),  # 21
    (
        "footprint.publish",
        "A-EXT",
        {"footprint_id": "FP-EXT-1", "lots": ["EXT-1"], "product_id": "extrusion"},
    ),  # 22
    ("certificate.issue", "A-EXT", {"id": "C-1", "footprint": "FP-EXT-1"}),  # 23
    (
        "readings.correct",
        "A-SMELT",
        {"meter": "M-7", "replaces": [11], "reason": "CT ratio", **DAY},
    ),  # 24
    ("certificate.revoke", "A-EXT", {"id": "C-1", "reason": "meter M-7 corrected"}),  # 25
    ("park.register", "A-PARK", {"id": "P-1"}),  # 26: no mapping, counted as ignored
]


def chain_entries() -> list[Entry]:
    return [Entry(seq, kind, actor, payload) for seq, (kind, actor, payload) in enumerate(RAW, start=1)]
