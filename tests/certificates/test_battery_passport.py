"""A published battery footprint as a battery passport's carbon-footprint section (and back)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from certificates.battery_passport import passport_from_publish, passport_of_footprint
from certificates.errors import NotIssuable
from lca.publish import FootprintPublish
from tests.conftest import Park
from tests.lca.test_kinds import derived, model_doc, payload
from traceability.battery_passport import BatteryCarbonFootprint
from traceability.errors import InconsistentPassport, InvalidPassport

# kg CO2e per battery by the model's own stage names (location-based; market-based one tenth lower)
STAGES = {"raw materials": 2023.04, "production": 676.8, "transport": 64.8, "end of life": 115.2}


def battery(
    unit: str = "piece", stages: dict[str, float] | None = None, total: float | None = None
) -> dict[str, Any]:
    p = payload(str(uuid.uuid4()), product="PACK-60", total=1.0)
    by_stage = stages or STAGES
    location = total if total is not None else sum(by_stage.values())
    p["declared_unit"] = unit
    p["results"]["location"] = {**p["results"]["location"], "total": location, "fossil": location}
    p["results"]["market"] = {**p["results"]["market"], "total": location * 0.9, "fossil": location * 0.9}
    p["results"]["by_stage"] = [{"stage": s, "location": v, "market": v * 0.9} for s, v in by_stage.items()]
    return p


def battery_model() -> dict[str, Any]:
    """A battery pack's model: one process per stage of :data:`STAGES`, each emitting its stage's
    figure as fossil CO2 and passing its pack on to the next."""
    doc = model_doc("PACK-60")
    doc["product"]["declared_unit"] = {"unit": "piece", "amount": 1}
    names = list(STAGES)
    doc["processes"] = [
        {
            "id": f"s{i}",
            "name": name,
            "stage": name,
            "output": {"amount": 1, "unit": "piece"},
            "inputs": []
            if i == 0
            else [{"id": "pack", "process": f"s{i - 1}", "amount": 1, "unit": "piece"}],
            "emissions": [{"gas": "co2_fossil", "amount": STAGES[name]}],
        }
        for i, name in enumerate(names)
    ]
    doc["reference_process"] = f"s{len(names) - 1}"
    return doc


def publish(p: dict[str, Any]) -> FootprintPublish:
    return FootprintPublish.model_validate(
        {k: v for k, v in p.items() if k not in ("footprint_id", "supersedes")}
    )


def test_a_footprint_per_battery_becomes_the_passport_section() -> None:
    passport = passport_from_publish(
        publish(battery()),
        declaration_id="CFD-2026-0042",
        lifetime_kwh=Decimal(72),
        performance_class="B",
        standard="Regulation (EU) 2023/1542, Annex II",
        verification_body="NB 0123",
        battery_id="https://id.gs1.org/01/04012345000139/21/PACK-2026-0042",
    )
    section = passport.to_json()["carbonFootprint"]
    assert section["batteryCarbonFootprint"] == 40.0 and section["declaredUnit"] == "kWh"
    assert section["carbonFootprintPerLifecycleStage"] == [
        {"lifecycleStage": "RawMaterialExtraction", "carbonFootprint": 28.1},
        {"lifecycleStage": "MainProduction", "carbonFootprint": 9.4},
        {"lifecycleStage": "Distribution", "carbonFootprint": 0.9},
        {"lifecycleStage": "Recycling", "carbonFootprint": 1.6},
    ]
    assert section["absoluteCarbonFootprint"] == 2879.84 and section["carbonFootprintPerformanceClass"] == "B"
    # and back: what Tanji writes it reads, to the same figures
    assert BatteryCarbonFootprint.from_json(passport.to_json()) == passport
    market = passport_from_publish(
        publish(battery()), declaration_id="D", lifetime_kwh=Decimal(72), basis="market"
    )
    assert market.total == Decimal("36.00")


def test_per_kwh_footprints_and_refusals() -> None:
    per_kwh = {s: v / 72 for s, v in STAGES.items()}
    passport = passport_from_publish(publish(battery("kilowatt hour", per_kwh)), declaration_id="D")
    assert passport.total == Decimal("40.00") and passport.absolute_kg_co2e is None
    with pytest.raises(InvalidPassport, match="per 'kilogram'"):
        passport_from_publish(publish(battery("kilogram")), declaration_id="D")
    with pytest.raises(InvalidPassport, match="per 'piece'"):
        passport_from_publish(publish(battery()), declaration_id="D")  # no lifetime energy given
    with pytest.raises(InvalidPassport, match="'cell assembly'"):
        passport_from_publish(
            publish(battery(stages={"cell assembly": 1.0})), declaration_id="D", lifetime_kwh=Decimal(1)
        )
    with pytest.raises(InconsistentPassport, match="stated total"):
        passport_from_publish(publish(battery(total=3600.0)), declaration_id="D", lifetime_kwh=Decimal(72))


def test_from_the_ledger(make_park: Callable[[], Park]) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    p = derived(park, "E-1", battery_model())  # a footprint the ledger re-computes
    park.ledger.append([park.sign("footprint.publish", "E-1", p)])
    passport = passport_of_footprint(
        park.ledger, p["footprint_id"], declaration_id="D", lifetime_kwh=Decimal(72)
    )
    assert passport.total == Decimal("40.00")
    with pytest.raises(NotIssuable):
        passport_of_footprint(park.ledger, str(uuid.uuid4()), declaration_id="D")
