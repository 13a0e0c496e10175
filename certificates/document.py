"""The certificate document: its layout, the bytes that are signed, parsing and writing.

A certificate is one JSON object (written as RFC 8785 canonical JSON)::

    {"type": "tanji.certificate/2", "id": <uuid>, "issued_at": <UTC timestamp>,
     "issuer": {...}, "product": {...}, "lot": …, "period": {...},
     "declared_unit": {...}, "geography": {...},
     "footprint": {..., "electricity": {kWh per declared unit}},
     "green_electricity": {"basis": "lot", "lot", "meters", "months", "kwh": {...}, <three shares>},
     "method": {...}, "boundary": …, "verification": {...} | null,
     "evidence": {"checkpoint": <cosigned note>,
                  "entries": [{seq, kind, body}, …], "proof": [<multiproof, hex>],
                  "rows": {"run_seq", "items": [{index, row}, …], "proof": [<multiproof, hex>]}},
     "signature": {"alg": "Ed25519", "key_seq": <seq>, "value": <base64>},
     "upgrade": {...}                      # optional, added later, not signed}

The evidence is compact and private (``certificates.evidence``): the entries
the claims rest on, each proven by one shared multiproof against one
checkpoint, and the issuer's own attribution rows proven into the cited run's
``rows_root`` — never another enterprise's readings or meters.

The **signed bytes** (``signed_bytes``) are the canonical bytes of the object
without ``signature`` and ``upgrade``: everything the issuer vouches for,
including the evidence pinned to one checkpoint. ``upgrade`` (a newer
checkpoint and a consistency proof) can be attached or replaced later without
touching the signature. ``content_digest`` (SHA-256 of the signed bytes) is
what the ``certificate.issue`` ledger entry records.

``Certificate`` is built only through ``from_json`` / ``from_bytes`` (which
check the layout) or by the issuer (``certificates.issue``); it keeps the raw
JSON object so that what is verified is exactly what was presented.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal, NewType

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from certificates.errors import MalformedCertificate
from ledger.errors import SchemaViolation
from ledger.log.canonical import canonical_bytes

__all__ = [
    "FORMAT",
    "UNSIGNED_KEYS",
    "Certificate",
    "CertificateBody",
    "ContentDigest",
    "EvidenceEntry",
    "ProvenRow",
    "RowsEvidence",
    "Upgrade",
    "content_digest",
    "signed_bytes",
]

FORMAT = "tanji.certificate/2"
UNSIGNED_KEYS = frozenset({"signature", "upgrade"})
STANDARDS = ("ISO 14067:2018", "GB/T 24067-2024")
GWP = "IPCC AR6 GWP100"
FIGURE_UNIT = "kg CO2e per declared unit"

ContentDigest = NewType("ContentDigest", str)
"""Hex SHA-256 of a certificate's signed bytes."""

_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Issuer(_Model):
    actor: str
    name: str
    uscc: str | None


class Product(_Model):
    id: str
    name: str
    ids: list[str]
    classifications: list[str]


class Period(_Model):
    start: str
    end: str


class DeclaredUnit(_Model):
    unit: str
    amount: float
    mass_kg: float


class Geography(_Model):
    country: str
    subdivision: str | None


class Ghg(_Model):
    total: float
    fossil: float
    biogenic: float
    land_use: float
    biogenic_co2_kg: float


class Stage(_Model):
    stage: str
    market: float
    location: float


class Electricity(_Model):
    """Electricity per declared unit (kWh) as the ledger re-computed it for the footprint entry."""

    total_kwh: float
    claimable_green_kwh: float
    direct_physical_kwh: float
    contracted_kwh: float
    certificate_kwh: float
    grid_kwh: float
    hourly_matched_kwh: float | None = None  # from the run's result rows (issue 14)


class Footprint(_Model):
    id: str = Field(pattern=_UUID)
    seq: int = Field(ge=0)
    unit: Literal["kg CO2e per declared unit"]
    market: Ghg
    location: Ghg
    by_stage: list[Stage]
    electricity: Electricity


class LotMeter(_Model):
    meter: str
    share: float


class GreenKwh(_Model):
    """kWh of the lot by class (``certificates.green.CLASSES``)."""

    consumption: float
    direct: float
    claimable_direct: float
    contracted: float
    claimable_contracted: float
    certificate: float
    grid: float
    hourly_matched: float
    gec_backed: float


class GreenElectricity(_Model):
    """The green electricity behind the certificate (``certificates.green``): of the lot, re-derived
    from its meters' committed attribution rows (``basis`` ``lot``), or the shares of the footprint's
    per-declared-unit electricity when there is no lot (``basis`` ``declared_unit``)."""

    basis: Literal["lot", "declared_unit"]
    lot: str | None = None
    meters: list[LotMeter] | None = None
    months: list[str] | None = None
    kwh: GreenKwh | None = None
    physical_share: float | None
    claimable_share: float | None
    hourly_matched_share: float | None


class Method(_Model):
    standards: list[str]
    gwp: str
    characterisation: str
    background_version: str
    model_sha256: str
    primary_data_share: float
    attribution_run_seq: int | None
    unverified_factors: list[str]
    supplier_declared_share: float | None = None  # share of the total on supplier-declared figures


class Verification(_Model):
    seq: int = Field(ge=0)
    verifier: str
    opinion: str
    standard: str
    tree_size: int


