"""A verifier's statement as a UNTP 0.6.1 Digital Conformity Credential (W3C VC 2.0), unsigned; pure.

:func:`conformity_credential` restates a ``verification.statement`` entry: the verifier (a
third party registered as ``verifier``) attests that it verified the subject enterprise's trail
in the ledger up to a tree size and root, against a standard, with an opinion.

| statement | DCC |
|---|---|
| the verifier (entry's actor) | ``issuer`` (its ``did:web``); ``assessment[0].auditor`` |
| ``subject`` | ``credentialSubject.issuedToParty``; ``assessment[0].assessedOrganisation`` |
| ``opinion`` | ``assessment[0].conformance``: true for an unmodified opinion (``reasonable`` or ``limited``
  assurance), false for ``qualified`` or ``adverse``; the opinion itself in the description |
| ``standard`` | ``assessment[0].referenceStandard`` when it names an ISO or GB standard (whose issuing
  body is then known); always in the description |
| ``tree_size``, ``root_hash``, ``seqs`` | the assessment's description (the ledger state verified) |
| ``statement`` | ``credentialSubject.description`` |

``assessorLevel`` is ``3rdParty`` (the ledger registered the issuer as a verifier) and
``assessmentLevel`` ``Unspecified``: the ledger records no accreditation. Ids are name-based
UUIDs of the ledger origin and the statement's seq, as :mod:`traceability.dte` names entries,
so the same statement always gives the same credential.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final
from uuid import NAMESPACE_URL, uuid5

__all__ = [
    "DCC_CONTEXT",
    "DCC_TYPE",
    "conformity_credential",
    "conformity_credential_id",
    "conformity_file_stem",
    "entry_urn",
]

DCC_CONTEXT: Final = [
    "https://www.w3.org/ns/credentials/v2",
    "https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/",
]
DCC_TYPE: Final = ["DigitalConformityCredential", "VerifiableCredential"]
CONFORMING: Final = frozenset({"reasonable", "limited"})
STANDARD_BODIES: Final = (
    ("ISO", {"id": "https://www.iso.org", "name": "International Organization for Standardization (ISO)"}),
    ("GB", {"id": "https://www.sac.gov.cn", "name": "Standardization Administration of China (SAC)"}),
)


def entry_urn(origin: str, seq: int) -> str:
    """The name-based UUID URN of ledger entry ``seq`` of ``origin`` (as ``traceability.dte`` names
    events)."""
    return f"urn:uuid:{uuid5(NAMESPACE_URL, f'tanji:{origin}:entry:{seq}')}"


def conformity_credential_id(origin: str, seq: int) -> str:
    """The credential id of the DCC of statement ``seq`` of ``origin``."""
    return f"urn:uuid:{uuid5(NAMESPACE_URL, f'tanji:{origin}:dcc:{seq}')}"


def conformity_file_stem(seq: int) -> str:
    """``statement-<seq>.dcc``: the DCC's file name without ``.json`` / ``.jwt``."""
    return f"statement-{seq}.dcc"


def _standard(text: str) -> dict[str, Any] | None:
    first = text.split("/")[0].strip()
    for prefix, body in STANDARD_BODIES:
        if first.startswith(prefix + " ") or first.startswith(prefix + "/"):
            return {"type": ["Standard"], "name": first, "issuingParty": dict(body)}
    return None


def conformity_credential(
    *,
    seq: int,
    recorded_at: str,
    payload: Mapping[str, Any],
    origin: str,
    did_of: Callable[[str], str],
    verifier: tuple[str, str],
    subject_name: str,
) -> dict[str, Any]:
    """The unsigned DCC of the ``verification.statement`` entry at ``seq``.

    Preconditions: ``payload`` is a valid ``verification.statement`` payload recorded at
    ``recorded_at`` (RFC 3339 UTC); ``verifier`` is (actor id, registered name) of its signer;
    ``did_of`` maps an actor id to its ``did:web``; ``subject_name`` is the subject's registered
    name.
    """
    verifier_id, verifier_name = verifier
    subject = str(payload["subject"])
    opinion = str(payload["opinion"])
    standard_text = str(payload["standard"])
    scope = len(payload.get("seqs") or ())
    state = (
        f"ledger {origin}, tree of {payload['tree_size']} entries with root {payload['root_hash']} "
        f"(RFC 9162 SHA-256)"
    )
    assessment: dict[str, Any] = {
        "type": ["ConformityAssessment", "Declaration"],
        "id": f"{entry_urn(origin, seq)}#assessment",
        "name": f"Verification of {subject_name}'s ledger trail",
        "description": (
            f"Opinion: {opinion} ({'unmodified' if opinion in CONFORMING else 'modified'}). "
            f"Standard: {standard_text}. Verified: {state}; "
            + (f"{scope} entries in scope." if scope else "every entry of the subject in that tree in scope.")
        ),
        "assessmentDate": recorded_at[:10],
        "conformance": opinion in CONFORMING,
        "conformityTopic": "environment.emissions",
        "assessedOrganisation": {"id": did_of(subject), "name": subject_name},
        "auditor": {"id": did_of(verifier_id), "name": verifier_name},
    }
    standard = _standard(standard_text)
    if standard is not None:
        assessment["referenceStandard"] = standard
    return {
        "@context": list(DCC_CONTEXT),
        "type": list(DCC_TYPE),
        "id": conformity_credential_id(origin, seq),
        "issuer": {"type": ["CredentialIssuer"], "id": did_of(verifier_id), "name": verifier_name},
        "validFrom": recorded_at,
        "credentialSubject": {
            "type": ["ConformityAttestation", "Attestation"],
            "id": entry_urn(origin, seq),
            "name": f"Verification statement on {subject_name}",
            "assessorLevel": "3rdParty",
            "assessmentLevel": "Unspecified",
            "attestationType": "verification",
            "description": str(payload.get("statement") or f"{opinion} opinion against {standard_text}"),
            "issuedToParty": {"id": did_of(subject), "name": subject_name},
            "assessment": [assessment],
        },
    }
