"""The ``footprint.publish`` kind: rules, supersession and the projection."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from lca.kinds import get_footprint, list_footprints
from ledger.errors import LedgerError
from tests.conftest import Park


def payload(
    footprint_id: str,
    *,
    product: str = "AL-INGOT",
    supersedes: list[str] | None = None,
    run: int | None = None,
    total: float = 4.2,
) -> dict[str, Any]:
    ghg = {"total": total, "fossil": total, "biogenic": 0.0, "land_use": 0.0, "biogenic_co2_kg": 0.0}
    return {
        "footprint_id": footprint_id,
        "supersedes": supersedes or [],
        "product_id": product,
        "product_name": "Aluminium ingot",
        "product_ids": ["urn:tanji:product:al"],
        "product_classifications": [],
        "period_start": "2025-01-01",
        "period_end": "2026-01-01",
        "lot": None,
        "geography_country": "CN",
        "geography_subdivision": "CN-NM",
        "declared_unit": "kilogram",
        "declared_unit_amount": 1.0,
        "mass_per_declared_unit_kg": 1.0,
        "fossil_carbon_content_kg": 0.0,
        "boundary": "cradle-to-gate",
        "results": {
            "market": ghg,
            "location": {**ghg, "total": total * 3},
            "by_stage": [],
            "electricity": {
                "total_kwh": 14.0,
                "claimable_green_kwh": 7.0,
                "direct_physical_kwh": 7.0,
                "contracted_kwh": 0.0,
                "certificate_kwh": 0.0,
                "grid_kwh": 7.0,
            },
        },
        "primary_data_share": 80.0,
        "dqi": None,
        "model_sha256": "ab" * 32,
        "attribution_run_seq": run,
        "background_version": "test",
        "unverified_factors": [],
    }


def test_publish_and_supersede(make_park: Callable[[], Park]) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    park.ledger.append([park.sign("footprint.publish", "E-1", payload(first))])
    park.ledger.append(
        [park.sign("footprint.publish", "E-1", payload(second, supersedes=[first], total=3.9))]
    )
    with park.ledger.db.read_session() as s:
        old, new = get_footprint(s, first), get_footprint(s, second)
        assert old is not None and new is not None
        assert (old.status, old.superseded_by) == ("Deprecated", second)
        assert (new.status, new.supersedes, new.pcf_market) == ("Active", (first,), 3.9)
        assert [f.footprint_id for f in list_footprints(s, actor="E-1")] == [first, second]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("duplicate", "footprint.exists"),
        ("unknown_supersedes", "footprint.unknown"),
        ("other_product", "footprint.product_mismatch"),
        ("other_owner", "footprint.not_owner"),
        ("twice", "footprint.superseded"),
        ("not_a_run", "footprint.run_unknown"),
        ("not_enterprise", "actor.role_forbidden"),
        ("bad_id", "schema.invalid"),
    ],
)
def test_rules(make_park: Callable[[], Park], case: str, code: str) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    park.register("E-2", "enterprise")
    park.register("V-1", "verifier")
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    park.ledger.append([park.sign("footprint.publish", "E-1", payload(a))])
    park.ledger.append([park.sign("footprint.publish", "E-1", payload(b, supersedes=[a]))])
    new = str(uuid.uuid4())
    actor, body = "E-1", payload(new)
    if case == "duplicate":
        body = payload(a, total=1.0)
    elif case == "unknown_supersedes":
        body = payload(new, supersedes=[str(uuid.uuid4())])
    elif case == "other_product":
        body = payload(new, product="SI-METAL", supersedes=[b])
    elif case == "other_owner":
        actor, body = "E-2", payload(new, supersedes=[b])
    elif case == "twice":
        body = payload(new, supersedes=[a])
    elif case == "not_a_run":
        body = payload(new, run=1)
    elif case == "not_enterprise":
        actor = "V-1"
    else:
        body = payload("not-a-uuid")
    size = park.ledger.size()
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("footprint.publish", actor, body)])
    assert e.value.code == code, e.value
    assert park.ledger.size() == size
