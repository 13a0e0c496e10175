"""The factorisation: block triangular and transposed paths agree with a dense solve."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from lca import solver
from lca.solver import SingularTechnosphere, block_triangular_order, factorise


def random_technosphere(n: int, seed: int, loop_block: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    rows, cols, vals = list(range(n)), list(range(n)), [1.0] * n
    for j in range(n):
        for i in rng.integers(0, n, size=3):
            upstream = i < j or (i // loop_block == j // loop_block and i != j)
            if upstream:
                rows.append(int(i))
                cols.append(j)
                vals.append(-0.2 * rng.random())
    a = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    perm = rng.permutation(n)  # hide the natural order
    return sp.csr_matrix(a[perm][:, perm])


@pytest.mark.parametrize("max_block", [solver.BTF_MAX_BLOCK, 0])
def test_both_paths_match_dense(monkeypatch: pytest.MonkeyPatch, max_block: int) -> None:
    monkeypatch.setattr(solver, "BTF_MAX_BLOCK", max_block)
    a = random_technosphere(300, seed=3, loop_block=10)
    f = factorise(a)
    assert f.method == ("btf" if max_block else "transposed")
    dense = a.toarray()
    b = np.random.default_rng(0).random((300, 4))
    np.testing.assert_allclose(f.solve(b), np.linalg.solve(dense, b), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(f.solve_transposed(b), np.linalg.solve(dense.T, b), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(f.solve(b[:, 0]), np.linalg.solve(dense, b[:, 0]), rtol=1e-10)


def test_block_triangular_order_is_upper_block_triangular() -> None:
    a = random_technosphere(200, seed=5, loop_block=8)
    perm, largest = block_triangular_order(a)
    assert sorted(perm.tolist()) == list(range(200))
    assert largest <= 8
    b = sp.coo_matrix(a[perm][:, perm])
    # below the diagonal only inside a block: never more than a block size away
    assert np.all(b.row - b.col < 8)


def test_singular_and_nonsquare() -> None:
    with pytest.raises(SingularTechnosphere, match="not square"):
        factorise(sp.csr_matrix(np.ones((2, 3))))
    with pytest.raises(SingularTechnosphere, match="singular"):
        factorise(sp.csr_matrix(np.array([[1.0, 1.0], [1.0, 1.0]])))
