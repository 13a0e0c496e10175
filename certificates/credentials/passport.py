"""A certificate as a UNTP 0.6.1 Digital Product Passport (W3C VC 2.0), unsigned; pure.

:func:`passport_credential` restates a Tanji certificate (its signed fields, as
:func:`certificates.figures.claims_from_footprint` made them) in the vocabulary of the UN
Transparency Protocol:

| certificate | DPP (``credentialSubject``) |
|---|---|
| product name, ids, classifications, lot | ``product`` (``id``: the product's Digital Link with
  its lot when it has a GTIN, else its first id), ``batchNumber``, ``productCategory``;
  ``granularityLevel`` batch or model |
| issuer | ``issuer`` (its ``did:web``), ``product.producedByParty`` |
| market-based total, declared unit, boundary, primary data share | ``emissionsScorecard``:
  ``carbonFootprint`` (kg CO2e per ``declaredUnit``, a UN/CEFACT Rec. 20 code),
  ``operationalScope``, ``primarySourcedRatio`` (0–1), ``reportingStandard`` ISO 14067 |
| footprint figures | a ``Claim`` on ``environment.emissions`` with each figure as a ``Metric`` |
| green electricity | a ``Claim`` on ``environment.energy``: kWh per declared unit by class and
  the three shares (%) |

Both claims carry ``conformityEvidence``: a ``SecureLink`` to the signed certificate
(``{base}/verify/{id}/certificate.json``) whose ``hashDigest`` is the certificate's content
digest (SHA-256 of its signed bytes, what the ledger's ``certificate.issue`` records) — the
evidence a buyer re-derives the figures from, linked rather than embedded. A certificate that
cites a verification statement links the statement's Digital Conformity Credential
(:mod:`certificates.credentials.conformity`) in ``product.furtherInformation``.

``declaredUnit`` is a Rec. 20 code and ``carbonFootprint`` is per *one* such unit, so a declared
unit of 1000 kilogram becomes ``TNE`` and other amounts are divided out (``KGM`` for 50 kg is
the total / 50). :func:`passport_figures` is what a verifier compares between a passport and
the certificate it links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from certificates.credentials.conformity import conformity_file_stem
from certificates.site import Site, gtin_of, identity_path

__all__ = [
    "DPP_CONTEXT",
    "passport_file_stem",
    "DPP_TYPE",
    "LINK_TYPES",
    "passport_credential",
    "passport_figures",
    "rec20_unit",
]

DPP_CONTEXT: Final = [
    "https://www.w3.org/ns/credentials/v2",
    "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/",
]
DPP_TYPE: Final = ["DigitalProductPassport", "VerifiableCredential"]
LINK_TYPES: Final = {
    "dcc": "https://test.uncefact.org/vocabulary/linkTypes/dcc",
    "certificate": "https://test.uncefact.org/vocabulary/linkTypes/certificationInfo",
    "verify": "https://test.uncefact.org/vocabulary/linkTypes/verificationService",
}
ISO: Final = {"id": "https://www.iso.org", "name": "International Organization for Standardization (ISO)"}
ISO_14067: Final = {
    "type": ["Standard"],
    "id": "https://www.iso.org/standard/71206.html",
    "name": "ISO 14067:2018",
    "issuingParty": ISO,
}
# PACT v3 declared units → UN/CEFACT Recommendation 20 codes
REC20: Final = {
    "kilogram": "KGM",
    "liter": "LTR",
    "cubic meter": "MTQ",
    "kilowatt hour": "KWH",
    "megajoule": "3B",
    "ton kilometer": "TKM",
    "square meter": "MTK",
    "piece": "H87",
}
SCOPES: Final = {"cradle-to-gate": "CradleToGate", "cradle-to-grave": "CradleToGrave"}
HS_SCHEME: Final = "https://www.wcoomd.org/en/topics/nomenclature/overview/what-is-the-harmonized-system.aspx"


def passport_file_stem(certificate_id: str) -> str:
    """``<certificate id>.dpp``: the passport's file name without ``.json`` / ``.jwt``."""
    return f"{certificate_id}.dpp"


def rec20_unit(unit: str, amount: float) -> tuple[str, float]:
    """(Rec. 20 code, how many of that unit one declared unit is): 1000 kilogram is ``("TNE", 1)``."""
    if unit == "kilogram" and amount == 1000:
        return "TNE", 1.0
    return REC20.get(unit, unit), float(amount)


def _per_unit(value: float, amount: float) -> float:
    return float(value) if amount == 1 else float(value) / amount


