"""Offline verification of a certificate: needs only the file and the ledger's public key.

``check_certificate`` is pure and never raises for bad evidence: it returns a
``VerificationResult`` listing every check (name, ok, detail).
``verify_certificate`` is the raising wrapper built on it.

The checks, by stable name:

- ``document`` — the JSON has the certificate layout (if not, nothing else runs);
- ``checkpoint.signature`` — the evidence checkpoint is signed by the trusted key;
- ``evidence.canonical`` — every body is canonical RFC 8785 JSON of a well-formed
  entry whose ``seq`` and ``kind`` are the ones listed, each seq once;
- ``evidence.inclusion`` — one multiproof (``ledger.log.multiproof``) leads from every
  entry's leaf hash (SHA-256 of 0x00 ‖ body) at its seq to the checkpoint root (the root as
  written: whether the trusted key signed it is ``checkpoint.signature``);
- ``evidence.signatures`` — every entry's submitter signature verifies against the
  key its actor held at that seq, replayed from the ``actor.*`` entries in the evidence;
- ``issuer.key`` — the issuer's ``actor.register`` (and any ``actor.rotate_key``) is in
  the evidence, the signature names the latest of them, and the issuer's name and
  USCC are those it registered;
- ``issuer.signature`` — the Ed25519 signature over the signed bytes verifies;
- ``footprint.entry`` — the ``footprint.publish`` entry is in the evidence, by the issuer,
  and so is the ``attribution.run`` it cites, if any;
- ``footprint.figures`` — every figure equals what that entry's payload says (the ledger
  re-computed the payload on append: model, the run's rows, background);
- ``rows.inclusion``, ``green.lot``, ``rows.coverage``, ``green.derivation``, ``green.gec`` —
  the green electricity re-derived from the issuer's committed rows and the lot's meter shares
  (``certificates.derivation``);
- ``verification.statement`` — a cited statement is a ``verification.statement``
  entry in the evidence, by an actor registered as a verifier, about the issuer,
  and it covers the certified footprint (``certificates.statements.statement_covers``:
  the footprint is in its scope, or in the issuer's trail before its tree size);
- ``upgrade.checkpoint`` / ``upgrade.consistency`` / ``upgrade.inclusion`` — only
  when the certificate carries an ``upgrade``: the newer checkpoint is signed by
  the trusted key, the evidence checkpoint is a prefix of it, and a new multiproof,
  when given, leads the evidence entries to its root.
- ``checkpoint.witnesses`` — only when the trust carries a witness policy: the newest
  checkpoint the certificate carries (the upgrade's, else the evidence's) is cosigned
  by a quorum of the policy's witnesses (``ledger.log.policy``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificates.checks import Check
from certificates.derivation import green_checks
from certificates.document import Certificate, EvidenceEntry
from certificates.errors import CertificateInvalid, MalformedCertificate
from certificates.figures import claims_from_footprint, differing_fields
from certificates.statements import statement_covers
from ledger import (
    Checkpoint,
    Entry,
    KeyHistory,
    LedgerError,
    check_checkpoint,
    parse_note,
    parse_verifier_key,
)
from ledger.log import merkle
from ledger.log.entry import signed_part
from ledger.log.keys import verify_b64
from ledger.log.multiproof import verify_multiproof
from ledger.log.policy import Policy

__all__ = [
    "Check",
    "TrustedKey",
    "Verifier",
    "VerificationResult",
    "check_certificate",
    "check_file",
    "check_files",
    "verify_certificate",
]


@dataclass(frozen=True)
class VerificationResult:
    """Every check run on one certificate. ``ok`` iff all passed."""

    certificate_id: str | None
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> tuple[str, ...]:
        """Names of the failed checks, in check order."""
        return tuple(c.name for c in self.checks if not c.ok)

    def check(self, name: str) -> Check:
        """The check called ``name``; KeyError if it did not run."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "certificate_id": self.certificate_id,
            "ok": self.ok,
            "failed": list(self.failed),
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class TrustedKey:
    """The ledger operator's checkpoint key. ``name`` None: take the checkpoint's origin as the key name."""

    key: Ed25519PublicKey
    name: str | None = None
    policy: Policy | None = None  # when set, ``checkpoint.witnesses`` runs

    @classmethod
    def from_text(cls, text: str) -> TrustedKey:
        """A PEM public key or a C2SP verifier key (``name+keyid+base64``); ``MalformedCertificate``
        otherwise."""
        stripped = text.strip()
        if stripped.startswith("-----BEGIN"):
            try:
                key = serialization.load_pem_public_key(stripped.encode("ascii"))
            except ValueError as e:
                raise MalformedCertificate(
                    f"trusted key is not a PEM public key: {e}", code="trust.malformed"
                ) from e
            if not isinstance(key, Ed25519PublicKey):
                raise MalformedCertificate(
                    f"trusted key is a {type(key).__name__}, not Ed25519", code="trust.malformed"
                )
            return cls(key)
        try:
            name, key = parse_verifier_key(stripped)
        except LedgerError as e:
            raise MalformedCertificate(f"trusted key unreadable: {e.message}", code="trust.malformed") from e
        return cls(key, name)

    @classmethod
    def from_file(cls, path: Path) -> TrustedKey:
        """Read ``from_text`` from a file."""
        try:
            return cls.from_text(Path(path).read_text(encoding="utf-8"))
        except OSError as e:
            raise MalformedCertificate(
                f"cannot read trusted key {path}: {e.strerror}", code="trust.unreadable"
            ) from e


