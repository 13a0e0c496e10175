"""The carbon-footprint section of a battery passport: parsed exactly, refused when it does not add up."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from traceability.battery_passport import BatteryCarbonFootprint, stage_name
from traceability.declared import rounding_tolerance
from traceability.errors import InconsistentPassport, InvalidPassport

DOCS = Path(__file__).parent / "documents"


def test_parse_and_write_back() -> None:
    text = (DOCS / "battery_passport.json").read_text(encoding="utf-8")
    passport = BatteryCarbonFootprint.from_json(text)
    assert passport.declaration_id == "CFD-2026-0042" and passport.total == Decimal("40.0")
    assert [(s.stage, s.kg_co2e_per_kwh) for s in passport.stages] == [
        ("RawMaterialExtraction", Decimal("28.1")),
        ("MainProduction", Decimal("9.4")),
        ("Distribution", Decimal("0.9")),
        ("Recycling", Decimal("1.6")),
    ]
    assert (passport.performance_class, passport.verification_body) == ("B", "NB 0123 (notified body)")
    assert passport.battery_id is not None and passport.battery_id.endswith("PACK-2026-0042")
    assert passport.to_json() == json.loads(text)  # everything read is written back
    assert BatteryCarbonFootprint.from_json(passport.to_json()) == passport
    # the section alone is a passport too
    assert BatteryCarbonFootprint.from_json(json.loads(text)["carbonFootprint"]).total == Decimal("40.0")
    declared = passport.to_declared()
    assert (declared.declared_unit, declared.declared_amount, declared.kg_co2e) == (
        "kilowatt hour",
        Decimal(1),
        Decimal("40.0"),
    )
    assert declared.standard == "Regulation (EU) 2023/1542, Annex II" and len(declared.stages) == 4


def test_inconsistent_totals_are_a_named_error_with_their_numbers() -> None:
    with pytest.raises(InconsistentPassport) as e:
        BatteryCarbonFootprint.from_json((DOCS / "battery_passport_inconsistent.json").read_bytes())
    error = e.value
    assert error.code == "traceability.passport.inconsistent"
    assert error.message.startswith("battery passport CFD-2026-0043: the life-cycle stages add up to 50.3 ")
    for part in (
        "30.1 (RawMaterialExtraction)",
        "15.2 (MainProduction)",
        "stated total is 40.0",
        "off by 10.3",
    ):
        assert part in error.message, part
    assert error.details["stages"] == {
        "RawMaterialExtraction": "30.1",
        "MainProduction": "15.2",
        "Distribution": "2.0",
        "Recycling": "3.0",
    }


@pytest.mark.parametrize(
    ("stages", "total", "ok"),
    [
        (["28.1", "9.4", "0.9", "1.6"], "40.0", True),
        (["28.1", "9.4", "0.9", "1.6"], "40.2", True),  # five figures rounded to 0.1: up to 0.25 apart
        (["28.1", "9.4", "0.9", "1.6"], "40.3", False),
        (["28", "9", "1", "2"], "42", True),
        (["28", "9", "1", "2"], "43", False),
    ],
)
def test_rounding_tolerance(stages: list[str], total: str, ok: bool) -> None:
    section = {
        "declarationId": "D",
        "batteryCarbonFootprint": total,
        "carbonFootprintPerLifecycleStage": [
            {"lifecycleStage": name, "carbonFootprint": value}
            for name, value in zip(
                ("RawMaterialExtraction", "MainProduction", "Distribution", "Recycling"), stages, strict=True
            )
        ],
    }
    if ok:
        BatteryCarbonFootprint.from_json(section)
    else:
        with pytest.raises(InconsistentPassport):
            BatteryCarbonFootprint.from_json(section)
    assert rounding_tolerance([Decimal("40.0"), Decimal("1")]) == Decimal("0.1")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"declaredUnit": "kg"}, "per kWh"),
        ({"carbonFootprintPerLifecycleStage": []}, "non-empty"),
        ({"carbonFootprintPerLifecycleStage": [{"lifecycleStage": "Use", "carbonFootprint": 1}]}, "'Use'"),
        ({"batteryCarbonFootprint": "-1"}, ">= 0"),
        ({"batteryCarbonFootprint": True}, "not a number"),
        ({"declarationId": ""}, "declarationId"),
        (
            {
                "carbonFootprintPerLifecycleStage": [
                    {"lifecycleStage": "Recycling", "carbonFootprint": 20},
                    {"lifecycleStage": "end of life", "carbonFootprint": 20},
                ]
            },
            "distinct",
        ),
    ],
)
def test_malformed_passports(change: dict[str, object], says: str) -> None:
    section = json.loads((DOCS / "battery_passport.json").read_text())["carbonFootprint"] | change
    with pytest.raises(InvalidPassport, match=says):
        BatteryCarbonFootprint.from_json(section)
    with pytest.raises(InvalidPassport, match="no carbonFootprint"):
        BatteryCarbonFootprint.from_json({"batteryIdentifier": "x"})


def test_from_stage_totals_and_aliases() -> None:
    assert stage_name("Raw material acquisition and pre-processing") == "RawMaterialExtraction"
    assert stage_name("end-of-life") == stage_name("EoL") == "Recycling"
    passport = BatteryCarbonFootprint.from_stage_totals(
        {"raw materials": 2023.04, "production": 676.8, "transport": 64.8, "end of life": 115.2},
        kwh=Decimal(72),
        declaration_id="CFD-X",
        total=2879.84,
    )
    assert passport.total == Decimal("40.00")
    assert [str(s.kg_co2e_per_kwh) for s in passport.stages] == ["28.10", "9.40", "0.90", "1.60"]
    with pytest.raises(InconsistentPassport, match="stated total is 50.00"):
        BatteryCarbonFootprint.from_stage_totals(
            {"raw materials": 2023.04, "production": 676.8},
            kwh=Decimal(72),
            declaration_id="CFD-Y",
            total=3600,
        )
