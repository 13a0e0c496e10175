"""Tests for ledger.log.merkle: RFC 6962 vectors, a naive recursive oracle, properties."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.log import merkle

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "rfc6962.json").read_text(encoding="utf-8")
)
LEAF_DATA = [bytes.fromhex(x) for x in VECTORS["leaves"]]
LEAVES = [merkle.leaf_hash(d) for d in LEAF_DATA]
ROOTS = [bytes.fromhex(x) for x in VECTORS["roots"]]
SOME_HASH = bytes.fromhex(VECTORS["some_hash"])


# --- the naive recursive oracle, straight from RFC 6962 §2.1 ------------------


def _h(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def oracle_mth(d: Sequence[bytes]) -> bytes:
    if len(d) == 0:
        return _h(b"")
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return _h(b"\x01" + oracle_mth(d[:k]) + oracle_mth(d[k:]))


def oracle_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return oracle_path(m, d[:k]) + [oracle_mth(d[k:])]
    return oracle_path(m - k, d[k:]) + [oracle_mth(d[:k])]


def oracle_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [oracle_mth(d)]
    k = _k(n)
    if m <= k:
        return oracle_subproof(m, d[:k], b) + [oracle_mth(d[k:])]
    return oracle_subproof(m - k, d[k:], False) + [oracle_mth(d[:k])]


def oracle_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    if m in (0, len(d)):
        return []
    return oracle_subproof(m, d, True)


def leaves_of(n: int, salt: int = 0) -> list[bytes]:
    return [merkle.leaf_hash(f"{salt}:{i}".encode()) for i in range(n)]


def perfect_hash(leaves: Sequence[bytes], level: int, index: int) -> bytes:
    return oracle_mth(leaves[index << level : (index + 1) << level])


def flip(h: bytes, bit: int = 3) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


# --- RFC 6962 reference vectors ---------------------------------------------------


def test_hash_primitives() -> None:
    assert bytes.fromhex(VECTORS["empty_root"]) == merkle.EMPTY_ROOT
    assert merkle.root([]) == merkle.EMPTY_ROOT
    assert merkle.leaf_hash(b"") == ROOTS[0]
    assert merkle.node_hash(LEAVES[0], LEAVES[1]) == ROOTS[1]


@pytest.mark.parametrize("size", range(1, 9))
def test_vector_roots(size: int) -> None:
    assert merkle.root(LEAVES[:size]) == ROOTS[size - 1]
    assert oracle_mth(LEAVES[:size]) == ROOTS[size - 1]
    _, frontier = merkle.append_leaves([], 0, LEAVES[:size])
    assert merkle.root_from_frontier(frontier) == ROOTS[size - 1]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['index']}-{c['size']}")
def test_vector_inclusion(case: dict[str, Any]) -> None:
    index, size = case["index"], case["size"]
    proof = [bytes.fromhex(x) for x in case["proof"]]
    root = ROOTS[size - 1]
    leaf = LEAVES[index]
    assert merkle.inclusion_proof(LEAVES[:size], index) == proof
    assert merkle.root_from_inclusion_proof(leaf, index, size, proof) == root
    assert merkle.verify_inclusion(leaf, index, size, proof, root)
    for desc, args in _corrupt_inclusion(index, size, proof, root, leaf):
        assert not merkle.verify_inclusion(*args), desc


def _corrupt_inclusion(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[str, tuple[Any, ...]]]:
    """The probes of transparency-dev/merkle proof/verify_test.go corruptInclusionProof."""
    probes: list[tuple[str, tuple[Any, ...]]] = [
        ("index - 1", (leaf, index - 1, size, proof, root)),
        ("index + 1", (leaf, index + 1, size, proof, root)),
        ("index ^ 2", (leaf, index ^ 2, size, proof, root)),
        ("size * 2", (leaf, index, size * 2, proof, root)),
        ("size // 2", (leaf, index, size // 2, proof, root)),
        ("wrong leaf", (b"WrongLeaf", index, size, proof, root)),
        ("empty root", (leaf, index, size, proof, merkle.EMPTY_ROOT)),
        ("random root", (leaf, index, size, proof, SOME_HASH)),
        ("trailing garbage", (leaf, index, size, [*proof, b""], root)),
        ("trailing root", (leaf, index, size, [*proof, root], root)),
        ("preceding garbage", (leaf, index, size, [b"", *proof], root)),
        ("preceding root", (leaf, index, size, [root, *proof], root)),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = flip(bad[i], 3)
        probes.append((f"modified proof[{i}] bit 3", (leaf, index, size, bad, root)))
    if proof:
        probes.append(("removed component", (leaf, index, size, proof[:-1], root)))
    if len(proof) > 1:
        probes.append(("inserted component", (leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], root)))
    return probes


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['old_size']}-{c['new_size']}")
def test_vector_consistency(case: dict[str, Any]) -> None:
    m, n = case["old_size"], case["new_size"]
    proof = [bytes.fromhex(x) for x in case["proof"]]
    r1, r2 = ROOTS[m - 1], ROOTS[n - 1]
    assert merkle.consistency_proof(LEAVES[:n], m) == proof
    assert merkle.verify_consistency(m, n, r1, r2, proof)
    if not proof:
        return
    assert merkle.root_from_consistency_proof(m, n, r1, proof) == r2
    probes: list[tuple[str, tuple[Any, ...]]] = [
        ("old - 1", (m - 1, n, r1, r2, proof)),
        ("old + 1", (m + 1, n, r1, r2, proof)),
        ("old ^ 2", (m ^ 2, n, r1, r2, proof)),
        ("new * 2", (m, n * 2, r1, r2, proof)),
        ("new // 2", (m, n // 2, r1, r2, proof)),
        ("wrong root1", (m, n, b"WrongRoot", r2, proof)),
        ("wrong root2", (m, n, r1, b"WrongRoot", proof)),
        ("swapped roots", (m, n, r2, r1, proof)),
        ("empty proof", (m, n, r1, r2, [])),
        ("trailing garbage", (m, n, r1, r2, [*proof, b""])),
        ("trailing root1", (m, n, r1, r2, [*proof, r1])),
        ("trailing root2", (m, n, r1, r2, [*proof, r2])),
        ("preceding garbage", (m, n, r1, r2, [b"", *proof])),
        ("preceding root1", (m, n, r1, r2, [r1, *proof])),
        ("preceding root2", (m, n, r1, r2, [r2, *proof])),
        ("preceding proof[0]", (m, n, r1, r2, [proof[0], *proof])),
        ("truncated", (m, n, r1, r2, proof[:-1])),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = flip(bad[i], 4)
        probes.append((f"modified proof[{i}] bit 4", (m, n, r1, r2, bad)))
    for desc, args in probes:
        assert not merkle.verify_consistency(*args), desc


def test_consistency_trivial_sizes() -> None:
    e, r1 = merkle.EMPTY_ROOT, ROOTS[0]
    assert merkle.verify_consistency(0, 0, e, e, [])
    assert merkle.verify_consistency(0, 1, e, r1, [])
    assert merkle.verify_consistency(1, 1, r1, r1, [])
    assert not merkle.verify_consistency(1, 1, r1, ROOTS[1], [])  # roots differ
    assert not merkle.verify_consistency(1, 0, r1, e, [])  # time travel
    assert not merkle.verify_consistency(2, 1, ROOTS[1], r1, [])
    assert not merkle.verify_consistency(1, 2, r1, ROOTS[1], [])  # empty proof
    assert not merkle.verify_consistency(0, 0, e, e, [e])  # non-empty proof
    assert not merkle.verify_consistency(0, 1, e, r1, [e])
    assert not merkle.verify_consistency(1, 1, r1, r1, [e])
    assert not merkle.verify_consistency(0, 1, SOME_HASH, r1, [])  # stricter than Go
    assert merkle.root_from_consistency_proof(3, 3, ROOTS[2], []) == ROOTS[2]
    with pytest.raises(ProofError, match="size 0 implies no root"):
        merkle.root_from_consistency_proof(0, 3, e, [])


def test_inclusion_single_entry() -> None:
    h = merkle.leaf_hash(b"data")
    assert merkle.verify_inclusion(h, 0, 1, [], h)
    assert not merkle.verify_inclusion(b"", 0, 1, [], h)
    assert not merkle.verify_inclusion(h, 0, 1, [], b"")
    assert not merkle.verify_inclusion(b"", 0, 1, [], b"")
    for index, size in [(0, 0), (1, 0), (2, 1), (-1, 1)]:
        assert not merkle.verify_inclusion(SOME_HASH, index, size, [], merkle.EMPTY_ROOT)


@pytest.mark.parametrize("case", VECTORS["inclusion_node_ids"], ids=lambda c: f"{c['index']}-{c['size']}")
def test_vector_inclusion_node_ids(case: dict[str, Any]) -> None:
    got = [
        merkle.perfect_subtrees(s, e) for s, e in merkle.inclusion_proof_ranges(case["index"], case["size"])
    ]
    assert got == [[tuple(x) for x in group] for group in case["node_ids"]]


@pytest.mark.parametrize(
    "case", VECTORS["consistency_node_ids"], ids=lambda c: f"{c['old_size']}-{c['new_size']}"
)
def test_vector_consistency_node_ids(case: dict[str, Any]) -> None:
    got = [
        merkle.perfect_subtrees(s, e)
        for s, e in merkle.consistency_proof_ranges(case["old_size"], case["new_size"])
    ]
    assert got == [[tuple(x) for x in group] for group in case["node_ids"]]


@pytest.mark.parametrize("index,size", VECTORS["inclusion_errors"])
def test_vector_inclusion_errors(index: int, size: int) -> None:
    with pytest.raises(ProofError, match=f"index {index} out of range for size {size}"):
        merkle.inclusion_proof_ranges(index, size)


@pytest.mark.parametrize("old,new", VECTORS["consistency_errors"])
def test_vector_consistency_errors(old: int, new: int) -> None:
    with pytest.raises(ProofError, match=f"old_size {old} out of range for new_size {new}"):
        merkle.consistency_proof_ranges(old, new)


# --- preconditions ------------------------------------------------------------------


def test_preconditions_name_values() -> None:
    with pytest.raises(ProofError, match="index 9 out of range for size 8"):
        merkle.inclusion_proof(LEAVES, 9)
    with pytest.raises(ProofError, match="old_size 9 out of range for new_size 8"):
        merkle.consistency_proof(LEAVES, 9)
    with pytest.raises(ProofError, match="proof has 2 hashes, index 0 in size 8 needs 3"):
        merkle.root_from_inclusion_proof(LEAVES[0], 0, 8, [LEAVES[1], LEAVES[2]])
    with pytest.raises(ProofError, match=r"proof\[1\] must be a 32-byte hash, got 3 bytes"):
        merkle.root_from_inclusion_proof(LEAVES[0], 0, 8, [LEAVES[1], b"abc", LEAVES[2]])
    with pytest.raises(ProofError, match="left must be a 32-byte hash"):
        merkle.node_hash(b"x", LEAVES[0])
    with pytest.raises(ProofError, match=r"range \[1, 3\) is not a node"):
        merkle.perfect_subtrees(1, 3)
    with pytest.raises(ProofError, match=r"range \[3, 3\) is empty"):
        merkle.perfect_subtrees(3, 3)
    with pytest.raises(ProofError, match="frontier has 1 hashes, size 3 needs 2"):
        merkle.append_leaves([LEAVES[0]], 3, [])
    with pytest.raises(ProofError, match="at least one"):
        merkle.range_hash([])
    with pytest.raises(ProofError, match="index must be an int"):
        merkle.inclusion_proof_ranges(cast(int, "1"), 3)  # deliberately not an int
    assert merkle.root_from_frontier([]) == merkle.EMPTY_ROOT
    assert merkle.frontier_subtrees(0) == []
    assert merkle.frontier_subtrees(13) == [(3, 0), (2, 2), (0, 12)]


# --- properties against the oracle --------------------------------------------------


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, 300))
    return size, draw(st.integers(0, size - 1))


def _shape(index: int, size: int) -> list[bool] | None:
    """Left/right pattern of the proof nodes, or None if index is out of range."""
    if not 0 <= index < size:
        return None
    return [e <= index for _, e in merkle.inclusion_proof_ranges(index, size)]


@given(size_and_index())
@settings(max_examples=150, deadline=None)
def test_inclusion_matches_oracle(si: tuple[int, int]) -> None:
    size, index = si
    leaves = leaves_of(size)
    root = oracle_mth(leaves)
    proof = merkle.inclusion_proof(leaves, index)
    assert merkle.root(leaves) == root
    assert proof == oracle_path(index, leaves)
    assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
    # Storage path: ranges -> perfect subtrees -> range_hash reproduces the list proof.
    ranges = merkle.inclusion_proof_ranges(index, size)
    assert [
        merkle.range_hash([perfect_hash(leaves, lv, ix) for lv, ix in merkle.perfect_subtrees(s, e)])
        for s, e in ranges
    ] == proof
    # Any mutation fails.
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = flip(bad[i], i % 8)
        assert not merkle.verify_inclusion(leaves[index], index, size, bad, root)
    for other in {index - 1, index + 1, index ^ 1, index ^ 2, size}:
        assert not merkle.verify_inclusion(leaves[index], other, size, proof, root)
    for other_size in {size - 1, size + 1, size * 2, size // 2}:
        # A wrong size fails unless it gives the proof the very same shape (then the
        # same hashes chain to the same root: the size is bound only through the root).
        if other_size != size and _shape(index, other_size) != _shape(index, size):
            assert not merkle.verify_inclusion(leaves[index], index, other_size, proof, root)
    assert not merkle.verify_inclusion(leaves[index], index, size, proof, flip(root))
    assert not merkle.verify_inclusion(flip(leaves[index]), index, size, proof, root)
    assert not merkle.verify_inclusion(leaves[index], index, size, [*proof, root], root)


def _cshape(old: int, new: int) -> tuple[bool, list[bool]] | None:
    """Seed-from-proof flag and left/right pattern of a consistency proof, or None."""
    if not 0 < old < new:
        return None
    ranges = merkle.consistency_proof_ranges(old, new)
    return old & (old - 1) != 0, [e <= old for _, e in ranges]


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    new = draw(st.integers(1, 300))
    return draw(st.integers(0, new)), new


@given(two_sizes())
@settings(max_examples=150, deadline=None)
def test_consistency_matches_oracle(sizes: tuple[int, int]) -> None:
    old, new = sizes
    leaves = leaves_of(new, salt=7)
    r1, r2 = oracle_mth(leaves[:old]), oracle_mth(leaves)
    proof = merkle.consistency_proof(leaves, old)
    assert proof == oracle_proof(old, leaves)
    assert merkle.verify_consistency(old, new, r1, r2, proof)
    ranges = merkle.consistency_proof_ranges(old, new)
    assert [
        merkle.range_hash([perfect_hash(leaves, lv, ix) for lv, ix in merkle.perfect_subtrees(s, e)])
        for s, e in ranges
    ] == proof
    if old in (0, new):
        assert proof == []
        return
    assert merkle.root_from_consistency_proof(old, new, r1, proof) == r2
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = flip(bad[i], i % 8)
        assert not merkle.verify_consistency(old, new, r1, r2, bad)
    # Wrong sizes fail unless they give the proof the very same shape (see _shape).
    for o in {old - 1, old + 1, old ^ 1, old ^ 2}:
        if o != old and _cshape(o, new) != _cshape(old, new):
            assert not merkle.verify_consistency(o, new, r1, r2, proof)
    for n in {new - 1, new + 1, new * 2, new // 2}:
        if n != new and _cshape(old, n) != _cshape(old, new):
            assert not merkle.verify_consistency(old, n, r1, r2, proof)
    assert not merkle.verify_consistency(old, new, flip(r1), r2, proof)
    assert not merkle.verify_consistency(old, new, r1, flip(r2), proof)
    assert not merkle.verify_consistency(old, new, r1, r2, proof[:-1])
    assert not merkle.verify_consistency(old, new, r1, r2, [*proof, r2])


@given(st.integers(1, 300), st.data())
@settings(max_examples=100, deadline=None)
def test_append_leaves_in_chunks(size: int, data: st.DataObject) -> None:
    leaves = leaves_of(size, salt=3)
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=8)))
    all_nodes: list[tuple[int, int, bytes]] = []
    frontier: list[bytes] = []
    done = 0
    for cut in [*cuts, size]:
        assert frontier == [perfect_hash(leaves, lv, ix) for lv, ix in merkle.frontier_subtrees(done)]
        assert merkle.root_from_frontier(frontier) == oracle_mth(leaves[:done])
        nodes, frontier = merkle.append_leaves(frontier, done, leaves[done:cut])
        all_nodes.extend(nodes)
        done = max(done, cut)
    assert merkle.root_from_frontier(frontier) == oracle_mth(leaves)
    # Exactly the complete nodes of level >= 1, each with its MTH.
    want = {(lv, ix) for lv in range(1, size.bit_length()) for ix in range(size >> lv)}
    assert len(all_nodes) == len(want)
    assert {(lv, ix) for lv, ix, _ in all_nodes} == want
    for lv, ix, h in all_nodes:
        assert h == perfect_hash(leaves, lv, ix)


@given(st.integers(1, 1 << 40), st.data())
@settings(max_examples=200, deadline=None)
def test_ranges_are_logarithmic_and_tile(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    ranges = merkle.inclusion_proof_ranges(index, size)
    assert len(ranges) <= size.bit_length()
    # The proof ranges plus the leaf tile [0, size) exactly.
    tiles = sorted([*ranges, (index, index + 1)])
    assert tiles[0][0] == 0 and tiles[-1][1] == size
    assert all(a[1] == b[0] for a, b in zip(tiles, tiles[1:], strict=False))
    reads = sum(len(merkle.perfect_subtrees(s, e)) for s, e in ranges)
    assert reads <= 2 * size.bit_length()
    old = data.draw(st.integers(0, size))
    cranges = merkle.consistency_proof_ranges(old, size)
    assert len(cranges) <= size.bit_length() + 1
    assert sum(len(merkle.perfect_subtrees(s, e)) for s, e in cranges) <= 2 * size.bit_length() + 2


def test_append_10000_at_once() -> None:
    leaves = leaves_of(10_000)
    nodes, frontier = merkle.append_leaves([], 0, leaves)
    assert len(nodes) == 10_000 - (10_000).bit_count()
    assert merkle.root_from_frontier(frontier) == merkle.root(leaves)


@given(st.integers(0, 300))
@settings(max_examples=60, deadline=None)
def test_levels_hold_every_perfect_subtree(size: int) -> None:
    leaves = leaves_of(size, salt=5)
    tree = merkle.levels(leaves)
    assert tree[0] == leaves
    nodes, _ = merkle.append_leaves([], 0, leaves)
    assert sum(len(layer) for layer in tree[1:]) == len(nodes)
    for lv, ix, h in nodes:
        assert tree[lv][ix] == h == perfect_hash(leaves, lv, ix)
    for n in range(size + 1):
        frontier = [tree[lv][ix] for lv, ix in merkle.frontier_subtrees(n)]
        assert merkle.root_from_frontier(frontier) == oracle_mth(leaves[:n])