def _classification(urn: str) -> dict[str, Any]:
    parts = urn.split(":")
    if urn.startswith("urn:pact:productclassification:") and len(parts) == 5:
        scheme, code = parts[3], parts[4]
        out: dict[str, Any] = {"type": ["Classification"], "id": urn, "code": code}
        if scheme == "hs":
            return out | {"name": f"HS {code}", "schemeID": HS_SCHEME, "schemeName": "Harmonized System (HS)"}
        return out | {"name": f"{scheme.upper()} {code}", "schemeName": scheme}
    return {"type": ["Classification"], "id": urn, "name": urn}


def _metric(name: str, value: float | None, unit: str) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "type": ["Metric"],
        "metricName": name,
        "metricValue": {"type": ["Measure"], "value": value, "unit": unit},
    }


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 4)


def _product_uri(product: Mapping[str, Any], lot: str | None, site: Site) -> str:
    path = identity_path(product["ids"], lot)
    if path is not None:
        return f"https://id.gs1.org{path}"
    gtin = gtin_of(product["ids"])
    if gtin is not None:
        return f"https://id.gs1.org/01/{gtin}"
    for value in product["ids"]:
        if ":" in value:
            return str(value)
    return f"{site.base_url}/products/{product['id']}"


def _evidence_link(certificate_id: str, digest: str, site: Site) -> dict[str, Any]:
    return {
        "type": ["SecureLink", "Link"],
        "linkURL": site.certificate_url(certificate_id),
        "linkName": "Tanji certificate: the signed evidence its figures are re-derived from "
        "(hashDigest: SHA-256 of its signed bytes)",
        "linkType": LINK_TYPES["certificate"],
        "hashDigest": digest,
        "hashMethod": "SHA-256",
        "encryptionMethod": "none",
    }