# --- helpers ------------------------------------------------------------------------


def _checkpoint(note: str, trust: TrustedKey) -> tuple[Checkpoint | None, bool, str]:
    """(the checkpoint as parsed or None, whether the trusted key signed it, why not)."""
    try:
        parsed = parse_note(note)[0]
    except LedgerError as e:
        return None, False, e.message
    try:
        result = check_checkpoint(note, trust.name or parsed.origin, trust.key)
    except LedgerError as e:  # a name that is not a valid key name
        return parsed, False, e.message
    if not result.ok:
        return parsed, False, result.reason or "checkpoint does not verify"
    return parsed, True, ""


def _hashes(hexes: Iterable[str]) -> list[bytes] | None:
    try:
        return [bytes.fromhex(h) for h in hexes]
    except ValueError:
        return None


def _seqs(items: list[int], limit: int = 8) -> str:
    shown = ", ".join(str(s) for s in items[:limit])
    return shown + (f" … ({len(items)} in all)" if len(items) > limit else "")


def _fail(name: str, bad: list[int], what: str) -> Check:
    return Check(name, not bad, f"{what} at seq {_seqs(bad)}" if bad else "")


def _parse_entries(items: list[EvidenceEntry], memo: _Memo) -> tuple[dict[int, Entry], list[int]]:
    """Parsed entries by seq; seqs whose body is bad (not canonical, not the listed entry, twice)."""
    parsed: dict[int, Entry] = {}
    bad: list[int] = []
    for item in items:
        entry = memo.entry(item.body)
        if entry is None or entry.seq != item.seq or entry.kind != item.kind or item.seq in parsed:
            bad.append(item.seq)
            continue
        parsed[item.seq] = entry
    return parsed, bad


def _inclusion(
    items: list[EvidenceEntry], proof_hex: list[str], checkpoint: Checkpoint | None, memo: _Memo
) -> Check:
    """``evidence.inclusion``: the multiproof leads from every entry's leaf hash to the root."""
    leaves: dict[int, bytes] = {}
    for item in items:
        entry = memo.entry(item.body)
        if entry is None or item.seq in leaves:
            return Check("evidence.inclusion", False, f"entry at seq {item.seq} cannot be hashed as listed")
        leaves[item.seq] = bytes.fromhex(entry.hash)
    proof = _hashes(proof_hex)
    ok = (
        checkpoint is not None
        and proof is not None
        and bool(leaves)
        and verify_multiproof(leaves, checkpoint.size, proof, checkpoint.root_hash)
    )
    return Check(
        "evidence.inclusion",
        ok,
        "" if ok else "the multiproof does not lead the entries to the checkpoint root",
    )


@dataclass(frozen=True)
class _Keys:
    """Actor keys replayed from the evidence: signature failures, keys and roles per actor."""

    bad_signatures: list[int]
    unknown_signers: list[int]
    key: dict[str, str]
    key_seq: dict[str, int]
    role: dict[str, str]
    register: dict[str, dict[str, Any]]


def _replay_keys(entries: dict[int, Entry], memo: _Memo) -> _Keys:
    # The ledger's own replay (``KeyHistory``, as ``verify`` uses it): the key
    # each entry must be signed with; roles and registrations are read alongside.
    history = KeyHistory()
    role: dict[str, str] = {}
    register: dict[str, dict[str, Any]] = {}
    bad: list[int] = []
    unknown: list[int] = []
    for seq in sorted(entries):
        e = entries[seq]
        signer = history.key_for(e)
        if signer is None:
            unknown.append(seq)
        elif not memo.signature_ok(e, signer):
            bad.append(seq)
        actor = e.payload.get("id")
        if e.kind == "actor.register" and isinstance(actor, str) and actor not in history.keys:
            role[actor], register[actor] = str(e.payload.get("role")), dict(e.payload)
        history.apply(e)
    return _Keys(bad, unknown, history.keys, history.since, role, register)


