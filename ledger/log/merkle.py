"""RFC 9162 (RFC 6962) Merkle tree hashing and proofs over 32-byte SHA-256 hashes.

Pure functions only. A tree of ``size`` leaves is addressed two ways:

- by leaf ranges ``[start, end)``: the MTH of ``D[start:end]``;
- by aligned perfect subtrees ``(level, index)``: the MTH of
  ``D[index * 2**level : (index + 1) * 2**level]`` — what storage keeps.

Every proof node is the MTH of a range that is a node of the RFC tree, and every
such range is a short run of perfect subtrees (``perfect_subtrees``), combined
by ``range_hash``. The list functions (``root``, ``inclusion_proof``,
``consistency_proof``) use exactly that path, so the storage code and the list
code share one algorithm. Nothing here recurses or recomputes a subtree twice.

Precondition failures raise ``ProofError`` with a message naming the values;
``verify_*`` never raise for bad evidence and return ``False`` instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from ledger.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "append_leaves",
    "consistency_proof",
    "consistency_proof_ranges",
    "frontier_subtrees",
    "inclusion_proof",
    "inclusion_proof_ranges",
    "leaf_hash",
    "levels",
    "node_hash",
    "perfect_subtrees",
    "range_hash",
    "root",
    "root_from_consistency_proof",
    "root_from_frontier",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


# --- hashing -----------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data): the RFC 6962 hash of a leaf's data."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right). Precondition: both are 32-byte hashes."""
    _check_hash(left, "left")
    _check_hash(right, "right")
    return _sha256(b"\x01" + left + right).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _check_hash(value: object, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        got = f"{len(value)} bytes" if isinstance(value, bytes | bytearray) else type(value).__name__
        raise ProofError(f"{what} must be a {HASH_SIZE}-byte hash, got {got}")


def _check_hashes(values: Sequence[bytes], what: str) -> None:
    for i, value in enumerate(values):
        _check_hash(value, f"{what}[{i}]")


def _check_int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProofError(f"{what} must be an int, got {type(value).__name__}")
    return value


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (precondition: n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- ranges and perfect subtrees (what storage reads) ------------------------


def inclusion_proof_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges ``[start, end)`` whose MTHs form PATH(index, D[0:size]), in proof order.

    Preconditions: ``0 <= index < size``.
    """
    _check_int(index, "index")
    _check_int(size, "size")
    if not 0 <= index < size:
        raise ProofError(f"index {index} out of range for size {size}", index=index, size=size)
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            out.append((mid, hi))
            hi = mid
        else:
            out.append((lo, mid))
            lo = mid
    out.reverse()
    return out


def consistency_proof_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PROOF(old_size, D[0:new_size]) (RFC 9162 §2.1.4.1).

    Preconditions: ``0 <= old_size <= new_size``. Empty for ``old_size`` 0 or ``new_size``.
    """
    _check_int(old_size, "old_size")
    _check_int(new_size, "new_size")
    if not 0 <= old_size <= new_size:
        raise ProofError(
            f"old_size {old_size} out of range for new_size {new_size}",
            old_size=old_size,
            new_size=new_size,
        )
    if old_size in (0, new_size):
        return []
    out: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while m != hi - lo:  # SUBPROOF(m, D[lo:hi], complete)
        mid = lo + _split(hi - lo)
        if m <= mid - lo:
            out.append((mid, hi))
            hi = mid
        else:
            out.append((lo, mid))
            m -= mid - lo
            lo = mid
            complete = False
    if not complete:
        out.append((lo, hi))
    out.reverse()
    return out


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """``(level, index)`` of the perfect subtrees making up ``[start, end)``, left to right.

    Preconditions: ``0 <= start < end`` and the range is a node of the RFC tree,
    i.e. ``start`` is a multiple of the smallest power of two ``>= end - start``
    (true of every proof range and of ``[0, size)``).
    """
    _check_int(start, "start")
    _check_int(end, "end")
    if not 0 <= start < end:
        raise ProofError(f"range [{start}, {end}) is empty or negative", start=start, end=end)
    n = end - start
    if start % (1 << (n - 1).bit_length()):
        raise ProofError(f"range [{start}, {end}) is not a node of the RFC 6962 tree", start=start, end=end)
    out: list[tuple[int, int]] = []
    pos = start
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            out.append((level, pos >> level))
            pos += 1 << level
    return out


def range_hash(subtree_hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its perfect subtrees' hashes, left to right (largest first).

    Precondition: at least one 32-byte hash, as given by ``perfect_subtrees``.
    """
    if len(subtree_hashes) == 0:
        raise ProofError("range_hash needs at least one subtree hash")
    _check_hashes(subtree_hashes, "subtree_hashes")
    h = subtree_hashes[-1]
    for left in reversed(subtree_hashes[:-1]):
        h = _node(left, h)
    return bytes(h)


def frontier_subtrees(size: int) -> list[tuple[int, int]]:
    """``(level, index)`` of the perfect subtrees making up a tree of ``size`` leaves.

    One per set bit of ``size``, largest first. Precondition: ``size >= 0``.
    """
    _check_int(size, "size")
    if size < 0:
        raise ProofError(f"size {size} is negative", size=size)
    return perfect_subtrees(0, size) if size else []


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """MTH of a tree from its frontier hashes (largest first); ``EMPTY_ROOT`` for none."""
    return range_hash(frontier) if len(frontier) else EMPTY_ROOT


def append_leaves(
    frontier: Sequence[bytes], size: int, new_leaves: Sequence[bytes]
) -> tuple[list[tuple[int, int, bytes]], list[bytes]]:
    """Extend a tree of ``size`` leaves, given by its frontier, with ``new_leaves``.

    Preconditions: ``len(frontier) == popcount(size)``, hashes are 32 bytes.
    Returns every newly completed node of level >= 1 as ``(level, index, hash)``
    (in completion order) and the new frontier (largest subtree first).
    """
    _check_int(size, "size")
    if size < 0:
        raise ProofError(f"size {size} is negative", size=size)
    if len(frontier) != size.bit_count():
        raise ProofError(
            f"frontier has {len(frontier)} hashes, size {size} needs {size.bit_count()}",
            size=size,
        )
    _check_hashes(frontier, "frontier")
    _check_hashes(new_leaves, "new_leaves")
    stack = [bytes(h) for h in frontier]
    nodes: list[tuple[int, int, bytes]] = []
    push, pop, emit, sha = stack.append, stack.pop, nodes.append, _sha256  # hot loop
    n = size
    for leaf in new_leaves:
        h = bytes(leaf)
        level = 0
        m = n
        while m & 1:  # the left sibling at this level is complete: merge
            h = sha(b"\x01" + pop() + h).digest()
            level += 1
            m >>= 1
            emit((level, m, h))
        push(h)
        n += 1
    return nodes, stack


def levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Every perfect subtree's hash, by level: ``levels(D)[level][index]`` is node ``(level, index)``.

    Level 0 is the leaves; a level holds only complete nodes, so the frontier of
    any ``size`` is ``[levels[lv][ix] for lv, ix in frontier_subtrees(size)]``.
    One SHA-256 per node, a level at a time (what a full verification does).
    """
    _check_hashes(leaf_hashes, "leaf_hashes")
    out = [[bytes(h) for h in leaf_hashes]]
    sha = _sha256
    while len(out[-1]) > 1:
        layer = out[-1]
        out.append([sha(b"\x01" + a + b).digest() for a, b in zip(layer[0::2], layer[1::2], strict=False)])
    return out


# --- list functions (hashes in memory) ---------------------------------------


def _perfect_hash(leaf_hashes: Sequence[bytes], level: int, index: int) -> bytes:
    """MTH of the perfect subtree (level, index), by pairwise reduction."""
    start = index << level
    layer = [bytes(h) for h in leaf_hashes[start : start + (1 << level)]]
    while len(layer) > 1:
        layer = [_node(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
    return layer[0]


def _range_mth(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    subtrees = perfect_subtrees(start, end)
    return range_hash([_perfect_hash(leaf_hashes, lv, ix) for lv, ix in subtrees])


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[0:n]) of the given 32-byte leaf hashes; ``EMPTY_ROOT`` for none."""
    _check_hashes(leaf_hashes, "leaf_hashes")
    if not leaf_hashes:
        return EMPTY_ROOT
    return _range_mth(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[0:n]) (RFC 9162 §2.1.3.1). Precondition: ``0 <= index < n``."""
    ranges = inclusion_proof_ranges(index, len(leaf_hashes))
    _check_hashes(leaf_hashes, "leaf_hashes")
    return [_range_mth(leaf_hashes, s, e) for s, e in ranges]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:n]) (RFC 9162 §2.1.4.1). Precondition: ``0 <= old_size <= n``.

    Empty when ``old_size`` is 0 or ``n``.
    """
    ranges = consistency_proof_ranges(old_size, len(leaf_hashes))
    _check_hashes(leaf_hashes, "leaf_hashes")
    return [_range_mth(leaf_hashes, s, e) for s, e in ranges]


# --- verification ------------------------------------------------------------


def _decompose(index: int, size: int) -> tuple[int, int]:
    """(inner, border): proof nodes below and on the right border of the tree."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root implied by ``proof`` that ``leaf_hash`` is leaf ``index`` of a tree of ``size``.

    Preconditions (ProofError otherwise): ``0 <= index < size``; 32-byte hashes;
    ``len(proof)`` is the length of a proof for (index, size).
    """
    _check_int(index, "index")
    _check_int(size, "size")
    if not 0 <= index < size:
        raise ProofError(f"index {index} out of range for size {size}", index=index, size=size)
    _check_hash(leaf_hash, "leaf_hash")
    _check_hashes(proof, "proof")
    inner, border = _decompose(index, size)
    if len(proof) != inner + border:
        raise ProofError(
            f"proof has {len(proof)} hashes, index {index} in size {size} needs {inner + border}",
            index=index,
            size=size,
        )
    h = bytes(leaf_hash)
    for i in range(inner):
        h = _node(proof[i], h) if index >> i & 1 else _node(h, proof[i])
    for p in proof[inner:]:
        h = _node(p, h)
    return h


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """True iff ``proof`` shows ``leaf_hash`` at ``index`` in the tree of ``size`` with ``root``.

    Never raises for bad evidence (wrong lengths, out-of-range values): returns False.
    """
    try:
        computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
        _check_hash(root, "root")
    except ProofError:
        return False
    return hmac.compare_digest(computed, root)


def root_from_consistency_proof(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> bytes:
    """The new root implied by ``proof`` that the tree of ``old_size`` with ``old_root`` grew to ``new_size``.

    Preconditions (ProofError otherwise): ``0 <= old_size <= new_size``; 32-byte
    hashes; ``proof`` has the right length and reproduces ``old_root``. For
    ``old_size == new_size`` the proof is empty and ``old_root`` is returned;
    for ``old_size == 0`` the proof is empty, ``old_root`` must be ``EMPTY_ROOT``
    and no new root is implied (ProofError unless ``new_size == 0``).
    """
    _check_int(old_size, "old_size")
    _check_int(new_size, "new_size")
    if not 0 <= old_size <= new_size:
        raise ProofError(
            f"old_size {old_size} out of range for new_size {new_size}",
            old_size=old_size,
            new_size=new_size,
        )
    _check_hash(old_root, "old_root")
    _check_hashes(proof, "proof")
    if old_size == 0 and not hmac.compare_digest(old_root, EMPTY_ROOT):
        raise ProofError("old_root of an empty tree must be EMPTY_ROOT", old_size=0)
    if old_size == new_size:
        if proof:
            raise ProofError(
                f"proof has {len(proof)} hashes, equal sizes {old_size} need 0",
                old_size=old_size,
                new_size=new_size,
            )
        return bytes(old_root)
    if old_size == 0:
        raise ProofError(
            f"a consistency proof from size 0 implies no root for size {new_size}",
            old_size=0,
            new_size=new_size,
        )
    inner, border = _decompose(old_size - 1, new_size)
    shift = (old_size & -old_size).bit_length() - 1  # trailing zero bits of old_size
    inner -= shift
    if old_size == 1 << shift:  # old tree is a perfect subtree: it is the seed
        seed, rest = bytes(old_root), proof
    else:
        if not proof:
            raise ProofError(
                f"proof is empty, sizes {old_size} -> {new_size} need {1 + inner + border}",
                old_size=old_size,
                new_size=new_size,
            )
        seed, rest = bytes(proof[0]), proof[1:]
    if len(rest) != inner + border:
        want = len(proof) - len(rest) + inner + border
        raise ProofError(
            f"proof has {len(proof)} hashes, sizes {old_size} -> {new_size} need {want}",
            old_size=old_size,
            new_size=new_size,
        )
    mask = (old_size - 1) >> shift
    h1 = h2 = seed
    for i in range(inner):
        if mask >> i & 1:
            h1 = _node(rest[i], h1)
            h2 = _node(rest[i], h2)
        else:
            h2 = _node(h2, rest[i])
    for p in rest[inner:]:
        h1 = _node(p, h1)
        h2 = _node(p, h2)
    if not hmac.compare_digest(h1, old_root):
        raise ProofError(
            f"proof does not reproduce the old root of size {old_size}",
            old_size=old_size,
            new_size=new_size,
        )
    return h2


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True iff ``proof`` shows the tree (old_size, old_root) is a prefix of (new_size, new_root).

    A tree of size 0 (root ``EMPTY_ROOT``) is a prefix of every tree (empty proof).
    Never raises for bad evidence: returns False.
    """
    try:
        _check_hash(new_root, "new_root")
        if isinstance(old_size, int) and old_size == 0 and isinstance(new_size, int):
            _check_hash(old_root, "old_root")
            ok = new_size >= 0 and not proof and hmac.compare_digest(old_root, EMPTY_ROOT)
            if new_size == 0:
                ok = ok and hmac.compare_digest(new_root, EMPTY_ROOT)
            return bool(ok)
        computed = root_from_consistency_proof(old_size, new_size, old_root, proof)
    except ProofError:
        return False
    return hmac.compare_digest(computed, new_root)
