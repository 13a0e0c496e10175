"""What the public verification page shows about a certificate, and where it comes from.

The certificates package (DESIGN.md section 7) owns certificates; the page
only needs this frozen view. ``Settings.certificates`` is a lookup
``certificate_id -> CertificateView | None``; until the package lands the
service has no lookup and every id is "not found".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["valid", "revoked", "superseded"]


@dataclass(frozen=True)
class EvidenceItem:
    """One ledger entry the certificate rests on."""

    seq: int
    kind: str
    leaf_hash: str
    summary: str = ""


@dataclass(frozen=True)
class CertificateView:
    """A certificate as the public page renders it. ``document`` is the signed JSON."""

    certificate_id: str
    status: Status
    product: str
    declared_unit: str
    period: str
    market_based: str
    location_based: str
    green_shares: Mapping[str, str]
    issuer: str
    verifier: str | None
    evidence: Sequence[EvidenceItem]
    document: Mapping[str, Any] | None = field(default=None, repr=False)
    status_reason: str | None = None
    checkpoint: str | None = None

    def __post_init__(self) -> None:
        if self.status not in ("valid", "revoked", "superseded"):
            raise ValueError(f"certificate status {self.status!r} is not valid, revoked or superseded")
