"""The footprint.publish payload: canonical bytes, model hash, PACT v3 fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
import yaml

from lca.background import Background
from lca.calculate import compute_footprints
from lca.model import example_models, load_model, parse_model
from lca.publish import FootprintPublish, pact_fields
from tests.lca.conftest import grid_only


@pytest.fixture
def published(
    tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> FootprintPublish:
    d = tiny_model()
    d["data_quality"] = {"technological": 2, "geographical": 1.5, "temporal": 1}
    model = parse_model(d)
    [r] = compute_footprints([model], [grid_only()], data_dir, background=tiny_background)
    return FootprintPublish.from_result(r, model, attribution_run_seq=41)


def test_payload_fields(published: FootprintPublish) -> None:
    p = published
    assert p.results.market.total == pytest.approx(16.95196, rel=1e-12)
    assert p.results.location.total == pytest.approx(16.75196, rel=1e-12)
    assert [s.stage for s in p.results.by_stage] == ["parts", "assembly"]
    assert p.attribution_run_seq == 41
    assert p.background_version == "test-1+factors.test-grid-1"
    g = p.grid_factors
    assert g is not None and (g.region, g.period_year) == ("CN-NM", 2026)
    assert (g.location.key, g.location.year, g.location.kg_co2_per_kwh) == (
        "electricity/grid/cn-nm/2026",
        2026,
        0.5,
    )
    assert (g.market_unclaimed.status, g.market_unclaimed.kg_co2_per_kwh) == ("derived", 0.6)
    assert len(p.model_sha256) == 64
    assert p.method == "IPCC AR6 GWP100"


def test_canonical_bytes_round_trip(published: FootprintPublish) -> None:
    raw = published.canonical_json()
    again = FootprintPublish.model_validate_json(raw)
    assert again == published
    assert again.canonical_json() == raw
    assert published.sha256() == hashlib.sha256(raw).hexdigest()


def test_model_hash_is_of_canonical_json_and_format_independent(tmp_path: Path) -> None:
    [model, *_] = example_models()
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    as_json = tmp_path / "m.json"
    as_json.write_text(json.dumps(data, indent=4, ensure_ascii=False), encoding="utf-8")
    as_yaml = tmp_path / "m.yaml"
    as_yaml.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    expected = hashlib.sha256(rfc8785.dumps(data)).hexdigest()
    assert model.sha256() == expected
    assert load_model(as_json).sha256() == expected
    assert load_model(as_yaml).sha256() == expected
    data["processes"][0]["inputs"][0]["amount"] += 0.001
    assert parse_model(data).sha256() != expected


def test_result_of_another_model_is_refused(
    published: FootprintPublish,
    tiny_model: Callable[[], dict[str, Any]],
    tiny_background: Background,
    data_dir: Path,
) -> None:
    model = parse_model(tiny_model())
    [r] = compute_footprints([model], [grid_only()], data_dir, background=tiny_background)
    other = tiny_model()
    other["processes"][0]["inputs"][0]["amount"] = 0.6
    with pytest.raises(ValueError, match="does not match"):
        FootprintPublish.from_result(r, parse_model(other))


def test_pact_v3_fields(published: FootprintPublish) -> None:
    f = pact_fields(published)
    pcf = f["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == "kilogram"
    assert pcf["declaredUnitAmount"] == "1"
    assert pcf["productMassPerDeclaredUnit"] == "1"
    assert pcf["pcfExcludingBiogenicUptake"] == "16.95196"
    assert pcf["pcfIncludingBiogenicUptake"] == "16.95196"
    assert pcf["fossilGhgEmissions"] == "16.68196"
    assert pcf["biogenicNonCO2Emissions"] == "0.27"
    assert pcf["fossilCarbonContent"] == "0"
    assert pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert "ISO14067" in pcf["crossSectoralStandards"]
    # [2026-01-01, 2026-02-01) in Asia/Shanghai
    assert pcf["referencePeriodStart"] == "2025-12-31T16:00:00Z"
    assert pcf["referencePeriodEnd"] == "2026-01-31T16:00:00Z"
    # one granularity only (PACT v3): the subdivision, which names the country too
    assert pcf["geographyCountrySubdivision"] == "CN-NM"
    assert "geographyCountry" not in pcf
    assert pcf["dqi"] == {"technologicalDQR": "2", "geographicalDQR": "1.5", "temporalDQR": "1"}
    assert float(pcf["primaryDataShare"]) == pytest.approx(100 * (2 * 0.738 + 0.27) / 16.95196, abs=0.01)
    assert f["productFootprint"]["productIds"] == ["urn:tanji:test:widget"]
    assert f["tanji"]["locationBasedPcf"] == "16.75196"
    assert f["tanji"]["attributionRunSeq"] == 41
    json.dumps(f)  # JSON-ready
