"""UNTP 0.6.1 Digital Product Passports and Digital Conformity Credentials of certificates and statements.

Each credential is validated against the UNTP DPP / DCC 0.6.1 schema and the W3C VC 2.0 schema (read from
``../shared/data/vc``, GPL-3.0 and W3C licences: never copied here) and verified in both secured forms —
the embedded ``eddsa-jcs-2022`` proof and the VC-JOSE compact JWS — with keys resolved from the issuer's
DID document and, offline, from the ``actor.*`` entries a verified certificate carries.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import jwt
import pytest

from certificates.credentials.actors import (
    actor_did_document,
    bindings_resolver,
    documents_resolver,
    key_bindings,
    ledger_bindings,
    write_did_documents,
)
from certificates.credentials.data_integrity import add_proof, verify_proof
from certificates.credentials.did import actor_did, verification_method
from certificates.credentials.errors import CredentialError, MalformedCredential, ProofInvalid
from certificates.credentials.issue import issue_conformity, issue_passport, secure
from certificates.credentials.jose import encode_jws, verify_jws, verify_jws_secured
from certificates.credentials.passport import rec20_unit
from certificates.credentials.verify import check_credential, looks_like_credential
from certificates.site import Site
from ledger import Entry, generate_key
from tests.certificates.conftest import Issued
from tests.certificates.credentials.schemas import validate_dcc, validate_dpp
from tests.shared_data import shared_json

SITE = Site.of("https://tanji.example.org")
HOST = SITE.did_host


def evidence_entries(issued: Issued) -> list[Entry]:
    return [Entry.from_body(e["body"]) for e in issued.certificate.data["evidence"]["entries"]]


def test_the_untp_example_instances_validate() -> None:
    """The harness: UNTP's own examples pass the schemas they are checked with."""
    validate_dpp(shared_json("vc", "untp", "untp-dpp-instance-0.6.1.json"))
    validate_dcc(shared_json("vc", "untp", "untp-dcc-instance-0.6.1.json"))


def test_passport_of_a_certificate(issued_sqlite: Issued) -> None:
    park, cert = issued_sqlite.park, issued_sqlite.certificate
    secured = issue_passport(park.ledger, cert, park.keys["E-1"], SITE)
    dpp = secured.embedded
    validate_dpp(dpp)
    subject = dpp["credentialSubject"]
    card = subject["emissionsScorecard"]
    unit, per = rec20_unit(cert.body.declared_unit.unit, cert.body.declared_unit.amount)
    assert card["declaredUnit"] == unit
    assert card["carbonFootprint"] == pytest.approx(cert.body.footprint.market.total / per)
    assert card["operationalScope"] == "CradleToGate"
    assert card["primarySourcedRatio"] == pytest.approx(cert.body.method.primary_data_share / 100)
    assert card["reportingStandard"]["name"] == "ISO 14067:2018"
    did = actor_did("E-1", HOST)
    assert dpp["issuer"]["id"] == did and subject["product"]["producedByParty"]["id"] == did
    energy = next(c for c in subject["conformityClaim"] if c["conformityTopic"] == "environment.energy")
    assert energy["conformityEvidence"]["hashDigest"] == cert.content_digest()
    assert energy["conformityEvidence"]["linkURL"] == SITE.certificate_url(cert.id)
    links = {
        link["linkType"].rsplit("/", 1)[1]: link["linkURL"]
        for link in subject["product"]["furtherInformation"]
    }
    v = cert.body.verification
    assert v is not None and links["dcc"] == SITE.credential_url(f"statement-{v.seq}.dcc.json")
    # verified with the keys the certificate's own evidence binds to the issuer
    resolve = bindings_resolver(key_bindings(evidence_entries(issued_sqlite)), HOST)
    assert verify_proof(dpp, resolve=resolve).verified
    assert verify_jws_secured(secured.jws, resolve=resolve) == {k: v for k, v in dpp.items() if k != "proof"}
    result = check_credential(json.dumps(dpp), resolve, certificates={cert.content_digest(): cert})
    assert result.ok, result.to_json()
    assert result.kind == "DigitalProductPassport" and result.check("credential.certificate").ok
    assert check_credential(secured.jws, resolve, certificates={cert.content_digest(): cert}).ok


def test_a_passport_restating_other_figures_fails_against_its_certificate(issued_sqlite: Issued) -> None:
    """Even re-signed by the issuer's own key, a passport must state its certificate's figures."""
    park, cert = issued_sqlite.park, issued_sqlite.certificate
    secured = issue_passport(park.ledger, cert, park.keys["E-1"], SITE)
    body = {k: v for k, v in secured.embedded.items() if k != "proof"}
    body["credentialSubject"]["emissionsScorecard"]["carbonFootprint"] *= 0.5
    method = secured.embedded["proof"]["verificationMethod"]
    doctored = add_proof(body, park.keys["E-1"], method)
    resolve = bindings_resolver(key_bindings(evidence_entries(issued_sqlite)), HOST)
    result = check_credential(json.dumps(doctored), resolve, certificates={cert.content_digest(): cert})
    assert result.failed == ("credential.certificate",)
    assert "emissionsScorecard" in result.check("credential.certificate").detail


