"""What the public verification page shows about a certificate, and where it comes from.

The certificates package (DESIGN.md section 7) owns certificates; the page
only needs this frozen view. ``Settings.certificates`` is a lookup
``certificate_id -> CertificateView | None``; unless the settings give one, the
service looks certificates up in its ledger (``api.views.certificate_lookup``).
The view is built once for both languages: what differs by language (the
period) is kept as data and worded when the page is rendered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from certificates.labels import format_period

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
    """A certificate as the public page renders it. ``document`` is the signed JSON.

    ``period_start``/``period_end`` are the half-open period's park-local ISO dates (None when the
    footprint is unknown); the page shows them in its language with :meth:`period`. ``issuer`` and
    ``verifier`` are the actors' registered names with their ids (``name (id)``).
    """

    certificate_id: str
    status: Status
    product: str
    declared_unit: str
    period_start: str | None
    period_end: str | None
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
        if (self.period_start is None) != (self.period_end is None):
            raise ValueError("a certificate period needs both its start and its end, or neither")
        self.period("en")  # ValueError now, not when the page renders, if a date is not ISO

    def period(self, lang: str) -> str:
        """The period as every face shows it (``certificates.labels.format_period``), in ``lang``; ``—``
        when unknown."""
        if self.period_start is None or self.period_end is None:
            return "—"
        return format_period(self.period_start, self.period_end, lang)