def _public_key(b64: str) -> Ed25519PublicKey | None:
    try:
        raw = base64.b64decode(b64, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        return None


def _signature_ok(entry: Entry, key_b64: str) -> bool:
    """The entry's signature over the ledger's signed bytes verifies: the body with its placed fields
    cut off (``signed_part``, as ``tanji ledger verify`` reads them, no re-canonicalising), which for
    a canonical body are exactly ``ledger.signed_bytes`` of its submission. ``entry`` is parsed and
    checked already: its placed fields are read, not parsed again."""
    key = _public_key(key_b64)
    signed = signed_part(entry.body.encode("utf-8"), entry.seq, entry.prev, entry.recorded_at, entry.sig)
    return key is not None and signed is not None and verify_b64(key, entry.sig, signed)


# --- the checks ---------------------------------------------------------------------


def _issuer_checks(cert: Certificate, keys: _Keys) -> list[Check]:
    body = cert.body
    actor = body.issuer.actor
    sig = cert.signature
    problems: list[str] = []
    if actor not in keys.register:
        problems.append(f"no actor.register of issuer {actor!r} in the evidence")
    else:
        reg = keys.register[actor]
        if reg.get("name") != body.issuer.name or reg.get("uscc") != body.issuer.uscc:
            problems.append(
                f"issuer name or USCC differ from its actor.register at seq {keys.key_seq.get(actor)}"
            )
        if sig is None:
            problems.append("certificate is not signed")
        elif sig.key_seq != keys.key_seq[actor]:
            problems.append(
                f"signature names the key set at seq {sig.key_seq}, the issuer's latest key in the evidence "
                f"was set at seq {keys.key_seq[actor]}"
            )
    key_check = Check("issuer.key", not problems, "; ".join(problems))
    raw_sig = cert.signature_bytes()
    public = _public_key(keys.key[actor]) if actor in keys.key else None
    if raw_sig is None or public is None:
        sig_check = Check(
            "issuer.signature",
            False,
            "no usable signature" if raw_sig is None else "no issuer key in the evidence",
        )
    else:
        try:
            public.verify(raw_sig, cert.signed_bytes())
            sig_check = Check("issuer.signature", True)
        except (InvalidSignature, MalformedCertificate):
            sig_check = Check("issuer.signature", False, "signature does not verify against the issuer's key")
    return [key_check, sig_check]


def _footprint_checks(cert: Certificate, entries: dict[int, Entry]) -> list[Check]:
    fp = cert.body.footprint
    entry = entries.get(fp.seq)
    if entry is None or entry.kind != "footprint.publish":
        return [
            Check("footprint.entry", False, f"no footprint.publish entry at seq {fp.seq} in the evidence"),
            Check("footprint.figures", False, "footprint entry missing"),
        ]
    if entry.payload.get("footprint_id") != fp.id or entry.actor != cert.body.issuer.actor:
        return [
            Check(
                "footprint.entry",
                False,
                f"entry {fp.seq} is footprint {entry.payload.get('footprint_id')} by {entry.actor!r}, "
                f"not {fp.id} by {cert.body.issuer.actor!r}",
            ),
            Check("footprint.figures", False, "footprint entry does not match"),
        ]
    run_seq = entry.payload.get("attribution_run_seq")
    run = entries.get(run_seq) if isinstance(run_seq, int) else None
    run_payload = run.payload if run is not None and run.kind == "attribution.run" else None
    if run_seq is not None and run_payload is None:
        return [
            Check(
                "footprint.entry",
                False,
                f"the footprint cites attribution run {run_seq}, which is not in the evidence",
            ),
            Check("footprint.figures", False, "attribution run missing"),
        ]
    try:
        expected = claims_from_footprint(entry.payload, fp.seq, run_payload)
    except (KeyError, TypeError, ValueError) as e:
        return [
            Check("footprint.entry", True),
            Check("footprint.figures", False, f"footprint payload unreadable: {e!r}"),
        ]
    diff = differing_fields(expected, cert.data)
    detail = f"differs from the footprint entry: {', '.join(diff[:8])}" if diff else ""
    return [Check("footprint.entry", True), Check("footprint.figures", not diff, detail)]


def _statement_check(cert: Certificate, entries: dict[int, Entry], keys: _Keys) -> Check:
    v = cert.body.verification
    name = "verification.statement"
    if v is None:
        return Check(name, True, "no statement cited")
    entry = entries.get(v.seq)
    if entry is None or entry.kind != "verification.statement":
        return Check(name, False, f"no verification.statement entry at seq {v.seq} in the evidence")
    p = entry.payload
    problems: list[str] = []
    if keys.role.get(entry.actor) != "verifier":
        problems.append(f"{entry.actor!r} is not registered as a verifier in the evidence")
    if p.get("subject") != cert.body.issuer.actor:
        problems.append(f"statement is about {p.get('subject')!r}, not the issuer")
    else:
        covers, why = statement_covers(
            p, cert.body.footprint.id, cert.body.footprint.seq, cert.body.issuer.actor
        )
        if not covers:
            problems.append(f"the statement does not cover the footprint: {why}")
    presented = (v.verifier, v.opinion, v.standard, v.tree_size)
    if presented != (entry.actor, p.get("opinion"), p.get("standard"), p.get("tree_size")):
        problems.append("verifier, opinion, standard or tree size differ from the statement entry")
    return Check(name, not problems, "; ".join(problems))


def _upgrade_checks(cert: Certificate, old: Checkpoint | None, memo: _Memo) -> list[Check]:
    up = cert.upgrade
    if up is None:
        return []
    new, trusted, reason = memo.checkpoint(up.checkpoint)
    checks = [Check("upgrade.checkpoint", trusted, reason)]
    proof = _hashes(up.consistency)
    consistent = (
        new is not None
        and old is not None
        and proof is not None
        and merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    )
    checks.append(
        Check(
            "upgrade.consistency",
            consistent,
            "" if consistent else "the evidence checkpoint is not shown to be a prefix of the newer one",
        )
    )
    if up.proof is not None:
        found = _inclusion(cert.body.evidence.entries, up.proof, new, memo)
        checks.append(
            Check("upgrade.inclusion", found.ok, found.detail.replace("checkpoint", "newer checkpoint"))
        )
    return checks


class _Memo:
    """The costly per-item work of a verification, computed once per distinct input.

    ``check_certificate`` uses a fresh memo per call (nothing is shared between
    calls); a ``Verifier`` keeps one across certificates of the same ledger, whose
    evidence overlaps (actors' registrations, checkpoints). Results are the same
    either way: every value is a pure function of its key (and the trusted key).
    """

    def __init__(self, trust: TrustedKey, limit: int = 100_000) -> None:
        self.trust = trust
        self.limit = limit
        self._checkpoints: dict[str, tuple[Checkpoint | None, bool, str]] = {}
        self._entries: dict[str, Entry | None] = {}
        self._signatures: dict[tuple[str, str], bool] = {}

    def _room(self) -> None:
        if len(self._entries) + len(self._signatures) + len(self._checkpoints) > self.limit:
            self._checkpoints.clear()
            self._entries.clear()
            self._signatures.clear()

    def checkpoint(self, note: str) -> tuple[Checkpoint | None, bool, str]:
        if note not in self._checkpoints:
            self._room()
            self._checkpoints[note] = _checkpoint(note, self.trust)
        return self._checkpoints[note]

    def entry(self, body: str) -> Entry | None:
        """The entry a canonical, well-formed body holds; None if it is not one."""
        if body not in self._entries:
            self._room()
            try:
                self._entries[body] = Entry.from_body(body)
            except LedgerError:
                self._entries[body] = None
        return self._entries[body]

    def signature_ok(self, entry: Entry, key_b64: str) -> bool:
        k = (entry.body, key_b64)
        if k not in self._signatures:
            self._room()
            self._signatures[k] = _signature_ok(entry, key_b64)
        return self._signatures[k]


def _check(certificate: Certificate | bytes | str | dict[str, Any], memo: _Memo) -> VerificationResult:
    try:
        cert = (
            certificate
            if isinstance(certificate, Certificate)
            else (
                Certificate.from_json(certificate)
                if isinstance(certificate, dict)
                else Certificate.from_bytes(certificate)
            )
        )
    except MalformedCertificate as e:
        cid = certificate.get("id") if isinstance(certificate, dict) else None
        return VerificationResult(
            cid if isinstance(cid, str) else None, (Check("document", False, e.message),)
        )
    checks = [Check("document", True)]
    ev = cert.body.evidence
    checkpoint, trusted, reason = memo.checkpoint(ev.checkpoint)
    checks.append(Check("checkpoint.signature", trusted, reason))
    entries, bad_bodies = _parse_entries(ev.entries, memo)
    checks.append(_fail("evidence.canonical", bad_bodies, "body not canonical or not the listed entry"))
    checks.append(_inclusion(ev.entries, ev.proof, checkpoint, memo))
    keys = _replay_keys(entries, memo)
    problems = []
    if keys.bad_signatures:
        problems.append(f"signature does not verify at seq {_seqs(keys.bad_signatures)}")
    if keys.unknown_signers:
        problems.append(f"signer's key not in the evidence at seq {_seqs(keys.unknown_signers)}")
    checks.append(Check("evidence.signatures", not problems, "; ".join(problems)))
    checks.extend(_issuer_checks(cert, keys))
    checks.extend(_footprint_checks(cert, entries))
    checks.extend(green_checks(cert, entries))
    checks.append(_statement_check(cert, entries, keys))
    checks.extend(_upgrade_checks(cert, checkpoint, memo))
    if memo.trust.policy is not None:
        checks.append(_witness_check(cert, memo.trust.policy))
    return VerificationResult(cert.id, tuple(checks))


def _witness_check(cert: Certificate, policy: Policy) -> Check:
    """``checkpoint.witnesses``: the newest checkpoint the certificate carries meets the witness policy.

    The upgrade's checkpoint covers the evidence's (``upgrade.consistency``), so
    its cosignatures vouch for both.
    """
    note = cert.upgrade.checkpoint if cert.upgrade is not None else cert.body.evidence.checkpoint
    result = policy.check(note)
    return Check("checkpoint.witnesses", result.ok, "" if result.ok else f"[{result.code}] {result.reason}")


def check_certificate(
    certificate: Certificate | bytes | str | dict[str, Any], trust: TrustedKey
) -> VerificationResult:
    """Run every check on ``certificate`` against the trusted ledger key. Pure; never raises for bad input."""
    return _check(certificate, _Memo(trust))


class Verifier:
    """Checks many certificates of one ledger, doing each distinct piece of work once.

    Certificates of a park share evidence (the operator's and the actors'
    registrations, often the checkpoint); a ``Verifier`` remembers which bodies
    were canonical, which signatures verified and which checkpoints the trusted
    key signed (at most ``limit`` items, then it starts afresh). ``check`` gives
    exactly what ``check_certificate`` gives. Not thread-safe.
    """

    def __init__(self, trust: TrustedKey, *, limit: int = 100_000) -> None:
        self._memo = _Memo(trust, limit)

    def check(self, certificate: Certificate | bytes | str | dict[str, Any]) -> VerificationResult:
        """``check_certificate(certificate, trust)``."""
        return _check(certificate, self._memo)


def verify_certificate(
    certificate: Certificate | bytes | str | dict[str, Any], trust: TrustedKey
) -> Certificate:
    """The parsed certificate if every check passes; ``CertificateInvalid`` naming the failed checks.

    ``CertificateInvalid.details["result"]`` is the ``VerificationResult`` as JSON.
    """
    result = check_certificate(certificate, trust)
    if not result.ok:
        failed = [f"{c.name} ({c.detail})" if c.detail else c.name for c in result.checks if not c.ok]
        raise CertificateInvalid(
            f"certificate {result.certificate_id} failed: {'; '.join(failed)}",
            certificate_id=result.certificate_id,
            failed=list(result.failed),
            result=result.to_json(),
        )
    if isinstance(certificate, Certificate):
        return certificate
    if isinstance(certificate, dict):
        return Certificate.from_json(certificate)
    return Certificate.from_bytes(certificate)


def check_files(
    paths: list[Path], trust_path: Path, policy: Policy | None = None
) -> list[VerificationResult]:
    """``check_certificate`` on each file, through one ``Verifier`` (shared evidence checked once).

    ``MalformedCertificate`` when the trusted key or a file cannot be read (a bad
    certificate *inside* a readable file is a failed ``document`` check, not an error).
    """
    verifier = Verifier(replace(TrustedKey.from_file(trust_path), policy=policy))
    results = []
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError as e:
            raise MalformedCertificate(
                f"cannot read certificate {path}: {e.strerror}", code="certificate.unreadable"
            ) from e
        results.append(verifier.check(raw))
    return results


def check_file(path: Path, trust_path: Path) -> VerificationResult:
    """``check_files`` for one file."""
    return check_files([path], trust_path)[0]
