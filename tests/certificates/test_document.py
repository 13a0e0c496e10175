"""The certificate document: the signed bytes are defined once and round-trip."""

from __future__ import annotations

import hashlib
import json

import pytest

from certificates.document import UNSIGNED_KEYS, Certificate, signed_bytes
from certificates.errors import MalformedCertificate
from ledger.log.canonical import canonical_bytes, parse_canonical
from tests.certificates.conftest import Issued


def test_file_round_trip_keeps_the_signed_bytes(issued_sqlite: Issued) -> None:
    cert = issued_sqlite.certificate
    raw = cert.to_bytes()
    again = Certificate.from_bytes(raw)
    assert again.signed_bytes() == cert.signed_bytes()
    assert again.to_bytes() == raw
    assert parse_canonical(raw.decode()) == cert.data  # the file itself is canonical JSON
    # Pretty-printed JSON is the same certificate: what is signed is the canonical form.
    assert Certificate.from_bytes(json.dumps(cert.data, indent=2)).signed_bytes() == cert.signed_bytes()


def test_signed_bytes_are_the_document_without_signature_and_upgrade(issued_sqlite: Issued) -> None:
    data = issued_sqlite.certificate.data
    assert "signature" in data
    expected = canonical_bytes({k: v for k, v in data.items() if k not in UNSIGNED_KEYS})
    assert signed_bytes(data) == expected
    assert signed_bytes({**data, "upgrade": {"checkpoint": "x", "consistency": []}}) == expected
    assert signed_bytes({**data, "signature": None}) == expected
    assert issued_sqlite.certificate.content_digest() == hashlib.sha256(expected).hexdigest()


def test_layout_is_checked(issued_sqlite: Issued) -> None:
    data = issued_sqlite.certificate.data
    for bad in (
        {**data, "extra": 1},
        {k: v for k, v in data.items() if k != "footprint"},
        {**data, "type": "tanji.certificate/1"},  # the format before compact evidence
        {**data, "signature": {"alg": "RSA"}},
        [data],
    ):
        with pytest.raises(MalformedCertificate) as e:
            Certificate.from_json(bad)
        assert e.value.code == "certificate.malformed"


def test_layout_fields(issued_sqlite: Issued) -> None:
    body = issued_sqlite.certificate.body
    assert body.footprint.unit == "kg CO2e per declared unit"
    assert body.method.standards == ["ISO 14067:2018", "GB/T 24067-2024"]
    assert body.method.gwp == "IPCC AR6 GWP100"
    assert body.footprint.market.total > 4.2 and body.footprint.location.total > body.footprint.market.total
    green = body.green_electricity
    # tests.certificates.conftest.metered_park: the hourly-matched share from the run's committed rows
    assert (green.physical_share, green.claimable_share, green.hourly_matched_share) == (0.6, 0.8, 0.6)
    assert green.basis == "declared_unit"  # no lot: the shares of the electricity per declared unit
    assert body.footprint.electricity.total_kwh == pytest.approx(0.372)
    assert body.period.start == "2026-01-01" and body.declared_unit.unit == "kilogram"
    assert body.issuer.actor == "E-1" and body.verification is not None
    seqs = [e.seq for e in body.evidence.entries]
    assert seqs == sorted(set(seqs))