class EvidenceEntry(_Model):
    """One ledger entry the certificate rests on: its canonical body (its leaf hash is computed)."""

    seq: int = Field(ge=0)
    kind: str
    body: str


class ProvenRow(_Model):
    """One committed attribution row, on the wire (``certificates.green.row_to_wire``), and its leaf
    index in the run."""

    index: int = Field(ge=0)
    row: list[Any]


class RowsEvidence(_Model):
    """The issuer's committed rows of the cited run and one multiproof of them into its ``rows_root``."""

    run_seq: int = Field(ge=0)
    items: list[ProvenRow]
    proof: list[str]


class Evidence(_Model):
    """The evidence entries, one multiproof of them (``ledger.log.multiproof``, hex) against the
    checkpoint, and the rows the green figures are re-derived from."""

    checkpoint: str
    entries: list[EvidenceEntry]
    proof: list[str]
    rows: RowsEvidence | None = None


class Signature(_Model):
    alg: Literal["Ed25519"]
    key_seq: int = Field(ge=0)
    value: str


class Upgrade(_Model):
    """A newer checkpoint, the consistency proof from the evidence checkpoint and, optionally, one
    multiproof of the evidence entries against the newer checkpoint (``None``: not given)."""

    checkpoint: str
    consistency: list[str]
    proof: list[str] | None = None


class CertificateBody(_Model):
    """The signed part of a certificate (everything but ``signature`` and ``upgrade``)."""

    type: Literal["tanji.certificate/2"]
    id: str = Field(pattern=_UUID)
    issued_at: str
    issuer: Issuer
    product: Product
    lot: str | None
    period: Period
    declared_unit: DeclaredUnit
    geography: Geography
    footprint: Footprint
    green_electricity: GreenElectricity
    method: Method
    boundary: str
    verification: Verification | None
    evidence: Evidence


def signed_bytes(document: dict[str, Any]) -> bytes:
    """The bytes the issuer signs: canonical JSON of ``document`` without ``signature``/``upgrade``.

    Precondition: ``document`` is JSON-compatible (``MalformedCertificate`` otherwise).
    """
    try:
        return canonical_bytes({k: v for k, v in document.items() if k not in UNSIGNED_KEYS})
    except SchemaViolation as e:
        raise MalformedCertificate(f"certificate cannot be canonicalised: {e.message}") from e


def content_digest(document: dict[str, Any]) -> ContentDigest:
    """Hex SHA-256 of ``signed_bytes(document)``: what ``certificate.issue`` records."""
    return ContentDigest(hashlib.sha256(signed_bytes(document)).hexdigest())


def _problems(e: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(document)'}: {err['msg']}" for err in e.errors()[:5]
    )


@dataclass(frozen=True)
class Certificate:
    """A parsed certificate. Build with ``from_json``/``from_bytes``; ``data`` is the raw object."""

    data: dict[str, Any] = field(repr=False)
    body: CertificateBody
    signature: Signature | None
    upgrade: Upgrade | None

    @classmethod
    def from_json(cls, data: Any) -> Certificate:
        """Parse a certificate object; ``MalformedCertificate`` naming the first problems."""
        if not isinstance(data, dict):
            raise MalformedCertificate("a certificate must be a JSON object")
        unsigned = {k: v for k, v in data.items() if k not in UNSIGNED_KEYS}
        try:
            body = CertificateBody.model_validate(unsigned)
            sig = None if data.get("signature") is None else Signature.model_validate(data["signature"])
            upgrade = None if data.get("upgrade") is None else Upgrade.model_validate(data["upgrade"])
        except ValidationError as e:
            raise MalformedCertificate(f"certificate layout wrong: {_problems(e)}") from e
        return cls(data=data, body=body, signature=sig, upgrade=upgrade)

    @classmethod
    def from_bytes(cls, raw: bytes | str) -> Certificate:
        """Parse certificate JSON text; ``MalformedCertificate`` if it is not JSON or not a certificate."""
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise MalformedCertificate(f"certificate is not JSON: {e}") from e
        return cls.from_json(data)

    @property
    def id(self) -> str:
        return self.body.id

    def signed_bytes(self) -> bytes:
        """The bytes the issuer's signature covers."""
        return signed_bytes(self.data)

    def content_digest(self) -> ContentDigest:
        """Hex SHA-256 of the signed bytes."""
        return content_digest(self.data)

    def signature_bytes(self) -> bytes | None:
        """The raw 64-byte signature, or None when absent or not base64."""
        if self.signature is None:
            return None
        try:
            return base64.b64decode(self.signature.value, validate=True)
        except (binascii.Error, ValueError):
            return None

    def to_bytes(self) -> bytes:
        """The certificate as canonical JSON bytes (the file format)."""
        return canonical_bytes(self.data)

    def with_signature(self, key_seq: int, value: bytes) -> Certificate:
        """A copy carrying the signature ``value`` made with the key set at ``key_seq``."""
        sig = {"alg": "Ed25519", "key_seq": key_seq, "value": base64.b64encode(value).decode("ascii")}
        return Certificate.from_json({**self.data, "signature": sig})

    def with_upgrade(self, upgrade: Upgrade) -> Certificate:
        """A copy carrying ``upgrade`` (replacing any earlier one); the signature is unchanged."""
        return Certificate.from_json({**self.data, "upgrade": upgrade.model_dump(mode="json")})
