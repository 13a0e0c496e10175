"""Demo-sized scenarios of issue 13 ("Green claims that hold"), built from ledger entries.

The silicon–ferro park of the demo in its park's March (Asia/Shanghai, 744 hours from
2025-03-01T00:00+08:00), every hour:

- W-2 (wind, G-WIND2) 20 MWh; M-SI-FURNACE-1 (E-SILICON) 38 MWh; M-FESI-FURNACE-1 (E-FERRO) 45 MWh;
- GEC 1..14,880 of W-2's March issued by R-GEC to G-WIND2 (its whole metered 14,880 MWh);
- trade T-2025-001: G-WIND2 sells W-2 to E-SILICON for the silicon furnace; March settled at
  12,722 MWh with the 12,722 bundled GEC 1..12,722 (as in the demo's March), delivered 20 MWh an
  hour in time order (the first 636.1 hours).

Then either E-SILICON retires the bundled GEC for its furnace's March (``retire``), or transfers
them to E-FERRO, which retires them for the ferro furnace's March (``transfer``): the demo bug
counted the silicon furnace's contracted energy as claimed in both cases.
"""

from __future__ import annotations

from typing import Any

from ledger.log.keys import generate_key, public_key_b64
from tests.conftest import Park

MONTH = "2025-03"
HOURS = 744
START = "2025-03-01T00:00:00+08:00"
END = "2025-04-01T00:00:00+08:00"
MWH = 1_000_000
SETTLED_MWH = 12_722
W2_WH, SI_WH, FESI_WH = 20 * MWH, 38 * MWH, 45 * MWH


def month_period(start: str = START, end: str = END) -> dict[str, str]:
    """The consumption period of a retirement: one whole park-local month."""
    return {"period_start": start, "period_end": end}


def hourly(meter: str, value: int, hours: int = HOURS, start: str = START) -> dict[str, Any]:
    """A ``readings.batch`` of ``hours`` equal hourly values."""
    return {"meter": meter, "start": start, "resolution": "PT1H", "values": [value] * hours}


def setup_silicon_park(park: Park, *, time_zone: str | None = None, policy: str | None = None) -> Park:
    """Actors, park P-ORDOS (``time_zone`` / ``policy`` when given) and the three meters."""
    for actor, role in (
        ("PA-ORDOS", "park"),
        ("R-GEC", "registry"),
        ("E-SILICON", "enterprise"),
        ("E-FERRO", "enterprise"),
        ("G-WIND2", "generator"),
    ):
        key = generate_key()
        park.keys[actor] = key
        park.ledger.append(
            [
                park.sign(
                    "actor.register",
                    "operator",
                    {
                        "id": actor,
                        "name": actor,
                        "role": role,
                        "public_key": public_key_b64(key.public_key()),
                    },
                )
            ]
        )
    settings: dict[str, Any] = {}
    if time_zone is not None:
        settings["time_zone"] = time_zone
    if policy is not None:
        settings["vintage_policy"] = policy
    park.ledger.append(
        [
            park.sign(
                "park.register",
                "PA-ORDOS",
                {
                    "id": "P-ORDOS",
                    "name": "Ordos (test)",
                    "level": "national",
                    "admin": "PA-ORDOS",
                    **settings,
                },
            )
        ]
        + [
            park.sign(
                "meter.register",
                "PA-ORDOS",
                {"id": m, "owner": owner, "park": "P-ORDOS", "kind": kind, **extra},
            )
            for m, owner, kind, extra in (
                ("W-2", "G-WIND2", "generation", {"technology": "wind"}),
                ("M-SI-FURNACE-1", "E-SILICON", "consumption", {}),
                ("M-FESI-FURNACE-1", "E-FERRO", "consumption", {}),
            )
        ]
    )
    return park


def build_silicon_march(park: Park, *, retire_by: str | None) -> Park:
    """The module docstring's March; ``retire_by`` is ``"E-SILICON"`` (retire), ``"E-FERRO"``
    (transfer, then retire) or None (the bundled GEC stay held)."""
    setup_silicon_park(park)
    led = park.ledger
    led.append(
        [
            park.sign("readings.batch", "G-WIND2", hourly("W-2", W2_WH)),
            park.sign("readings.batch", "E-SILICON", hourly("M-SI-FURNACE-1", SI_WH)),
            park.sign("readings.batch", "E-FERRO", hourly("M-FESI-FURNACE-1", FESI_WH)),
        ]
    )
    units = W2_WH * HOURS // MWH
    led.append(
        [
            park.sign(
                "gec.issue",
                "R-GEC",
                {
                    "first": 1,
                    "last": units,
                    "mwh": units,
                    "generator_meter": "W-2",
                    "technology": "wind",
                    "vintage": MONTH,
                },
            ),
            park.sign(
                "trade.green_power",
                "G-WIND2",
                {
                    "id": "T-2025-001",
                    "seller": "G-WIND2",
                    "seller_meters": ["W-2"],
                    "buyer": "E-SILICON",
                    "buyer_meters": ["M-SI-FURNACE-1"],
                    "first_month": MONTH,
                    "last_month": MONTH,
                    "mwh": SETTLED_MWH,
                },
            ),
            park.sign(
                "trade.settle",
                "G-WIND2",
                {
                    "contract": "T-2025-001",
                    "month": MONTH,
                    "wh": SETTLED_MWH * MWH,
                    "gec_first": 1,
                    "gec_last": SETTLED_MWH,
                },
            ),
        ]
    )
    if retire_by is None:
        return park
    bundled = {"first": 1, "last": SETTLED_MWH}
    meter = {"E-SILICON": "M-SI-FURNACE-1", "E-FERRO": "M-FESI-FURNACE-1"}[retire_by]
    subs = []
    if retire_by != "E-SILICON":
        subs.append(park.sign("gec.transfer", "E-SILICON", {**bundled, "to": retire_by}))
    subs.append(
        park.sign(
            "gec.retire",
            retire_by,
            {**bundled, "beneficiary": retire_by, "consumer_meters": [meter], **month_period()},
        )
    )
    led.append(subs)
    return park
