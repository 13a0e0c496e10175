"""Upgrading an older certificate's proofs to a newer checkpoint.

The issuer's signature covers the evidence pinned to the checkpoint the
certificate was issued against. A holder can later attach an ``upgrade``
(unsigned, replaceable): a newer signed checkpoint, the RFC 9162 consistency
proof from the evidence checkpoint to it, and optionally one fresh multiproof
of the evidence entries against it (``ledger.log.multiproof``). The verifier checks all three
(``upgrade.*`` checks) besides the original evidence, so a buyer who trusts a
newer checkpoint (say, one a witness co-signed) can see the certificate's log
is a prefix of it.

``attach_upgrade`` is pure (offline: the pieces come from anywhere and are
checked against each other, not against a trusted key — verification does
that); ``upgrade_certificate`` fetches the pieces from a ``Ledger``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from certificates.document import Certificate, Upgrade
from certificates.errors import UpgradeError
from ledger.errors import LedgerError
from ledger.log import merkle
from ledger.log.checkpoint import parse_note
from ledger.log.entry import Entry
from ledger.log.multiproof import multiproof_from_paths, verify_multiproof
from ledger.store.append import Ledger

__all__ = ["attach_upgrade", "upgrade_certificate"]


def attach_upgrade(
    cert: Certificate,
    new_checkpoint: str,
    consistency_proof: Sequence[bytes],
    new_inclusion_proofs: Mapping[int, Sequence[bytes]] | None = None,
) -> Certificate:
    """``cert`` carrying an upgrade to ``new_checkpoint``.

    ``new_inclusion_proofs`` (evidence seq → RFC 9162 inclusion path against the newer
    checkpoint), when given, must cover every evidence entry; they are carried as one multiproof.
    Preconditions (``UpgradeError`` otherwise): both checkpoints parse; the new one is at least as
    large; the consistency proof links their roots; the inclusion proofs reach the new root.
    Signatures on the checkpoints are not checked here (that needs the trusted key:
    ``check_certificate`` does it).
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
    proof: list[str] | None = None
    if new_inclusion_proofs is not None:
        try:
            leaves = {e.seq: bytes.fromhex(Entry.from_body(e.body).hash) for e in cert.body.evidence.entries}
        except LedgerError as e:
            raise UpgradeError(f"an evidence entry is malformed: {e.message}") from e
        extra = sorted(set(new_inclusion_proofs) - set(leaves))
        if extra:
            raise UpgradeError(f"seq {extra[0]} is not part of the certificate's evidence", seq=extra[0])
        if set(new_inclusion_proofs) != set(leaves):
            raise UpgradeError("fresh inclusion proofs must cover every evidence entry")
        try:
            nodes = multiproof_from_paths(new.size, {s: list(p) for s, p in new_inclusion_proofs.items()})
        except LedgerError as e:
            raise UpgradeError(f"inclusion proofs malformed: {e.message}") from e
        if not verify_multiproof(leaves, new.size, nodes, new.root_hash):
            raise UpgradeError("the inclusion proofs do not reach the newer root")
        proof = [h.hex() for h in nodes]
    return cert.with_upgrade(
        Upgrade(checkpoint=new_checkpoint, consistency=[h.hex() for h in consistency_proof], proof=proof)
    )


def upgrade_certificate(cert: Certificate, ledger: Ledger, *, with_inclusion: bool = False) -> Certificate:
    """``cert`` upgraded to ``ledger``'s latest checkpoint.

    The consistency proof alone shows the evidence checkpoint's tree is a prefix of the newer one,
    so every entry proven against the older root is in the newer tree: a fresh multiproof
    (``with_inclusion``) is redundant and left out by default (it would add kilobytes).
    """
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