def test_tampered_credentials_fail_in_both_forms(issued_sqlite: Issued) -> None:
    park, cert = issued_sqlite.park, issued_sqlite.certificate
    secured = issue_passport(park.ledger, cert, park.keys["E-1"], SITE)
    resolve = bindings_resolver(ledger_bindings(park.ledger), HOST)
    tampered = copy.deepcopy(secured.embedded)
    tampered["credentialSubject"]["emissionsScorecard"]["carbonFootprint"] = 1.0
    assert check_credential(json.dumps(tampered), resolve).failed == ("proof.signature",)
    head, payload, sig = secured.jws.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["emissionsScorecard"]["carbonFootprint"] = 1.0
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert check_credential(f"{head}.{forged}.{sig}", resolve).failed == ("jose.signature",)
    # a key that is not the issuer's: someone else's DID signs the issuer's words
    other = generate_key()
    method = verification_method(actor_did("E-2", HOST), other.public_key())
    stolen = encode_jws({k: v for k, v in secured.embedded.items() if k != "proof"}, other, method)
    result = check_credential(stolen, lambda m: other.public_key() if m == method else None)
    assert result.failed == ("credential.issuer",)
    assert not check_credential(stolen, resolve).ok  # and E-2's registered key is not that key


def test_conformity_credential_of_a_statement(issued_sqlite: Issued) -> None:
    park, cert = issued_sqlite.park, issued_sqlite.certificate
    v = cert.body.verification
    assert v is not None
    secured = issue_conformity(park.ledger, v.seq, park.keys["V-1"], SITE)
    dcc = secured.embedded
    validate_dcc(dcc)
    subject = dcc["credentialSubject"]
    assert dcc["issuer"]["id"] == actor_did("V-1", HOST)
    assert subject["issuedToParty"]["id"] == actor_did("E-1", HOST)
    assert (subject["assessorLevel"], subject["attestationType"]) == ("3rdParty", "verification")
    [assessment] = subject["assessment"]
    assert assessment["conformance"] is True  # a reasonable-assurance opinion
    assert assessment["referenceStandard"]["name"] == "ISO 14064-3:2019"
    assert str(v.tree_size) in assessment["description"]
    assert secured.stem == f"statement-{v.seq}.dcc"
    # the verifier's key is in the certificate's evidence too (it signed the statement)
    resolve = bindings_resolver(key_bindings(evidence_entries(issued_sqlite)), HOST)
    for form in (json.dumps(dcc), secured.jws):
        result = check_credential(form, resolve)
        assert result.ok and result.kind == "DigitalConformityCredential", result.to_json()
    # issued again: the same body (ids are name-based)
    again = issue_conformity(park.ledger, v.seq, park.keys["V-1"], SITE)
    assert {k: x for k, x in again.embedded.items() if k != "proof"} == {
        k: x for k, x in dcc.items() if k != "proof"
    }


def test_only_the_current_key_of_the_issuer_signs(issued_sqlite: Issued) -> None:
    park, cert = issued_sqlite.park, issued_sqlite.certificate
    with pytest.raises(CredentialError) as e:
        issue_passport(park.ledger, cert, park.keys["E-2"], SITE)
    assert e.value.code == "credential.key_mismatch"
    with pytest.raises(CredentialError) as e:
        issue_conformity(park.ledger, cert.body.footprint.seq, park.keys["V-1"], SITE)
    assert e.value.code == "credential.not_a_statement"


def test_did_documents_bind_the_registered_keys(issued_sqlite: Issued, tmp_path: Path) -> None:
    park = issued_sqlite.park
    bindings = ledger_bindings(park.ledger)
    origin = park.ledger.info().origin
    document = actor_did_document("E-1", bindings["E-1"], HOST, origin=origin)
    did = actor_did("E-1", HOST)
    method = verification_method(did, park.keys["E-1"].public_key())
    assert document["id"] == did and document["assertionMethod"] == [method]
    assert document["service"][0]["serviceEndpoint"] == {
        "origin": origin,
        "keyEntries": [bindings["E-1"][0].seq],
    }
    paths = write_did_documents(park.ledger, HOST, tmp_path)
    assert tmp_path / "actors" / "E-1" / "did.json" in paths
    served = [json.loads(p.read_text()) for p in paths]
    resolve = documents_resolver(served)
    assert resolve(method) is not None and resolve(method + "x") is None
    secured = issue_passport(park.ledger, issued_sqlite.certificate, park.keys["E-1"], SITE)
    assert check_credential(secured.jws, resolve).ok


def test_jws_header_and_refusals() -> None:
    key = generate_key()
    method = verification_method(actor_did("E-1", HOST), key.public_key())
    body: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
    }
    token = encode_jws(body, key, method)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": method, "typ": "vc+jwt", "cty": "vc"}
    assert encode_jws(body, key, method) == token  # canonical payload: deterministic
    assert looks_like_credential(token) and looks_like_credential(json.dumps(body))
    resolve = {method: key.public_key()}.get
    assert verify_jws(token, resolve=resolve).verified
    assert verify_jws(token, resolve=lambda m: None).problems[0].name == "jose.key"
    unsigned = jwt.encode(body, "", algorithm="none", headers={"kid": method, "typ": "vc+jwt"})
    assert verify_jws(unsigned, resolve=resolve).problems[0].name == "jose.header"
    assert not verify_jws("not a token", resolve=resolve).verified
    with pytest.raises(MalformedCredential):
        encode_jws({**body, "proof": {}}, key, method)
    with pytest.raises(ProofInvalid):
        verify_jws_secured(token[:-4] + "AAAA", resolve=resolve)


def test_secure_makes_both_forms_of_one_credential() -> None:
    key = generate_key()
    method = verification_method(actor_did("E-1", HOST), key.public_key())
    body = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "id": "urn:x:1",
    }
    secured = secure("x", body, key, method)
    resolve = {method: key.public_key()}.get
    assert verify_proof(secured.embedded, resolve=resolve).document == body
    assert verify_jws_secured(secured.jws, resolve=resolve) == body
