"""Fixtures of the service tests: a small park, an app on it, tokens per role, footprints."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.clients import create_client
from api.pact.footprints import FootprintRecord
from api.pact.requesters import Requester, Requesters
from api.settings import Settings
from ledger.log.keys import Ed25519PrivateKey, generate_key
from tests.conftest import Park

BUYER, E1, E2, VERIFIER, PARK = "B-buyer", "E-alu", "E-poly", "V-cert", "P-ordos"


def pact_fields(
    product: str,
    *,
    company: str = "urn:uscc:91150000MA0N000001",
    country: str | None = "CN",
    start: str = "2025-01-01T00:00:00Z",
    end: str = "2026-01-01T00:00:00Z",
    total: str = "8.42",
    classification: str = "urn:pact:productclassification:cn:7601",
) -> dict[str, Any]:
    """A complete set of PACT v3 fields for a footprint (what lca's ``pact_fields`` yields)."""
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": "kilogram",
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": "1",
        "referencePeriodStart": start,
        "referencePeriodEnd": end,
        "pcfExcludingBiogenicUptake": total,
        "pcfIncludingBiogenicUptake": total,
        "fossilGhgEmissions": total,
        "fossilCarbonContent": "0",
        "biogenicCarbonContent": "0",
        "packagingEmissionsIncluded": False,
        "ccsTechnologicalCO2CaptureIncluded": False,
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067", "PACT-3.0"],
        "exemptedEmissionsPercent": "0",
        "primaryDataShare": "72.5",
        "dqi": {"technologicalDQR": "1.5", "geographicalDQR": "1.2", "temporalDQR": "1.0"},
        "boundaryProcessesDescription": "electrolysis, casting; electricity by hourly attribution",
    }
    if country:
        pcf["geographyCountry"] = country
    else:
        pcf["geographyRegionOrSubregion"] = "Eastern Asia"
    return {
        "companyName": "Ordos Aluminium Co.",
        "companyIds": [company],
        "productDescription": f"{product} ingot, 99.7 %",
        "productIds": [f"urn:pact:tanji:product:{product}"],
        "productClassifications": [classification],
        "productNameCompany": product,
        "comment": "Computed by Tanji from ledger entries.",
        "pcf": pcf,
    }


GREEN = {
    "electricityKwh": "13.5",
    "breakdownKwh": {"direct": "6", "contracted": "2", "certificate": "1.5", "grid": "4"},
    "shares": {"physical": "0.5926", "claimable": "0.5185", "hourlyMatched": "0.4811"},
    "marketBasedPcf": "3.10",
    "locationBasedPcf": "7.95",
    "certificateId": None,
}


@dataclass
class FootprintBook:
    """An in-memory footprint source; ``version`` changes on every add."""

    records: list[FootprintRecord] = field(default_factory=list)

    def add(
        self,
        owner: str,
        fields: dict[str, Any],
        *,
        seq: int | None = None,
        green: dict[str, Any] | None = None,
        lineage: str | None = None,
    ) -> FootprintRecord:
        seq = seq if seq is not None else 1000 + len(self.records)
        record = FootprintRecord(
            seq,
            owner,
            f"{seq:064x}",
            datetime(2026, 2, 1, tzinfo=UTC),
            fields,
            GREEN if green is None else green,
            lineage,
        )
        self.records.append(record)
        return record

    def __call__(self) -> list[FootprintRecord]:
        return list(self.records)

    def version(self) -> object:
        return len(self.records)


@dataclass
class RecordingSender:
    """A PACT outbox ``Sender`` that answers ``status`` and keeps every POST (no network)."""

    status: int = 200
    posts: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float, requester: Requester
    ) -> tuple[int, str]:
        self.posts.append((url, body, dict(headers)))
        return self.status, ""


#: Where the test buyer's requests are answered (``Settings.pact_requesters``).
BUYER_ENDPOINT = "https://buyer.example"


@dataclass
class Env:
    """A park, the app serving it and helpers to act as its actors."""

    park: Park
    app: FastAPI
    client: TestClient
    book: FootprintBook
    service_key: Ed25519PrivateKey
    clients: dict[str, tuple[str, str]] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)

    def credentials(self, actor: str, role: str) -> tuple[str, str]:
        if actor not in self.clients:
            new = create_client(self.park.ledger.db, actor, role)
            self.clients[actor] = (new.client.client_id, new.secret)
        return self.clients[actor]

    def token(self, actor: str, role: str | None = None) -> str:
        if actor not in self._tokens:
            role = role or ROLES[actor]
            cid, secret = self.credentials(actor, role)
            r = self.client.post(
                "/auth/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": basic(cid, secret)},
            )
            assert r.status_code == 200, r.text
            self._tokens[actor] = r.json()["access_token"]
        return self._tokens[actor]

    def auth(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(actor)}"}

    def submit(self, actor: str, kind: str, payload: dict[str, Any], client_id: str | None = None) -> Any:
        sub = self.park.sign(kind, actor, payload, client_id)
        return self.client.post("/entries", json=sub.to_json(), headers=self.auth(actor))


ROLES = {
    "operator": "operator",
    E1: "enterprise",
    E2: "enterprise",
    VERIFIER: "verifier",
    BUYER: "buyer",
    PARK: "park",
}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def build_park(park: Park) -> None:
    """Register the actors and the grants the role tests rely on."""
    for actor in (E1, E2, VERIFIER, BUYER, PARK):
        park.register(actor, ROLES[actor])
    park.ledger.append(
        [
            park.sign("access.grant", E1, {"grantee": VERIFIER, "scope": "trail"}),
            park.sign("access.grant", E1, {"grantee": BUYER, "scope": "footprints"}),
        ]
    )


@pytest.fixture
def make_env(make_park: Callable[[], Park]) -> Iterator[Callable[..., Env]]:
    """Factory of an ``Env``; keyword arguments go to ``Settings``."""
    made: list[TestClient] = []

    def make(**settings: Any) -> Env:
        park = make_park()
        build_park(park)
        book = FootprintBook()
        key = generate_key()
        options: dict[str, Any] = {
            "footprints": book,
            "footprints_version": book.version,
            "access_cache_seconds": 0,
            "read_cache_seconds": 0,
            "pact_requesters": Requesters({BUYER: Requester(BUYER, (BUYER_ENDPOINT,))}),
            "pact_sender": RecordingSender(),
            **settings,
        }
        app = create_app(
            Settings(
                db_url=park.ledger.db.url, service_key=key, operator_key=park.keys["operator"], **options
            )
        )
        client = TestClient(app, raise_server_exceptions=False)
        made.append(client)
        return Env(park, app, client, book, key)

    yield make
    for c in made:
        c.app.state.service.dispatcher.close()  # type: ignore[attr-defined]
        c.close()


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    """A ready ``Env``."""
    return make_env()
