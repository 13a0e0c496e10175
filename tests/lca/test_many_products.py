"""Many products from one factorisation give the numbers of separate LCAs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lca.calculate import compute_footprints
from lca.electricity import MeterElectricity, Period
from lca.footprint import FootprintResult
from lca.model import ProductModel, example_models, parse_model

JAN = Period(dt.date(2026, 1, 1), dt.date(2026, 2, 1))
METERS = {
    "M-AL-ANODE": 3_200_000_000,
    "M-AL-POTLINE-1": 200_000_000_000,
    "M-AL-POTLINE-2": 205_000_000_000,
    "M-AL-CAST": 4_000_000_000,
    "M-SI-FURNACE-1": 30_000_000_000,
    "M-FESI-FURNACE-1": 34_000_000_000,
    "M1": 4_000_000,
}


def attribution() -> list[MeterElectricity]:
    out = []
    for i, (meter, wh) in enumerate(sorted(METERS.items())):
        direct = wh * (i + 1) // 10
        cert = wh // 20
        out.append(
            MeterElectricity(
                meter,
                JAN,
                direct_wh={"wind": direct},
                direct_claimable_wh={"wind": direct // 2},
                certificate_wh={"solar": cert},
                grid_wh=wh - direct - cert,
                attribution_seq=7,
            )
        )
    return out


def models(tiny: dict[str, Any]) -> list[ProductModel]:
    tiny["electricity_factors"] = {"region": "CN"}  # national grid instead of the geography's CN-NM
    tiny["processes"][0]["inputs"][0]["background"] = "material/quartz"
    tiny["processes"][0]["inputs"][0]["unit"] = "kg"
    tiny["processes"][0]["inputs"][1]["background"] = "fuel/natural-gas/combustion"
    tiny["processes"][1]["inputs"][1]["background"] = "material/alumina"
    return [*example_models(), parse_model(tiny)]


def same(a: FootprintResult, b: FootprintResult, rel: float) -> None:
    assert a.product_id == b.product_id
    for field in ("total", "fossil", "biogenic", "land_use", "biogenic_co2"):
        assert getattr(a.market, field) == pytest.approx(getattr(b.market, field), rel=rel, abs=1e-9)
        assert getattr(a.location, field) == pytest.approx(getattr(b.location, field), rel=rel, abs=1e-9)


def test_one_factorisation_equals_separate_computations(
    tiny_model: Callable[[], dict[str, Any]], data_dir: Path
) -> None:
    ms = models(tiny_model())
    together = compute_footprints(ms, attribution(), data_dir)
    assert [r.product_id for r in together] == [m.id for m in ms]
    for m, r in zip(ms, together, strict=True):
        [alone] = compute_footprints([m], attribution(), data_dir)
        same(r, alone, rel=1e-12)
        assert sum(s.market.total for s in r.by_stage) == pytest.approx(r.market.total, rel=1e-12)
        assert sum(s.location.total for s in r.by_stage) == pytest.approx(r.location.total, rel=1e-12)
        assert r.attribution_seqs == (7,)


def test_matches_a_fresh_bw2calc_lca_per_product(
    tiny_model: Callable[[], dict[str, Any]], data_dir: Path
) -> None:
    """The oracle: bw2calc.LCA over the foreground written into the bw2data project.

    bw2data stores amounts as float32, so agreement is to about 1e-6.
    """
    import bw2calc as bc

    from lca.gases import METHOD
    from lca.project import FOREGROUND_DATABASE, open_project
    from lca.system import model_period
    from lca.units import conversion_factor

    ms = models(tiny_model())
    results = compute_footprints(ms, attribution(), data_dir)
    bd = open_project(data_dir)
    for m, r in zip(ms, results, strict=True):
        assert model_period(m) == JAN
        node = bd.get_node(database=FOREGROUND_DATABASE, code=f"{m.id}/{m.reference_process}")
        ref = m.process(m.reference_process)
        demand = m.product.declared_unit.amount / conversion_factor(ref.output.unit, "kg")
        lca = bc.LCA({node: demand}, method=METHOD)
        lca.lci()
        lca.lcia()
        assert lca.score == pytest.approx(r.market.total, rel=2e-6)


def test_example_models_compute(tiny_model: Callable[[], dict[str, Any]], data_dir: Path) -> None:
    results = {r.product_id: r for r in compute_footprints(example_models(), attribution(), data_dir)}
    al = results["example-al-ingot-a00"]
    si = results["example-mg-silicon-553"]
    fesi = results["example-fesi75"]
    # plausible magnitudes, kg CO2e per tonne
    assert 5_000 < al.market.total < 20_000
    assert al.location.total > al.market.total  # some green electricity is claimed
    assert si.market.biogenic_co2 > 0 and si.market.biogenic > 0
    assert fesi.market.total > 0
    assert {s.stage for s in al.by_stage} == {"anode production", "electrolysis", "casting"}
    assert al.unverified_factors  # estimates are flagged, never presented as official


def test_adjoint_path_equals_textbook_forward_solves(
    tiny_model: Callable[[], dict[str, Any]], data_dir: Path
) -> None:
    from lca.background import load_background
    from lca.calculate import build_linear_system, footprints_from_system, textbook_scores
    from lca.electricity import index_attribution
    from lca.system import compile_system

    bg = load_background()
    system = compile_system(models(tiny_model()), index_attribution(attribution()), bg)
    linear = build_linear_system(system, data_dir, bg, persist=False)
    results = footprints_from_system(linear, system.plans, bg.version)
    for r, textbook in zip(results, textbook_scores(linear, system.plans), strict=True):
        assert r.market.total == pytest.approx(textbook, rel=1e-12)
