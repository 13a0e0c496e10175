"""Compute footprints of many products from one factorisation (the Brightway shell).

:func:`compute_footprints` is the one entry point: it compiles the models
(pure, errors before Brightway is touched), writes the foreground into the
offline Brightway project, lets bw2data/bw2calc build the technosphere,
biosphere and characterisation matrices and factorises the technosphere once.
Unit cradle-to-gate scores of every product come from ``Aᵀ λ = Bᵀ c`` with
those factors (one solve per GHG category, all products at once); each
product then needs only its foreground supply and arithmetic, which gives the
contribution breakdown by process, input and stage. Each result's total is checked against the
adjoint score ``λ · f``; :func:`textbook_scores` recomputes ``c · B · A⁻¹ f``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import scipy.sparse as sp

from lca.background import Background, load_background
from lca.electricity import MeterElectricity, index_attribution
from lca.errors import BrightwayError, InvalidModel, LcaError
from lca.footprint import CATEGORIES, FootprintResult, Ghg, assemble_footprint, gas_scores
from lca.gases import BIOSPHERE_DATABASE, GASES
from lca.library_output import brightway_output
from lca.model import ProductModel
from lca.project import BACKGROUND_DATABASE, FOREGROUND_DATABASE, brightway_dir, setup_project
from lca.solver import FloatArray, factorise
from lca.system import (
    BackgroundSystem,
    ForegroundSystem,
    ProductPlan,
    background_system,
    compile_system,
)
from ledger import tanji_home


@dataclass(frozen=True, slots=True)
class LinearSystem:
    """Matrices of one period with their code indices (rows = products, cols = activities)."""

    technosphere: sp.csc_matrix
    biosphere: sp.csr_matrix
    characterisation: Mapping[str, FloatArray]  # category -> cf per biosphere row
    product_index: Mapping[str, int]
    activity_index: Mapping[str, int]


def _foreground_data(system: ForegroundSystem) -> dict[tuple[str, str], dict[str, object]]:
    data: dict[tuple[str, str], dict[str, object]] = {}
    bg_prefix = "bg:"
    for a in system.activities:
        data[(FOREGROUND_DATABASE, a.code)] = {
            "name": a.name,
            "unit": a.unit,
            "type": "process",
            "tanji_kind": a.kind,
            "exchanges": [{"input": (FOREGROUND_DATABASE, a.code), "amount": 1.0, "type": "production"}],
        }
    for t in system.technosphere:
        db = BACKGROUND_DATABASE if t.supplier.startswith(bg_prefix) else FOREGROUND_DATABASE
        exchanges = data[(FOREGROUND_DATABASE, t.consumer)]["exchanges"]
        assert isinstance(exchanges, list)
        exchanges.append({"input": (db, t.supplier), "amount": t.amount, "type": "technosphere"})
    for b in system.biosphere:
        exchanges = data[(FOREGROUND_DATABASE, b.activity)]["exchanges"]
        assert isinstance(exchanges, list)
        exchanges.append({"input": (BIOSPHERE_DATABASE, b.gas), "amount": b.amount, "type": "biosphere"})
    return data


def write_foreground(system: ForegroundSystem, data_dir: Path) -> None:
    """Persist the period's foreground in the Brightway project (for inspection and re-runs).

    bw2data stores amounts as float32; Tanji's own calculation therefore builds
    float64 datapackages (:func:`build_linear_system`) from the same values.
    """
    from lca.project import open_project

    bd = open_project(data_dir)
    try:
        with brightway_output(brightway_dir(data_dir).absolute()):
            if FOREGROUND_DATABASE in bd.databases:
                del bd.databases[FOREGROUND_DATABASE]
            db = bd.Database(FOREGROUND_DATABASE)
            db.register(description="Tanji foreground of the last computation (rewritten each time)")
            db.write(_foreground_data(system))
    except Exception as e:
        raise BrightwayError(f"cannot write the foreground to Brightway: {e}") from e


def _datapackage(bg: BackgroundSystem, fg: ForegroundSystem) -> tuple[object, dict[str, int], dict[str, int]]:
    """A float64 bw_processing datapackage of background + foreground, with its id maps."""
    import bw_processing as bwp

    activities = [a.code for a in bg.activities] + [a.code for a in fg.activities]
    ids = {code: i for i, code in enumerate(activities)}
    gases = [g.code for g in GASES]
    flow_ids = {code: len(ids) + i for i, code in enumerate(gases)}
    try:
        t_idx = [(ids[c], ids[c]) for c in activities]
        t_val = [1.0] * len(activities)
        t_flip = [False] * len(activities)
        for t in fg.technosphere:
            t_idx.append((ids[t.supplier], ids[t.consumer]))
            t_val.append(t.amount)
            t_flip.append(True)
        b_idx = [(flow_ids[b.gas], ids[b.activity]) for b in (*bg.biosphere, *fg.biosphere)]
        b_val = [b.amount for b in (*bg.biosphere, *fg.biosphere)]
    except KeyError as e:
        raise InvalidModel(f"exchange refers to unknown activity or gas {e.args[0]!r}") from e
    per_gas = gas_scores()
    c_idx = [(flow_ids[g], 0) for g in gases]
    c_val = [per_gas[g].total for g in gases]
    dp = bwp.create_datapackage(name="tanji-period", sum_intra_duplicates=True)
    dp.add_persistent_vector(
        matrix="technosphere_matrix",
        name="technosphere",
        indices_array=np.array(t_idx, dtype=bwp.INDICES_DTYPE),
        data_array=np.array(t_val, dtype=np.float64),
        flip_array=np.array(t_flip, dtype=bool),
    )
    dp.add_persistent_vector(
        matrix="biosphere_matrix",
        name="biosphere",
        indices_array=np.array(b_idx, dtype=bwp.INDICES_DTYPE).reshape(-1),
        data_array=np.array(b_val, dtype=np.float64),
    )
    dp.add_persistent_vector(
        matrix="characterization_matrix",
        name="ipcc-ar6-gwp100",
        indices_array=np.array(c_idx, dtype=bwp.INDICES_DTYPE),
        data_array=np.array(c_val, dtype=np.float64),
        global_index=0,
    )
    return dp, ids, flow_ids


def build_linear_system(
    system: ForegroundSystem, data_dir: Path, background: Background, *, persist: bool = True
) -> LinearSystem:
    """Set up the offline project and let bw2calc build the period's matrices.

    With ``persist`` the foreground is also written into the Brightway project.
    """
    setup_project(data_dir, background)
    if persist:
        write_foreground(system, data_dir)
    dp, ids, flow_ids = _datapackage(background_system(background), system)
    try:
        # bw2calc warns at import that pypardiso is missing; Tanji solves with SciPy on purpose
        # (bench/bench_lca.py). Its warnings go to the Brightway log with the rest of its output.
        with brightway_output(brightway_dir(data_dir).absolute()):
            import bw2calc as bc

            first = ids[system.plans[0].reference_code] if system.plans else 0  # a background alone
            lca = bc.LCA(demand={first: 1.0}, data_objs=[dp])
            lca.load_lci_data()
            lca.load_lcia_data()
            products = {code: lca.dicts.product[i] for code, i in ids.items()}
            activities = {code: lca.dicts.activity[i] for code, i in ids.items()}
            rows = {code: lca.dicts.biosphere[i] for code, i in flow_ids.items() if i in lca.dicts.biosphere}
            bw_cf = np.asarray(lca.characterization_matrix.diagonal(), dtype=np.float64)
            technosphere = sp.csc_matrix(lca.technosphere_matrix)
            biosphere = sp.csr_matrix(lca.biosphere_matrix)
    except LcaError:
        raise
    except Exception as e:
        raise BrightwayError(f"Brightway could not build the matrices: {e}") from e
    per_gas = gas_scores()
    cf: dict[str, FloatArray] = {c: np.zeros(biosphere.shape[0]) for c in CATEGORIES}
    for code, row in rows.items():
        for c in CATEGORIES:
            cf[c][row] = getattr(per_gas[code], c)
    if not np.array_equal(cf["total"], bw_cf):
        raise BrightwayError("bw2calc's characterisation differs from Tanji's AR6 table")
    return LinearSystem(
        technosphere=technosphere,
        biosphere=biosphere,
        characterisation=MappingProxyType(cf),
        product_index=MappingProxyType(products),
        activity_index=MappingProxyType(activities),
    )


def footprints_from_system(
    linear: LinearSystem, plans: Iterable[ProductPlan], background_version: str
) -> list[FootprintResult]:
    """All products from one factorisation of ``linear.technosphere``.

    1. Factorise ``A`` once and solve ``Aᵀ λ = Bᵀ c`` for the five GHG
       categories at once: ``λ`` is the cradle-to-gate score of one unit of
       every product in the system.
    2. Supply of the foreground: background activities never consume
       foreground products, so ``A`` is block triangular and the foreground
       supply is ``A_ff⁻¹ f`` (the foreground block is tiny; its own factors are
       kept too). This is exactly the foreground part of ``A⁻¹ f``.
    3. Assemble each product from its links and ``λ`` (pure), and check its
       total against the adjoint score ``λ · f``, which covers the whole system.
    """
    plans = list(plans)
    fact = factorise(linear.technosphere)
    c_matrix = np.column_stack([linear.characterisation[c] for c in CATEGORIES])
    lam = fact.solve_transposed(np.asarray(linear.biosphere.T @ c_matrix))

    fg_codes = [c for c in linear.activity_index if not c.startswith("bg:")]
    fg_rows = np.array([linear.product_index[c] for c in fg_codes], dtype=np.int64)
    fg_cols = np.array([linear.activity_index[c] for c in fg_codes], dtype=np.int64)
    bg_cols = np.array(
        [linear.activity_index[c] for c in linear.activity_index if c.startswith("bg:")],
        dtype=np.int64,
    )
    a = sp.csr_matrix(linear.technosphere)
    if a[fg_rows][:, bg_cols].nnz:
        raise LcaError(
            "a background activity consumes a foreground product; Tanji's background "
            "must not depend on product models",
            code="lca.background_depends_on_foreground",
        )
    fg_fact = factorise(a[fg_rows][:, fg_cols])
    fg_position = {code: i for i, code in enumerate(fg_codes)}

    results: list[FootprintResult] = []
    for plan in plans:
        ref = fg_position[plan.reference_code]
        f = np.zeros(len(fg_codes))
        f[ref] = plan.demand
        s_f = fg_fact.solve(f)
        supply = {code: float(s_f[fg_position[code]]) for code in plan.process_codes}
        targets = {link.target for link in plan.links if link.kind != "emission"}
        targets.update(use.location_code for use in plan.electricity)
        targets.update(use.mix_code for use in plan.electricity)
        unit_scores = {t: Ghg(*(float(x) for x in lam[linear.product_index[t]])) for t in targets}
        result = assemble_footprint(plan, supply, unit_scores, background_version)
        adjoint = float(lam[linear.product_index[plan.reference_code], 0]) * plan.demand
        if not np.isclose(adjoint, result.market.total, rtol=1e-9, atol=1e-9):
            raise LcaError(
                f"product {plan.model.id!r}: contributions sum to {result.market.total} "
                f"but the adjoint score λ·f is {adjoint}",
                code="lca.inconsistent",
            )
        results.append(result)
    return results


def textbook_scores(linear: LinearSystem, plans: Iterable[ProductPlan]) -> list[float]:
    """Market totals the textbook way, ``c · B · A⁻¹ f``, one forward solve each (an oracle)."""
    fact = factorise(linear.technosphere)
    n = linear.technosphere.shape[0]
    out = []
    for plan in plans:
        demand = np.zeros(n)
        demand[linear.product_index[plan.reference_code]] = plan.demand
        s = fact.solve(demand)
        out.append(float(linear.characterisation["total"] @ (linear.biosphere @ s)))
    return out


def compute_footprints(
    models: Iterable[ProductModel],
    electricity_by_meter: Iterable[MeterElectricity],
    data_dir: Path | None = None,
    *,
    background: Background | None = None,
    persist: bool = True,
) -> list[FootprintResult]:
    """Footprints per declared unit of ``models``, in order, from one factorisation.

    ``electricity_by_meter`` holds the ledger's attribution per (meter, period);
    every metered process needs a record for its model's reference period
    (MissingAttribution). ``data_dir`` defaults to :func:`tanji_home`. With
    ``persist`` the period's foreground is also written into the Brightway
    project, so it can be inspected and re-run with Brightway's own tools.
    Raises InvalidModel, UnknownMaterial, UnknownTechnology, MissingAttribution,
    InvalidAttribution or BrightwayError, each naming the offending values.
    """
    bg = background or load_background()
    models = list(models)
    system = compile_system(models, index_attribution(electricity_by_meter), bg)
    if not system.plans:
        return []
    linear = build_linear_system(system, data_dir or tanji_home(), bg, persist=persist)
    return footprints_from_system(linear, system.plans, bg.version)