def passport_credential(
    certificate: Mapping[str, Any],
    *,
    digest: str,
    issuer_did: str,
    site: Site,
) -> dict[str, Any]:
    """The unsigned DPP credential of a certificate document.

    Preconditions: ``certificate`` is a well-formed certificate document
    (``certificates.document.Certificate.data``); ``digest`` is its content digest;
    ``issuer_did`` the issuer's ``did:web``.
    """
    cid = certificate["id"]
    product, lot = certificate["product"], certificate.get("lot")
    unit, per = rec20_unit(certificate["declared_unit"]["unit"], certificate["declared_unit"]["amount"])
    fp = certificate["footprint"]
    market, location = fp["market"], fp["location"]
    green = certificate["green_electricity"]
    elec = fp["electricity"]
    issued = certificate["issued_at"]
    evidence = _evidence_link(cid, digest, site)
    period = certificate["period"]
    period_text = f"[{period['start']}, {period['end']}) park-local, end exclusive"
    emission_values = [
        _metric("carbon footprint, market-based (kg CO2e)", _per_unit(market["total"], per), "KGM"),
        _metric("carbon footprint, location-based (kg CO2e)", _per_unit(location["total"], per), "KGM"),
        _metric("fossil, market-based (kg CO2e)", _per_unit(market["fossil"], per), "KGM"),
        _metric("biogenic, market-based (kg CO2e)", _per_unit(market["biogenic"], per), "KGM"),
        _metric("land use, market-based (kg CO2e)", _per_unit(market["land_use"], per), "KGM"),
    ]
    energy_values = [
        _metric("electricity (kWh)", _per_unit(elec["total_kwh"], per), "KWH"),
        _metric(
            "direct-supply green electricity, physical (kWh)",
            _per_unit(elec["direct_physical_kwh"], per),
            "KWH",
        ),
        _metric("contracted green electricity (kWh)", _per_unit(elec["contracted_kwh"], per), "KWH"),
        _metric("certificate-backed electricity (kWh)", _per_unit(elec["certificate_kwh"], per), "KWH"),
        _metric("grid electricity (kWh)", _per_unit(elec["grid_kwh"], per), "KWH"),
        _metric("claimable green electricity (kWh)", _per_unit(elec["claimable_green_kwh"], per), "KWH"),
        _metric("claimable green share (%)", _percent(green["claimable_share"]), "P1"),
        _metric("physical green share (%)", _percent(green["physical_share"]), "P1"),
        _metric("hourly-matched share (%)", _percent(green["hourly_matched_share"]), "P1"),
    ]
    claims = [
        {
            "type": ["Claim", "Declaration"],
            "id": f"urn:uuid:{cid}#carbon-footprint",
            "description": (
                f"Product carbon footprint per declared unit ({certificate['method']['gwp']}, "
                f"{certificate['boundary']}, period {period_text}), as the ledger re-computed it "
                "for its footprint.publish entry."
            ),
            "referenceStandard": ISO_14067,
            "assessmentDate": issued[:10],
            "declaredValue": [m for m in emission_values if m is not None],
            "conformance": True,
            "conformityTopic": "environment.emissions",
            "conformityEvidence": evidence,
        },
        {
            "type": ["Claim", "Declaration"],
            "id": f"urn:uuid:{cid}#green-electricity",
            "description": (
                "Electricity per declared unit attributed hour by hour by the ledger (direct supply, "
                "green-power trades, retired green certificates, grid), and the green shares "
                + (
                    f"of lot {green.get('lot')}'s metered electricity"
                    if green.get("basis") == "lot"
                    else "of the electricity per declared unit"
                )
                + ": claimable = GEC-backed / total, physical = direct supply / total, hourly-matched "
                "= sum over hours of min(consumption, direct + contracted) / consumption. "
                "The certificate's evidence re-derives each figure offline."
            ),
            "assessmentDate": issued[:10],
            "declaredValue": [m for m in energy_values if m is not None],
            "conformance": True,
            "conformityTopic": "environment.energy",
            "conformityEvidence": evidence,
        },
    ]
    further = [
        {
            "type": ["Link"],
            "linkURL": site.verify_url(cid),
            "linkName": "Public verification page",
            "linkType": LINK_TYPES["verify"],
        }
    ]
    verification = certificate.get("verification")
    if verification is not None:
        further.append(
            {
                "type": ["Link"],
                "linkURL": site.credential_url(conformity_file_stem(verification["seq"]) + ".json"),
                "linkName": f"Verification statement by {verification['verifier']} "
                f"({verification['opinion']}, {verification['standard']}) as a conformity credential",
                "linkType": LINK_TYPES["dcc"],
            }
        )
    product_node: dict[str, Any] = {
        "type": ["Product"],
        "id": _product_uri(product, lot, site),
        "name": product["name"],
        "productCategory": [_classification(c) for c in product["classifications"]],
        "furtherInformation": further,
        "producedByParty": {"id": issuer_did, "name": certificate["issuer"]["name"]},
        "countryOfProduction": certificate["geography"]["country"],
    }
    gtin = gtin_of(product["ids"])
    if gtin is not None:
        product_node["registeredId"] = gtin
        product_node["idScheme"] = {
            "type": ["IdentifierScheme"],
            "id": "https://id.gs1.org/01/",
            "name": "Global Trade Item Number (GTIN)",
        }
    if lot is not None:
        product_node["batchNumber"] = lot
    scorecard: dict[str, Any] = {
        "type": ["EmissionsPerformance"],
        "carbonFootprint": _per_unit(market["total"], per),
        "declaredUnit": unit,
        "operationalScope": SCOPES.get(certificate["boundary"], "None"),
        "primarySourcedRatio": round(float(certificate["method"]["primary_data_share"]) / 100, 6),
        "reportingStandard": ISO_14067,
    }
    issuer: dict[str, Any] = {
        "type": ["CredentialIssuer"],
        "id": issuer_did,
        "name": certificate["issuer"]["name"],
    }
    if certificate["issuer"].get("uscc"):
        issuer["issuerAlsoKnownAs"] = [
            {
                "id": f"{site.base_url}/actors/{certificate['issuer']['actor']}",
                "name": certificate["issuer"]["name"],
                "registeredId": certificate["issuer"]["uscc"],
            }
        ]
    return {
        "@context": list(DPP_CONTEXT),
        "type": list(DPP_TYPE),
        "id": f"urn:uuid:{cid}",
        "issuer": issuer,
        "validFrom": issued,
        "credentialSubject": {
            "type": ["ProductPassport"],
            "id": f"urn:uuid:{cid}#passport",
            "product": product_node,
            "granularityLevel": "batch" if lot is not None else "model",
            "emissionsScorecard": scorecard,
            "conformityClaim": claims,
        },
    }


def passport_figures(credential: Mapping[str, Any]) -> dict[str, Any]:
    """What a verifier compares between a passport and its certificate: the scorecard, every declared
    value by claim topic, the product's name and batch, and the linked certificate digest (URLs and
    the issuer's DID depend on where the ledger is served and are compared apart).

    Never raises: missing members read as None.
    """
    raw_subject = credential.get("credentialSubject")
    subject: Mapping[str, Any] = raw_subject if isinstance(raw_subject, Mapping) else {}
    raw_product, raw_claims = subject.get("product"), subject.get("conformityClaim")
    product: Mapping[str, Any] = raw_product if isinstance(raw_product, Mapping) else {}
    claims: list[Any] = raw_claims if isinstance(raw_claims, list) else []
    values: dict[str, Any] = {}
    digests = set()
    for claim in claims:
        if not isinstance(claim, Mapping):
            continue
        values[str(claim.get("conformityTopic"))] = claim.get("declaredValue")
        evidence = claim.get("conformityEvidence")
        if isinstance(evidence, Mapping):
            digests.add(evidence.get("hashDigest"))
    return {
        "emissionsScorecard": subject.get("emissionsScorecard"),
        "declaredValues": values,
        "product": (product.get("name"), product.get("batchNumber")),
        "certificateDigests": sorted(str(d) for d in digests),
    }
