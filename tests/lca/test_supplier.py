"""Supplier footprints (PACT or Tanji certificate) pass through as cradle-to-gate activities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lca.background import Background
from lca.calculate import compute_footprints
from lca.model import parse_model


def supplier_model(supplier: dict[str, Any], amount: float = 2.0, unit: str = "kg") -> dict[str, Any]:
    return {
        "schema": "tanji.product-model/1",
        "id": "bought-in",
        "product": {
            "name": "Repacked powder",
            "declared_unit": {"unit": "kilogram", "amount": 1},
            "mass_per_declared_unit_kg": 1,
        },
        "reference_period": {"start": "2026-01-01", "end": "2026-02-01"},
        "geography": {"country": "CN"},
        "reference_process": "repack",
        "processes": [
            {
                "id": "repack",
                "name": "Repacking",
                "stage": "packing",
                "output": {"amount": 1, "unit": "kg"},
                "inputs": [{"id": "powder", "amount": amount, "unit": unit, "supplier": supplier}],
            }
        ],
    }


PACT = {
    "pact": {
        "id": "5f1c3a0e-0000-4000-8000-000000000002",
        "declaredUnitOfMeasurement": "kilogram",
        "declaredUnitAmount": 1,
        "pcfExcludingBiogenicUptake": 1.5,
        "fossilGhgEmissions": 1.2,
        "primaryDataShare": 50,
    }
}


def test_pact_footprint_passes_through(tiny_background: Background, data_dir: Path) -> None:
    [r] = compute_footprints([parse_model(supplier_model(PACT))], [], data_dir, background=tiny_background)
    assert r.market.total == pytest.approx(3.0, rel=1e-12)
    assert r.market.fossil == pytest.approx(2.4, rel=1e-12)
    assert r.market.biogenic == pytest.approx(0.6, rel=1e-12)
    assert r.location.total == pytest.approx(3.0, rel=1e-12)
    assert r.primary_data_share == pytest.approx(50.0, rel=1e-12)
    [contrib] = r.by_input
    assert contrib.kind == "supplier" and contrib.market.total == pytest.approx(3.0)


def test_pact_declared_per_tonne_used_in_kg(tiny_background: Background, data_dir: Path) -> None:
    pact = {"pact": dict(PACT["pact"], declaredUnitAmount=1000)}  # 1.5 kg CO2e per 1000 kg
    [r] = compute_footprints(
        [parse_model(supplier_model(pact, amount=2, unit="t"))],
        [],
        data_dir,
        background=tiny_background,
    )
    assert r.market.total == pytest.approx(3.0, rel=1e-12)


def test_certificate_reference_passes_through(tiny_background: Background, data_dir: Path) -> None:
    cert = {
        "certificate": {
            "certificate_id": "TJ-CERT-0001",
            "issuer": "A-smelter",
            "unit": "t",
            "amount": 1,
            "total_kg_co2e": 1500,
            "fossil_kg_co2e": 1400,
            "land_use_kg_co2e": 100,
            "primary_data_share": 80,
        }
    }
    [r] = compute_footprints([parse_model(supplier_model(cert))], [], data_dir, background=tiny_background)
    assert r.market.total == pytest.approx(3.0, rel=1e-12)
    assert r.market.land_use == pytest.approx(0.2, rel=1e-12)
    assert r.primary_data_share == pytest.approx(80.0, rel=1e-12)


def test_pact_parts_must_add_up(tiny_background: Background, data_dir: Path) -> None:
    from lca.errors import InvalidModel

    bad = {"pact": dict(PACT["pact"], fossilGhgEmissions=2.0)}
    with pytest.raises(InvalidModel, match="below fossil"):
        compute_footprints([parse_model(supplier_model(bad))], [], data_dir, background=tiny_background)
