"""Merkle multiproofs against the RFC 9162 code they build on: every subset of small trees, random
subsets of larger ones, built from leaves and from inclusion paths alike, and mutated proofs."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import entries_at
from ledger.errors import ProofError
from ledger.log import merkle
from ledger.log.multiproof import (
    multiproof,
    multiproof_from_paths,
    multiproof_ranges,
    root_from_multiproof,
    verify_multiproof,
)
from tests.conftest import Park


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"leaf {i}".encode()) for i in range(n)]


@pytest.mark.parametrize("n", range(1, 9))
def test_every_subset_of_small_trees(n: int) -> None:
    hashes = leaves(n)
    root = merkle.root(hashes)
    for k in range(1, n + 1):
        for subset in itertools.combinations(range(n), k):
            proof = multiproof(hashes, subset)
            given = {i: hashes[i] for i in subset}
            assert root_from_multiproof(given, n, proof) == root
            paths = {i: merkle.inclusion_proof(hashes, i) for i in subset}
            assert multiproof_from_paths(n, paths) == proof


def test_one_leaf_is_its_inclusion_proof_in_tree_order() -> None:
    """For one leaf the multiproof holds the inclusion path's hashes, left to right instead of
    bottom-up."""
    hashes = leaves(13)
    for i in range(13):
        path = merkle.inclusion_proof(hashes, i)
        ranges = merkle.inclusion_proof_ranges(i, 13)
        assert multiproof(hashes, [i]) == [h for _, h in sorted(zip(ranges, path, strict=True))]


def test_all_leaves_need_no_proof() -> None:
    hashes = leaves(11)
    assert multiproof(hashes, range(11)) == []
    assert root_from_multiproof(dict(enumerate(hashes)), 11, []) == merkle.root(hashes)


@given(st.integers(1, 300), st.data())
def test_random_subsets(n: int, data: st.DataObject) -> None:
    hashes = leaves(n)
    subset = data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=min(n, 40)))
    proof = multiproof(hashes, sorted(subset))
    root = merkle.root(hashes)
    assert verify_multiproof({i: hashes[i] for i in subset}, n, proof, root)
    # never more hashes than the separate proofs together
    assert len(proof) <= sum(len(merkle.inclusion_proof(hashes, i)) for i in subset)
    assert len(proof) == len(multiproof_ranges(sorted(subset), n))


def test_mutations_fail() -> None:
    hashes = leaves(100)
    subset = [3, 4, 50, 99]
    proof = multiproof(hashes, subset)
    root = merkle.root(hashes)
    given = {i: hashes[i] for i in subset}
    assert verify_multiproof(given, 100, proof, root)
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes(32)
        assert not verify_multiproof(given, 100, bad, root)
    assert not verify_multiproof(given, 100, proof[:-1], root)  # too short
    assert not verify_multiproof(given, 100, [*proof, bytes(32)], root)  # too long
    assert not verify_multiproof({**given, 4: hashes[5]}, 100, proof, root)  # another leaf
    assert not verify_multiproof(
        {3: hashes[3], 5: hashes[4], 50: hashes[50], 99: hashes[99]}, 100, proof, root
    )
    assert not verify_multiproof(given, 101, proof, root)  # another size
    with pytest.raises(ProofError):
        multiproof_ranges([], 5)
    with pytest.raises(ProofError):
        multiproof_ranges([5], 5)
    with pytest.raises(ProofError):
        multiproof_from_paths(8, {1: [bytes(32)]})


def test_the_store_serves_multiproofs_in_one_read(make_park: Callable[[], Park]) -> None:
    """``Ledger.multiproof`` reads the subtrees from storage; ``entries_at`` the bodies."""
    park = make_park()
    for i in range(3):
        park.register(f"E-{i}", "enterprise")
    size = park.ledger.size()
    seqs = [0, 2, size - 1]
    entries = entries_at(park.ledger, [*seqs, size + 5])
    assert sorted(entries) == seqs
    leaves = {s: bytes.fromhex(e.hash) for s, e in entries.items()}
    proof = park.ledger.multiproof(seqs, size)
    assert verify_multiproof(leaves, size, proof, park.ledger.root(size))
    paths = {s: list(park.ledger.inclusion_proof(s, size).path) for s in seqs}
    assert proof == multiproof_from_paths(size, paths)
    with pytest.raises(ProofError):
        park.ledger.multiproof([size], size)
