"""Certificates, public: their online status in the ledger, and checking a certificate document.

Anyone holding a certificate may check it here against this ledger's operator
key (the same checks as ``tanji cert verify``, run offline by
``certificates.verify``) and ask whether the ledger records a revocation or a
superseding footprint. Issuing and revoking are signed by the enterprise (or
verifier) and go through ``POST /entries`` like every other entry.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from api.deps import LedgerDep
from certificates.kinds import certificate_status, get_certificate
from certificates.verify import TrustedKey, check_certificate

router = APIRouter(prefix="/certificates", tags=["certificates"])
CertificateId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/{certificate_id}/status", summary="Online status: valid, revoked or superseded (public)")
def status(certificate_id: CertificateId, ledger: LedgerDep) -> dict[str, Any]:
    with ledger.db.read_session() as s:
        value = certificate_status(s, certificate_id)
        record = get_certificate(s, certificate_id)
    assert record is not None  # certificate_status raised CertificateNotFound otherwise
    return {
        "id": certificate_id,
        "status": value,
        "issue_seq": record.seq,
        "footprint": record.footprint_id,
        "revoke_seq": record.revoked_seq,
        "revoke_reason": record.revoke_reason,
    }


@router.post("/verify", summary="Check a certificate document against this ledger's operator key (public)")
def verify(ledger: LedgerDep, certificate: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    trust = TrustedKey.from_text(ledger.info().operator_key)
    result = check_certificate(certificate, trust).to_json()
    if result["certificate_id"]:
        with ledger.db.read_session() as s:
            record = get_certificate(s, str(result["certificate_id"]))
            result["ledger_status"] = None if record is None else certificate_status(s, record.certificate_id)
    return result
