"""A warm footprint calculator: Brightway builds the background once, each footprint solves only its own.

Re-computing a footprint on every ``footprint.publish`` must cost
milliseconds, while a fresh Brightway computation (``lca.calculate``) costs
tens of them: bw2calc maps and builds every matrix again. But the background
never depends on a product model (``lca.calculate.footprints_from_system``
checks it), so its part of the system is the same for every footprint of one
background version:

1. **Once** per background version and data directory
   (:func:`warm_background`): the offline Brightway project is set up
   (``lca.project.setup_project``), bw2calc builds the background's
   technosphere, biosphere and characterisation matrices, the technosphere is
   factorised and ``Aᵀ λ = Bᵀ c`` gives the cradle-to-gate score ``λ`` of one
   unit of every background activity, per GHG category.
2. **Per footprint** (:func:`compute_warm`): the model compiles into its own
   foreground (pure, ``lca.system``), whose block ``A_ff`` is a handful of
   activities; ``A_ffᵀ λ_f = B_fᵀ c + T_bfᵀ λ_b`` gives the foreground unit
   scores and ``A_ff s = f`` its supply -- exactly the foreground part of the
   one-factorisation solve -- and ``lca.footprint.assemble_footprint`` does the
   rest. The total is checked against the adjoint score ``λ · f``.

The result equals ``compute_footprints`` for the same model and electricity to
floating-point rounding (``tests/lca/test_warm.py``); publishers and the
ledger both use this path, so an honest footprint is re-computed to the same
bits. The warm state is process-wide and read-only once built (a lock guards
building it), so the service's threads share it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from lca.background import Background, load_background
from lca.calculate import build_linear_system
from lca.electricity import MeterElectricity, index_attribution
from lca.errors import LcaError
from lca.footprint import CATEGORIES, FootprintResult, Ghg, assemble_footprint, gas_scores
from lca.model import ProductModel
from lca.solver import factorise
from lca.system import BACKGROUND_PREFIX, ForegroundSystem, compile_system
from ledger import tanji_home

__all__ = ["WarmBackground", "compute_warm", "configure", "using", "warm_background"]


@dataclass(frozen=True)
class WarmBackground:
    """One background version's unit scores per background activity code (``bg:<key>``)."""

    background: Background
    unit_scores: Mapping[str, Ghg]

    @property
    def version(self) -> str:
        return self.background.version


_lock = threading.Lock()
_warm: dict[tuple[str, str], WarmBackground] = {}
_data_dir: Path | None = None
_background: Background | None = None


def configure(data_dir: Path | None = None, *, background: Background | None = None) -> None:
    """Where and on what the ledger's footprints are computed: the data directory whose Brightway
    project the warm background is built in (default ``TANJI_HOME``: the service, the CLI and the
    demo name theirs) and the background data (default: the shipped one; tests use small ones).
    ``configure()`` restores both defaults."""
    global _data_dir, _background
    _data_dir = None if data_dir is None else Path(data_dir)
    _background = background


@contextmanager
def using(data_dir: Path | None = None, *, background: Background | None = None) -> Iterator[None]:
    """:func:`configure` for the length of a block (the data directory kept if not given), then the
    configuration before it again."""
    before = (_data_dir, _background)
    configure(data_dir or _data_dir, background=background)
    try:
        yield
    finally:
        configure(before[0], background=before[1])


def _build(background: Background, data_dir: Path) -> WarmBackground:
    empty = ForegroundSystem((), (), (), ())
    linear = build_linear_system(empty, data_dir, background, persist=False)
    c_matrix = np.column_stack([linear.characterisation[c] for c in CATEGORIES])
    lam = factorise(linear.technosphere).solve_transposed(np.asarray(linear.biosphere.T @ c_matrix))
    scores = {
        code: Ghg(*(float(x) for x in lam[row]))
        for code, row in linear.product_index.items()
        if code.startswith(BACKGROUND_PREFIX)
    }
    return WarmBackground(background, MappingProxyType(scores))


def warm_background(background: Background | None = None, data_dir: Path | None = None) -> WarmBackground:
    """The warm background of ``background`` (default: the configured one, else the shipped one),
    built on first use.

    The first call per background version and data directory runs Brightway (seconds: the project
    set-up and bw2calc's matrices); later calls return the same value at once.
    """
    bg = background or _background or load_background()
    where = Path(data_dir or _data_dir or tanji_home())
    key = (bg.version, str(where.absolute()))
    found = _warm.get(key)
    if found is not None and found.background is bg:
        return found
    with _lock:
        found = _warm.get(key)
        if found is None or found.background is not bg:
            found = _build(bg, where)
            _warm[key] = found
    return found


def _vector(g: Ghg) -> np.ndarray:
    return np.array([getattr(g, c) for c in CATEGORIES], dtype=np.float64)


def compute_warm(
    model: ProductModel, electricity: Iterable[MeterElectricity], warm: WarmBackground
) -> FootprintResult:
    """The footprint per declared unit of ``model`` with the ledger's ``electricity`` split.

    Raises what ``compile_system`` raises (InvalidModel, UnknownMaterial, MissingAttribution …) and
    ``LcaError`` (``lca.inconsistent``) if the contributions do not add up to the adjoint score.
    """
    system = compile_system([model], index_attribution(electricity), warm.background)
    [plan] = system.plans
    codes = [a.code for a in system.activities]
    pos = {code: i for i, code in enumerate(codes)}
    n = len(codes)
    a = np.eye(n)
    rhs = np.zeros((n, len(CATEGORIES)))
    per_gas = gas_scores()
    for b in system.biosphere:
        rhs[pos[b.activity]] += _vector(per_gas[b.gas]) * b.amount
    for t in system.technosphere:
        if t.supplier.startswith(BACKGROUND_PREFIX):
            rhs[pos[t.consumer]] += _vector(warm.unit_scores[t.supplier]) * t.amount
        else:
            a[pos[t.supplier], pos[t.consumer]] -= t.amount
    lam = np.linalg.solve(a.T, rhs)
    demand = np.zeros(n)
    demand[pos[plan.reference_code]] = plan.demand
    supply_all = np.linalg.solve(a, demand)
    supply = {code: float(supply_all[pos[code]]) for code in plan.process_codes}
    targets = {link.target for link in plan.links if link.kind != "emission"}
    targets.update(use.location_code for use in plan.electricity)
    targets.update(use.mix_code for use in plan.electricity)
    scores = {
        t: warm.unit_scores[t] if t.startswith(BACKGROUND_PREFIX) else Ghg(*(float(x) for x in lam[pos[t]]))
        for t in targets
    }
    result = assemble_footprint(plan, supply, scores, warm.version)
    adjoint = float(lam[pos[plan.reference_code], 0]) * plan.demand
    if not np.isclose(adjoint, result.market.total, rtol=1e-9, atol=1e-9):
        raise LcaError(
            f"product {model.id!r}: contributions sum to {result.market.total} "
            f"but the adjoint score λ·f is {adjoint}",
            code="lca.inconsistent",
        )
    return result
