"""A supplier's Tanji certificate as a purchased input of a product model.

Issue 14: a purchased input carrying a Tanji certificate enters the model with
that certificate's figure -- never a typed one -- and only after the
certificate verifies.

- :func:`supplier_input` (the modeller's side, offline): verifies the
  certificate with the supplier ledger's key (``certificates.verify``) and,
  when the caller knows it, its status; refuses one that fails a check
  (``certificate.supplier_invalid``) or is revoked
  (``certificate.supplier_revoked``); returns the input's ``supplier`` block
  (``lca.model.SupplierFootprint``) with the certified market-based figures
  per declared unit and the certificate's content digest.
- :func:`check_supplier_certificate` (the ledger's side): a rule on every
  ``footprint.model`` (registered in ``lca.model_kind.SUPPLIER_CERTIFICATE_RULES``
  when this package's kinds load) and on every publish from such a model. The
  certificate must be issued on this ledger (``footprint.supplier_certificate_unknown``:
  a certificate of another ledger enters as a PACT footprint, marked
  supplier-declared), by the named issuer with the named digest, not revoked
  (``footprint.supplier_certificate_revoked``), and the input's figures must be
  the certified footprint's (``footprint.supplier_figures_mismatch``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from certificates.document import Certificate
from certificates.errors import CertificateError, MalformedCertificate
from certificates.verify import TrustedKey, check_certificate
from lca.kinds import FootprintRow
from lca.model import CertificateReference
from lca.units import PACT_UNITS
from ledger import RuleViolation, entry_at

__all__ = ["SupplierCertificateInvalid", "check_supplier_certificate", "supplier_input"]

_REL = 1e-9


class SupplierCertificateInvalid(CertificateError):
    """A supplier's certificate cannot enter a model: it does not verify, or it was revoked."""

    code = "certificate.supplier_invalid"


def _figures(cert: Certificate) -> dict[str, Any]:
    body = cert.body
    m = body.footprint.market
    return {
        "certificate_id": cert.id,
        "issuer": body.issuer.actor,
        "sha256": cert.content_digest(),
        "unit": PACT_UNITS[body.declared_unit.unit],
        "amount": body.declared_unit.amount,
        "total_kg_co2e": m.total,
        "fossil_kg_co2e": m.fossil,
        "biogenic_kg_co2e": m.biogenic,
        "land_use_kg_co2e": m.land_use,
        "primary_data_share": body.method.primary_data_share,
    }


def supplier_input(
    certificate: Certificate | bytes | str, trust: TrustedKey, *, status: str | None = None
) -> dict[str, Any]:
    """The ``supplier`` block of a model input from a supplier's certificate, verified offline.

    ``trust`` is the supplier ledger's key (with its witness policy, if any); ``status`` the
    certificate's online status when known (``valid``, ``revoked``, ``superseded``).
    ``SupplierCertificateInvalid`` (``certificate.supplier_invalid`` naming the failed checks, or
    ``certificate.supplier_revoked``) otherwise.
    """
    try:
        cert = certificate if isinstance(certificate, Certificate) else Certificate.from_bytes(certificate)
    except MalformedCertificate as e:
        raise SupplierCertificateInvalid(f"the supplier certificate is malformed: {e.message}") from e
    result = check_certificate(cert, trust)
    if not result.ok:
        raise SupplierCertificateInvalid(
            f"supplier certificate {cert.id} does not verify: {', '.join(result.failed)}",
            certificate_id=cert.id,
            failed=list(result.failed),
        )
    if status == "revoked":
        raise SupplierCertificateInvalid(
            f"supplier certificate {cert.id} is revoked",
            code="certificate.supplier_revoked",
            certificate_id=cert.id,
        )
    return {"certificate": _figures(cert), "supplier": cert.body.issuer.actor}


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _REL * max(abs(a), abs(b)) + 1e-12


def check_supplier_certificate(
    session: Session, publisher: str, ref: CertificateReference, where: str
) -> None:
    """The ledger's rule on a certificate-backed input (see the module docstring)."""
    from certificates.kinds import CertificateRow  # which registers this rule at import

    row = session.get(CertificateRow, ref.certificate_id)
    if row is None:
        raise RuleViolation(
            f"{where}: supplier certificate {ref.certificate_id} was not issued on this ledger; enter a "
            "certificate of another ledger as its PACT footprint (supplier-declared)",
            code="footprint.supplier_certificate_unknown",
            certificate_id=ref.certificate_id,
        )
    if row.issuer != ref.issuer or (ref.sha256 is not None and ref.sha256 != row.sha256):
        raise RuleViolation(
            f"{where}: certificate {ref.certificate_id} was issued by {row.issuer!r} with digest "
            f"{row.sha256[:12]}…, not by {ref.issuer!r} with {str(ref.sha256)[:12]}…",
            code="footprint.supplier_certificate_mismatch",
            certificate_id=ref.certificate_id,
        )
    if row.revoked_seq is not None:
        raise RuleViolation(
            f"{where}: supplier certificate {ref.certificate_id} was revoked at seq {row.revoked_seq}",
            code="footprint.supplier_certificate_revoked",
            certificate_id=ref.certificate_id,
        )
    fp = session.get(FootprintRow, row.footprint_id)
    entry = None if fp is None else entry_at(session, fp.seq)
    if entry is None:
        raise RuleViolation(
            f"{where}: the footprint of certificate {ref.certificate_id} is not on the ledger",
            code="footprint.supplier_certificate_unknown",
        )
    p = entry.payload
    market = p["results"]["market"]
    certified = {
        "unit": PACT_UNITS.get(str(p["declared_unit"])),
        "amount": float(p["declared_unit_amount"]),
        "total_kg_co2e": float(market["total"]),
        "fossil_kg_co2e": float(market["fossil"]),
        "biogenic_kg_co2e": float(market["biogenic"]),
        "land_use_kg_co2e": float(market["land_use"]),
        "primary_data_share": float(p["primary_data_share"]),
    }
    for name, value in certified.items():
        stated = getattr(ref, name)
        same = stated == value if isinstance(value, str) or value is None else _close(float(stated), value)
        if not same:
            raise RuleViolation(
                f"{where}: {name} is {stated!r}; certificate {ref.certificate_id} certifies {value!r}",
                code="footprint.supplier_figures_mismatch",
                certificate_id=ref.certificate_id,
                field=name,
            )
