"""One factorisation of the technosphere matrix, reused for many solves.

``A s = f`` (supply for a demand) and ``Aᵀ λ = Bᵀ c`` (unit cradle-to-gate
scores of every product) both reuse the same LU factors (SciPy's SuperLU,
which installs everywhere and solves both directions from one factorisation).

Ordering matters more than the solver. Technosphere matrices are nearly
triangular: most supply chains run one way, with loops only inside small
strongly connected groups (markets and their suppliers, co-production). Tanji
therefore permutes ``A`` symmetrically into block triangular form (strongly
connected components in topological order, as KLU does) and factorises it
without further reordering, so the factors have about as many entries as
``A``. When a component is too large for that to stay sparse, it falls back to
factorising ``Aᵀ`` with COLAMD, as ``bw2calc.utils.lu_solver`` does. On the
10,000-activity ecoinvent-like benchmark matrix: 0.1 s and 0.25 M factor
entries with the block triangular form, 12 s and 1.5 M with ``Aᵀ`` + COLAMD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

from lca.errors import LcaError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BTF_MAX_BLOCK = 1000  # largest strongly connected block factorised in natural order


class SingularTechnosphere(LcaError):
    """The technosphere matrix cannot be factorised (a product nobody makes, a loop of 1)."""

    code = "lca.singular_technosphere"


@dataclass(frozen=True, slots=True)
class Factorisation:
    """LU factors of ``A``, of its block triangular form ``A[p][:, p]`` or of ``Aᵀ``."""

    shape: tuple[int, int]
    method: str  # "btf" or "transposed"
    _lu: Any
    _perm: IntArray | None = None

    def solve(self, rhs: FloatArray) -> FloatArray:
        """``x`` with ``A x = rhs`` (``rhs`` of shape (n,) or (n, k))."""
        b = np.asarray(rhs, dtype=np.float64)
        if self._perm is None:
            return np.asarray(self._lu.solve(b, trans="T"), dtype=np.float64)
        return self._unpermute(self._lu.solve(b[self._perm]))

    def solve_transposed(self, rhs: FloatArray) -> FloatArray:
        """``x`` with ``Aᵀ x = rhs``."""
        b = np.asarray(rhs, dtype=np.float64)
        if self._perm is None:
            return np.asarray(self._lu.solve(b), dtype=np.float64)
        return self._unpermute(self._lu.solve(b[self._perm], trans="T"))

    def _unpermute(self, y: Any) -> FloatArray:
        assert self._perm is not None
        x = np.empty_like(np.asarray(y, dtype=np.float64))
        x[self._perm] = y
        return x


def block_triangular_order(matrix: sp.spmatrix | sp.sparray) -> tuple[IntArray, int]:
    """A symmetric permutation putting ``matrix`` in upper block triangular form.

    Returns the permutation (new position -> old index) and the size of the
    largest strongly connected block. Edge ``i -> j`` for ``A[i, j] != 0``
    (product ``i`` is used by activity ``j``); blocks come upstream first.
    """
    a = sp.csr_matrix(matrix)
    n = a.shape[0]
    ncomp, labels = connected_components(a, directed=True, connection="strong")
    coo = a.tocoo()
    ci, cj = labels[coo.row], labels[coo.col]
    keep = ci != cj
    dag = sp.csr_matrix((np.ones(int(keep.sum())), (ci[keep], cj[keep])), shape=(ncomp, ncomp))
    dag.sum_duplicates()
    indegree = np.diff(dag.tocsc().indptr).astype(np.int64)
    order: list[int] = []
    stack = [int(c) for c in np.nonzero(indegree == 0)[0][::-1]]
    indptr, indices = dag.indptr, dag.indices
    while stack:
        u = stack.pop()
        order.append(u)
        for v in indices[indptr[u] : indptr[u + 1]]:
            indegree[v] -= 1
            if indegree[v] == 0:
                stack.append(int(v))
    rank = np.empty(ncomp, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(ncomp)
    perm = np.argsort(rank[labels], kind="stable").astype(np.int64)
    largest = int(np.bincount(labels).max()) if n else 0
    return perm, largest


def factorise(matrix: sp.spmatrix | sp.sparray) -> Factorisation:
    """Factorise a square sparse matrix; SingularTechnosphere if it cannot be."""
    n, m = matrix.shape
    if n != m:
        raise SingularTechnosphere(f"technosphere matrix is {n}×{m}, not square")
    a = sp.csr_matrix(matrix, dtype=np.float64)
    try:
        perm, largest = block_triangular_order(a)
        if largest <= BTF_MAX_BLOCK:
            btf = sp.csc_matrix(a[perm][:, perm])
            lu = splu(btf, permc_spec="NATURAL", diag_pivot_thresh=0.1)
            return Factorisation((n, m), "btf", lu, perm)
        lu = splu(sp.csc_matrix(a.T))
    except RuntimeError as e:
        raise SingularTechnosphere(f"technosphere matrix ({n}×{n}) is singular: {e}") from e
    return Factorisation((n, m), "transposed", lu)
