"""Merkle multiproofs: several leaves of one RFC 9162 tree proven together, sharing their nodes.

Separate inclusion proofs of ``k`` leaves repeat the nodes near the root ``k`` times, and carry
nodes the verifier could compute from the other leaves. A multiproof carries each needed node
once and none that is computable: it is the hashes of the **maximal subtrees holding none of the
proven leaves**, in a fixed order — depth first, left before right, following RFC 9162's split
of a range ``[lo, hi)`` at ``lo + k`` (``k`` the largest power of two below ``hi - lo``), the
same split as MTH. The verifier walks the same recursion: a range without proven leaves takes
the next proof hash, a single proven leaf its leaf hash, anything else the node hash of its two
halves; the result is the root.

Every node of a multiproof is a sibling on some proven leaf's inclusion path, so
:func:`multiproof_from_paths` builds it from the ordinary inclusion proofs a store serves, and
:func:`multiproof` from the leaf hashes themselves. :func:`root_from_multiproof` computes,
:func:`verify_multiproof` compares (never raises for bad evidence).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from ledger.errors import ProofError
from ledger.log import merkle

__all__ = [
    "multiproof",
    "multiproof_from_paths",
    "multiproof_ranges",
    "root_from_multiproof",
    "verify_multiproof",
]


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _check(indices: Sequence[int], size: int) -> list[int]:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ProofError(f"tree size {size!r} must be a positive int")
    wanted = sorted(set(indices))
    if not wanted:
        raise ProofError("a multiproof proves at least one leaf")
    if wanted[0] < 0 or wanted[-1] >= size:
        bad = wanted[0] if wanted[0] < 0 else wanted[-1]
        raise ProofError(f"index {bad} out of range for size {size}", index=bad, size=size)
    return wanted


def multiproof_ranges(indices: Sequence[int], size: int) -> list[tuple[int, int]]:
    """The leaf ranges ``[start, end)`` whose MTHs form the multiproof of ``indices``, in proof order.

    Preconditions (``ProofError``): ``size >= 1``; at least one index, each in ``[0, size)``.
    """
    wanted = _check(indices, size)
    out: list[tuple[int, int]] = []

    def walk(lo: int, hi: int, first: int, last: int) -> None:
        # wanted[first:last] are the proven leaves inside [lo, hi)
        if first == last:
            out.append((lo, hi))
            return
        if hi - lo == 1:
            return
        mid = lo + _split(hi - lo)
        cut = first
        while cut < last and wanted[cut] < mid:
            cut += 1
        walk(lo, mid, first, cut)
        walk(mid, hi, cut, last)

    walk(0, size, 0, len(wanted))
    return out


def multiproof(leaf_hashes: Sequence[bytes], indices: Sequence[int]) -> list[bytes]:
    """The multiproof of ``indices`` in the tree of ``leaf_hashes`` (all leaves given)."""
    ranges = multiproof_ranges(indices, len(leaf_hashes))
    return [merkle.root(list(leaf_hashes[s:e])) for s, e in ranges]


def multiproof_from_paths(size: int, paths: Mapping[int, Sequence[bytes]]) -> list[bytes]:
    """The multiproof of ``paths``' leaves from their inclusion proofs (leaf index → PATH, RFC 9162).

    Preconditions (``ProofError``): each path has the length of a proof of its index in a tree of
    ``size``. The paths are not verified here: the multiproof verifies against the root or not.
    """
    hashes: dict[tuple[int, int], bytes] = {}
    for index, path in paths.items():
        ranges = merkle.inclusion_proof_ranges(index, size)
        if len(ranges) != len(path):
            raise ProofError(
                f"proof of index {index} has {len(path)} hashes, a tree of {size} needs {len(ranges)}",
                index=index,
                size=size,
            )
        hashes.update(zip(ranges, (bytes(h) for h in path), strict=True))
    try:
        return [hashes[r] for r in multiproof_ranges(list(paths), size)]
    except KeyError as e:  # cannot happen for paths of these indices: every range is a sibling
        raise ProofError(f"no inclusion path provides subtree {e.args[0]}") from e


def root_from_multiproof(leaves: Mapping[int, bytes], size: int, proof: Sequence[bytes]) -> bytes:
    """The root ``proof`` implies for the leaf hashes ``leaves`` (index → hash) in a tree of ``size``.

    ``ProofError`` when the proof has too few or too many hashes, or an index is out of range.
    """
    wanted = _check(list(leaves), size)
    position = 0

    def walk(lo: int, hi: int, first: int, last: int) -> bytes:
        nonlocal position
        if first == last:
            if position >= len(proof):
                raise ProofError(f"multiproof too short: {len(proof)} hashes")
            node = bytes(proof[position])
            position += 1
            return node
        if hi - lo == 1:
            return bytes(leaves[lo])
        mid = lo + _split(hi - lo)
        cut = first
        while cut < last and wanted[cut] < mid:
            cut += 1
        left = walk(lo, mid, first, cut)
        return merkle.node_hash(left, walk(mid, hi, cut, last))

    root = walk(0, size, 0, len(wanted))
    if position != len(proof):
        raise ProofError(f"multiproof has {len(proof) - position} hashes too many")
    return root


def verify_multiproof(leaves: Mapping[int, bytes], size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``leaves`` are at their indexes of the tree of ``size`` with head ``root``. Never raises
    for bad evidence."""
    try:
        return hmac.compare_digest(root_from_multiproof(leaves, size, proof), root)
    except (ProofError, ValueError, TypeError, KeyError):
        return False
