"""Data Integrity ``eddsa-jcs-2022``: the W3C test vectors byte for byte, mutated proofs that must fail.

The vectors are w3c/vc-di-eddsa ``TestVectors/eddsa-jcs-2022`` (read from ``../shared/data/vc``, never
copied): key pair, unsigned credential, proof options, every canonical form and hash, the signature
and the signed credential.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.credentials.data_integrity import (
    add_proof,
    create_proof,
    hash_data,
    key_resolver,
    proof_configuration,
    resolve_did_key,
    verify_proof,
    verify_secured,
    xsd_datetime,
)
from certificates.credentials.did import actor_did, did_document, did_web_url, verification_method
from certificates.credentials.errors import MalformedCredential, ProofGenerationError, ProofInvalid
from certificates.credentials.multikey import (
    base58btc_decode,
    base58btc_encode,
    multibase_decode,
    private_key_from_multikey,
    public_key_from_multikey,
    public_key_multikey,
)
from ledger import canonical_bytes, generate_key
from tests.shared_data import shared_json, shared_path

VECTORS = ("vc", "eddsa-jcs-2022")
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)


def text(name: str) -> str:
    return shared_path(*VECTORS, name).read_text(encoding="utf-8").strip()


def vector_key() -> Any:
    return private_key_from_multikey(shared_json(*VECTORS, "keyPair.json")["privateKeyMultibase"])


def test_key_pair_vector() -> None:
    pair = shared_json(*VECTORS, "keyPair.json")
    key = private_key_from_multikey(pair["privateKeyMultibase"])
    assert public_key_multikey(key.public_key()) == pair["publicKeyMultibase"]
    assert public_key_from_multikey(pair["publicKeyMultibase"]).public_bytes_raw() == (
        key.public_key().public_bytes_raw()
    )


def test_every_intermediate_of_the_vector() -> None:
    unsigned = shared_json(*VECTORS, "unsigned.json")
    options = shared_json(*VECTORS, "proofConfigJCS.json")
    # transformation: the canonical document and its hash
    assert canonical_bytes(unsigned).decode() == text("canonDocJCS.txt")
    assert hashlib.sha256(canonical_bytes(unsigned)).hexdigest() == text("docHashJCS.txt")
    # proof configuration: canonical form and hash
    assert proof_configuration(options).decode() == text("proofCanonJCS.txt")
    assert hashlib.sha256(proof_configuration(options)).hexdigest() == text("proofHashJCS.txt")
    # hash data: configuration hash first, then the document hash
    data = hash_data(unsigned, options)
    assert data.hex() == text("combinedHashJCS.txt")
    # Ed25519 is deterministic: the signature, in hex and in base58-btc
    signature = vector_key().sign(data)
    assert signature.hex() == text("sigHexJCS.txt")
    assert "z" + base58btc_encode(signature) == text("sigBTC58JCS.txt")


def test_add_proof_reproduces_the_signed_vector_byte_for_byte() -> None:
    unsigned = shared_json(*VECTORS, "unsigned.json")
    signed = shared_json(*VECTORS, "signedJCS.json")
    method = shared_json(*VECTORS, "proofConfigJCS.json")["verificationMethod"]
    secured = add_proof(unsigned, vector_key(), method, created=CREATED)
    assert secured == signed
    assert canonical_bytes(secured) == canonical_bytes(signed)
    assert "proof" not in unsigned  # the input is not changed


def test_the_signed_vector_verifies() -> None:
    signed = shared_json(*VECTORS, "signedJCS.json")
    result = verify_proof(signed)
    assert result.verified and not result.problems
    assert result.document == shared_json(*VECTORS, "unsigned.json")
    assert [c.name for c in result.checks] == [
        "proof.present",
        "proof.suite",
        "proof.purpose",
        "proof.created",
        "proof.context",
        "proof.key",
        "proof.signature",
    ]
    assert verify_secured(signed) == result.document


def _mutate(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    target = out
    for part in path[:-1]:
        target = target[part]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


_DELETE = object()


@pytest.mark.parametrize(
    ("desc", "path", "value", "failed"),
    [
        ("subject changed", ("credentialSubject", "alumniOf"), "Another School", "proof.signature"),
        ("issuer changed", ("issuer",), "https://vc.example/issuers/0000", "proof.signature"),
        ("member added", ("name2",), "x", "proof.signature"),
        ("member removed", ("description",), _DELETE, "proof.signature"),
        ("created changed", ("proof", "created"), "2023-02-24T23:36:39Z", "proof.signature"),
        ("proof value changed", ("proof", "proofValue"), "z" + "1" * 87, "proof.signature"),
        ("proof value not multibase", ("proof", "proofValue"), "u123", "proof.signature"),
        ("purpose changed", ("proof", "proofPurpose"), "authentication", "proof.purpose"),
        ("other cryptosuite", ("proof", "cryptosuite"), "eddsa-rdfc-2022", "proof.suite"),
        ("other type", ("proof", "type"), "Ed25519Signature2020", "proof.suite"),
        ("unknown key", ("proof", "verificationMethod"), "did:example:nobody#key-1", "proof.key"),
        (
            "context reordered",
            ("@context",),
            list(
                reversed(
                    ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
                )
            ),
            "proof.context",
        ),
        ("created not a date", ("proof", "created"), "yesterday", "proof.created"),
        ("created in the future", ("proof", "created"), "2999-01-01T00:00:00Z", "proof.created"),
        ("no proof", ("proof",), _DELETE, "proof.present"),
        ("two proofs", ("proof",), [{}, {}], "proof.present"),
    ],
)
def test_mutated_documents_fail_with_the_check_named(
    desc: str, path: tuple[str, ...], value: Any, failed: str
) -> None:
    signed = shared_json(*VECTORS, "signedJCS.json")
    bad = _mutate(signed, path, value)
    result = verify_proof(bad)
    assert not result.verified and result.document is None, desc
    assert failed in {c.name for c in result.problems}, (desc, result.problems)
    with pytest.raises(ProofInvalid) as e:
        verify_secured(bad)
    assert e.value.code == "credential.proof_invalid" and failed in e.value.details["checks"]


def test_expiry_domain_and_challenge() -> None:
    key = generate_key()
    method = f"did:key:{public_key_multikey(key.public_key())}#{public_key_multikey(key.public_key())}"
    doc = {"id": "urn:uuid:1", "claim": "x"}  # no @context: the proof carries none either
    now = datetime(2026, 1, 1, tzinfo=UTC)
    secured = add_proof(
        doc,
        key,
        method,
        created=now,
        proof_purpose="authentication",
        expires=xsd_datetime(now + timedelta(days=1)),
        domain="tanji.example",
        challenge="c-42",
    )
    assert "@context" not in secured["proof"]
    ok = verify_proof(
        secured, expected_purpose="authentication", domain="tanji.example", challenge="c-42", now=now
    )
    assert ok.verified
    late = verify_proof(secured, expected_purpose="authentication", now=now + timedelta(days=2))
    assert {c.name for c in late.problems} == {"proof.expires"}
    wrong = verify_proof(secured, expected_purpose="authentication", domain="other", challenge="c-0", now=now)
    assert {c.name for c in wrong.problems} == {"proof.domain", "proof.challenge"}


def test_refused_proof_options() -> None:
    key = generate_key()
    with pytest.raises(ProofGenerationError, match="proof already"):
        add_proof({"proof": {}}, key, "did:key:x")
    with pytest.raises(ProofGenerationError, match="cryptosuite"):
        proof_configuration({"type": "DataIntegrityProof", "cryptosuite": "ecdsa-jcs-2019"})
    with pytest.raises(ProofGenerationError, match="created"):
        proof_configuration(
            {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": "noon"}
        )
    with pytest.raises(ProofGenerationError, match="time zone"):
        create_proof({"a": 1}, key, "did:key:x", created=datetime(2026, 1, 1))
    with pytest.raises(MalformedCredential):
        create_proof({"a": float("nan")}, key, "did:key:x")


def test_resolvers_and_did_web() -> None:
    key = generate_key()
    did = actor_did("E-1", "tanji.example.org")
    assert did == "did:web:tanji.example.org:actors:E-1"
    assert actor_did("E 1~x", "localhost:8443") == "did:web:localhost%3A8443:actors:E%201%7Ex"
    assert did_web_url(did) == "https://tanji.example.org/actors/E-1/did.json"
    assert did_web_url("did:web:localhost%3A8443") == "https://localhost:8443/.well-known/did.json"
    with pytest.raises(MalformedCredential):
        actor_did("E-1", "https://tanji.example.org")
    method = verification_method(did, key.public_key())
    assert method.startswith(did + "#z6Mk")
    document = did_document(did, [key.public_key()])
    assert document["assertionMethod"] == [method]
    assert document["verificationMethod"][0]["publicKeyMultibase"] == method.split("#")[1]
    secured = add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:x"}, key, method)
    assert not verify_proof(secured).verified  # did:web is not resolved without a resolver
    assert verify_proof(secured, resolve=key_resolver({method: key.public_key()})).verified
    assert resolve_did_key("did:key:z6MkNOPE#z6MkNOPE") is None
    assert resolve_did_key(method) is None


@given(st.binary(max_size=48))
def test_base58btc_round_trips(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data


def test_base58btc_known_values() -> None:
    # leading zero bytes are '1's; "Hello World!" is the draft-msporny-base58 example
    assert base58btc_encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert base58btc_encode(b"\0\0\x28\x7f\xb4\xcd") == "11233QC4"
    with pytest.raises(MalformedCredential, match="'0'"):
        base58btc_decode("10")
    with pytest.raises(MalformedCredential, match="header 'z'"):
        multibase_decode("f00")
    with pytest.raises(MalformedCredential, match="Multikey"):
        public_key_from_multikey("z" + base58btc_encode(b"\x12\x34" + bytes(32)))
