"""One factorisation of the technosphere matrix, reused for many solves.

``A s = f`` (supply for a demand) and ``Aᵀ λ = Bᵀ c`` (unit cradle-to-gate
scores of every product) both reuse the same LU factors. SciPy's SuperLU is the
default: it installs everywhere and solves both directions from one
factorisation. As bw2calc does (``bw2calc.utils.lu_solver``), Tanji factorises
``Aᵀ`` rather than ``A``: COLAMD's column ordering then finds far less fill on
technosphere matrices (on a 10,000-activity ecoinvent-like matrix: 0.1 s and
~0.3 M factor entries instead of minutes and tens of millions). ``bench/bench_lca.py`` compares it with PARDISO (pypardiso) when
that is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from lca.errors import LcaError

FloatArray = npt.NDArray[np.float64]


class SingularTechnosphere(LcaError):
    """The technosphere matrix cannot be factorised (a product nobody makes, a loop of 1)."""

    code = "lca.singular_technosphere"


@dataclass(frozen=True, slots=True)
class Factorisation:
    """LU factors of ``Aᵀ`` for a square sparse ``A`` (SuperLU)."""

    shape: tuple[int, int]
    _lu: Any

    def solve(self, rhs: FloatArray) -> FloatArray:
        """``x`` with ``A x = rhs`` (``rhs`` of shape (n,) or (n, k))."""
        return np.asarray(
            self._lu.solve(np.asarray(rhs, dtype=np.float64), trans="T"), dtype=np.float64
        )

    def solve_transposed(self, rhs: FloatArray) -> FloatArray:
        """``x`` with ``Aᵀ x = rhs``."""
        return np.asarray(self._lu.solve(np.asarray(rhs, dtype=np.float64)), dtype=np.float64)


def factorise(matrix: sp.spmatrix | sp.sparray) -> Factorisation:
    """Factorise a square sparse matrix; SingularTechnosphere if it cannot be."""
    n, m = matrix.shape
    if n != m:
        raise SingularTechnosphere(f"technosphere matrix is {n}×{m}, not square")
    try:
        lu = splu(sp.csc_matrix(sp.csr_matrix(matrix, dtype=np.float64).T))
    except RuntimeError as e:
        raise SingularTechnosphere(f"technosphere matrix ({n}×{n}) is singular: {e}") from e
    return Factorisation((n, m), lu)
