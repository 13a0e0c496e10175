"""The certificate document: its layout, the bytes that are signed, parsing and writing.

A certificate is one JSON object (written as RFC 8785 canonical JSON)::

    {"type": "tanji.certificate/1", "id": <uuid>, "issued_at": <UTC timestamp>,
     "issuer": {...}, "product": {...}, "lot": …, "period": {...},
     "declared_unit": {...}, "geography": {...}, "footprint": {...},
     "green_electricity": {...}, "method": {...}, "boundary": …,
     "verification": {...} | null,
     "evidence": {"checkpoint": <signed note>, "entries": [{seq, kind, body, leaf_hash, proof}, …]},
     "signature": {"alg": "Ed25519", "key_seq": <seq>, "value": <base64>},
     "upgrade": {...}                      # optional, added later, not signed}

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
    "Upgrade",
    "content_digest",
    "signed_bytes",
]

FORMAT = "tanji.certificate/1"
UNSIGNED_KEYS = frozenset({"signature", "upgrade"})
STANDARDS = ("ISO 14067:2018", "GB/T 24067-2024")
GWP = "IPCC AR6 GWP100"
FIGURE_UNIT = "kg CO2e per declared unit"

ContentDigest = NewType("ContentDigest", str)
"""Hex SHA-256 of a certificate's signed bytes."""

_HEX64 = r"^[0-9a-f]{64}$"
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


class Footprint(_Model):
    id: str = Field(pattern=_UUID)
    seq: int = Field(ge=0)
    unit: Literal["kg CO2e per declared unit"]
    market: Ghg
    location: Ghg
    by_stage: list[Stage]


class Electricity(_Model):
    total_kwh: float
    claimable_green_kwh: float
    direct_physical_kwh: float
    contracted_kwh: float
    certificate_kwh: float
    grid_kwh: float


class GreenElectricity(_Model):
    electricity: Electricity
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


class Verification(_Model):
    seq: int = Field(ge=0)
    verifier: str
    opinion: str
    standard: str
    tree_size: int


class EvidenceEntry(_Model):
    """One ledger entry the certificate rests on, with its inclusion proof."""

    seq: int = Field(ge=0)
    kind: str
    body: str
    leaf_hash: str = Field(pattern=_HEX64)
    proof: list[str]


class Evidence(_Model):
    checkpoint: str
    entries: list[EvidenceEntry]


class Signature(_Model):
    alg: Literal["Ed25519"]
    key_seq: int = Field(ge=0)
    value: str


class UpgradeProof(_Model):
    seq: int = Field(ge=0)
    proof: list[str]


class Upgrade(_Model):
    """A newer checkpoint, the consistency proof from the evidence checkpoint, new inclusion proofs."""

    checkpoint: str
    consistency: list[str]
    proofs: list[UpgradeProof] = Field(default_factory=list)


class CertificateBody(_Model):
    """The signed part of a certificate (everything but ``signature`` and ``upgrade``)."""

    type: Literal["tanji.certificate/1"]
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
