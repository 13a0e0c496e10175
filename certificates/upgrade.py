"""Upgrading an older certificate's proofs to a newer checkpoint.

The issuer's signature covers the evidence pinned to the checkpoint the
certificate was issued against. A holder can later attach an ``upgrade``
(unsigned, replaceable): a newer signed checkpoint, the RFC 9162 consistency
proof from the evidence checkpoint to it, and optionally fresh inclusion proofs
of the evidence entries against it. The verifier checks all three
(``upgrade.*`` checks) besides the original evidence, so a buyer who trusts a
newer checkpoint (say, one a witness co-signed) can see the certificate's log
is a prefix of it.

``attach_upgrade`` is pure (offline: the pieces come from anywhere and are
checked against each other, not against a trusted key — verification does
that); ``upgrade_certificate`` fetches the pieces from a ``Ledger``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from certificates.document import Certificate, Upgrade, UpgradeProof
from certificates.errors import UpgradeError
from ledger.errors import LedgerError
from ledger.log import merkle
from ledger.log.checkpoint import parse_note
from ledger.store.append import Ledger

__all__ = ["attach_upgrade", "upgrade_certificate"]


def attach_upgrade(
    cert: Certificate,
    new_checkpoint: str,
    consistency_proof: Sequence[bytes],
    new_inclusion_proofs: Mapping[int, Sequence[bytes]] | None = None,
) -> Certificate:
    """``cert`` carrying an upgrade to ``new_checkpoint``.

    Preconditions (``UpgradeError`` otherwise): both checkpoints parse; the new
    one is at least as large; the consistency proof links their roots; every
    new inclusion proof is for an evidence seq and reaches the new root.
    Signatures on the checkpoints are not checked here (that needs the trusted
    key: ``check_certificate`` does it).
    """
    try:
        old, _ = parse_note(cert.body.evidence.checkpoint)
        new, _ = parse_note(new_checkpoint)
    except LedgerError as e:
        raise UpgradeError(f"checkpoint unreadable: {e.message}") from e
    if new.origin != old.origin:
        raise UpgradeError(f"newer checkpoint is of log {new.origin!r}, not {old.origin!r}")
    if not merkle.verify_consistency(
        old.size, new.size, old.root_hash, new.root_hash, list(consistency_proof)
    ):
        raise UpgradeError(
            f"consistency proof {old.size} -> {new.size} does not link the two roots",
            old_size=old.size,
            new_size=new.size,
        )
    leaves = {e.seq: bytes.fromhex(e.leaf_hash) for e in cert.body.evidence.entries}
    proofs: list[UpgradeProof] = []
    for seq, path in sorted((new_inclusion_proofs or {}).items()):
        if seq not in leaves:
            raise UpgradeError(f"seq {seq} is not part of the certificate's evidence", seq=seq)
        if not merkle.verify_inclusion(leaves[seq], seq, new.size, list(path), new.root_hash):
            raise UpgradeError(f"inclusion proof of seq {seq} does not reach the newer root", seq=seq)
        proofs.append(UpgradeProof(seq=seq, proof=[h.hex() for h in path]))
    return cert.with_upgrade(
        Upgrade(checkpoint=new_checkpoint, consistency=[h.hex() for h in consistency_proof], proofs=proofs)
    )


def upgrade_certificate(cert: Certificate, ledger: Ledger, *, with_inclusion: bool = True) -> Certificate:
    """``cert`` upgraded to ``ledger``'s latest checkpoint (with fresh inclusion proofs unless told not
    to)."""
    note = ledger.latest_checkpoint()
    new_size = parse_note(note)[0].size
    old_size = parse_note(cert.body.evidence.checkpoint)[0].size
    proof = ledger.consistency_proof(old_size, new_size)
    inclusion = (
        {e.seq: list(ledger.inclusion_proof(e.seq, new_size).path) for e in cert.body.evidence.entries}
        if with_inclusion
        else None
    )
    return attach_upgrade(cert, note, list(proof.path), inclusion)
