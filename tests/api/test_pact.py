"""PACT v3: shapes against the shipped schema, lifecycle, pagination, filters, errors, events."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from jsonschema import Draft202012Validator

from api.pact.footprints import footprint_id
from tests.api.conftest import BUYER, E1, E2, PARK, Env, FootprintBook, pact_fields

DATA = Path(__file__).resolve().parents[2] / "api" / "data"
PF_SCHEMA = json.loads((DATA / "pact-v3-product-footprint.schema.json").read_text())
GREEN_SCHEMA = json.loads((DATA / "tanji-green-electricity.schema.json").read_text())
PF = Draft202012Validator(PF_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
GREEN = Draft202012Validator(GREEN_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
EVENT_BASE = {
    "specversion": "1.0",
    "id": "evt-1",
    "source": "//buyer.example/3/events",
    "time": "2026-03-01T00:00:00Z",
}
CE = {"Content-Type": "application/cloudevents+json"}


def _list(env: Env, query: str = "", who: str = BUYER) -> Any:
    return env.client.get(f"/3/footprints{query}", headers=env.auth(who))


def test_schemas_are_valid_json_schema() -> None:
    Draft202012Validator.check_schema(PF_SCHEMA)
    Draft202012Validator.check_schema(GREEN_SCHEMA)


def test_footprints_validate_against_v3_schema_and_extension(env: Env) -> None:
    env.book.add(E1, pact_fields("AL99.70"))
    env.book.add(E1, pact_fields("AL99.85", country=None), green={})
    data = _list(env).json()["data"]
    assert len(data) == 2
    for pf in data:
        PF.validate(pf)
        for key in (
            "productMassPerDeclaredUnit",
            "pcfExcludingBiogenicUptake",
            "pcfIncludingBiogenicUptake",
            "primaryDataShare",
            "dqi",
        ):
            assert key in pf["pcf"]
        ext = pf["extensions"][0]
        assert ext["dataSchema"].endswith("tanji-green-electricity.schema.json")
        assert ext["data"]["ledger"]["origin"] == "test.tanji/ledger"
    GREEN.validate(data[0]["extensions"][0]["data"])
    with pytest.raises(jsonschema.ValidationError):
        GREEN.validate(data[1]["extensions"][0]["data"])  # empty evidence: the schema catches it


def test_schema_rejects_broken_footprints(env: Env) -> None:
    env.book.add(E1, pact_fields("AL99.70"))
    pf = _list(env).json()["data"][0]
    mutations: tuple[Callable[[dict[str, Any]], object], ...] = (
        lambda p: p["pcf"].pop("productMassPerDeclaredUnit"),
        lambda p: p["pcf"].__setitem__("pcfExcludingBiogenicUptake", 8.4),
        lambda p: p.__setitem__("status", "Retired"),
        lambda p: p["pcf"].__setitem__("geographyRegionOrSubregion", "Eastern Asia"),
        lambda p: p["pcf"]["dqi"].pop("temporalDQR"),
        lambda p: p.__setitem__("productIds", ["not-a-urn"]),
    )
    for mutate in mutations:
        broken = json.loads(json.dumps(pf))
        mutate(broken)
        assert not PF.is_valid(broken)


def test_recomputed_footprint_deprecates_the_old_one(env: Env) -> None:
    v1 = env.book.add(E1, pact_fields("AL99.70", total="9.10"))
    v2 = env.book.add(E1, pact_fields("AL99.70", total="8.42"))
    v3 = env.book.add(E1, pact_fields("AL99.70", total="8.40"))
    ids = [footprint_id(r.entry_hash) for r in (v1, v2, v3)]
    by_id = {pf["id"]: pf for pf in _list(env).json()["data"]}
    assert [by_id[i]["status"] for i in ids] == ["Deprecated", "Deprecated", "Active"]
    assert by_id[ids[2]]["precedingPfIds"] == ids[:2]
    assert "precedingPfIds" not in by_id[ids[0]]
    old = env.client.get(f"/3/footprints/{ids[0]}", headers=env.auth(BUYER))
    assert old.status_code == 200 and old.json()["data"]["status"] == "Deprecated"
    active = _list(env, "?status=Active").json()["data"]
    assert [pf["id"] for pf in active] == [ids[2]]
    assert len(_list(env, "?status=deprecated").json()["data"]) == 2


def test_pagination_link_is_absolute_and_on_the_request_host(env: Env) -> None:
    for i in range(7):
        env.book.add(E1, pact_fields(f"P{i}"))
    r = env.client.get(
        "/3/footprints?limit=3&geography=cn", headers={**env.auth(BUYER), "Host": "pcf.park.example"}
    )
    assert r.status_code == 200
    link = r.headers["link"]
    assert link.startswith("<http://pcf.park.example/3/footprints?") and link.endswith('>; rel="next"')
    seen = [pf["id"] for pf in r.json()["data"]]
    while "link" in r.headers:
        url = r.headers["link"].split(">")[0][1:]
        assert "geography=cn" in url
        r = env.client.get(url, headers={**env.auth(BUYER), "Host": "pcf.park.example"})
        assert len(r.json()["data"]) <= 3
        seen += [pf["id"] for pf in r.json()["data"]]
    assert r.status_code == 200
    assert len(seen) == len(set(seen)) == 7
    assert _list(env, "?limit=7").status_code == 200
    assert "link" not in _list(env, "?limit=7").headers


def test_incomplete_result_is_202(make_env: Callable[..., Env]) -> None:
    from api.pact.footprints import SourceResult

    book = FootprintBook()
    env: Env = make_env(footprints=lambda: SourceResult(book(), skipped=1), footprints_version=book.version)
    book.add(E1, pact_fields("A"))
    r = _list(env)
    assert r.status_code == 202 and len(r.json()["data"]) == 1


def test_empty_list_is_an_empty_array(env: Env) -> None:
    r = _list(env)
    assert r.status_code == 200 and r.json() == {"data": []}


def test_filters_or_within_and_across(env: Env) -> None:
    env.book.add(E1, pact_fields("A", start="2024-01-01T00:00:00Z", end="2025-01-01T00:00:00Z"))
    env.book.add(E1, pact_fields("B", country=None, classification="urn:pact:productclassification:cn:2804"))
    env.book.add(E1, pact_fields("C", company="urn:uscc:other"))

    def names(q: str) -> list[str]:
        r = _list(env, q)
        assert r.status_code == 200, r.text
        return sorted(pf["productNameCompany"] for pf in r.json()["data"])

    assert names("?productId=urn:pact:tanji:product:a&productId=URN:PACT:TANJI:PRODUCT:B") == ["A", "B"]
    assert names("?productId=urn:pact:tanji:product:A&geography=CN") == ["A"]
    assert names("?productId=urn:pact:tanji:product:B&geography=CN") == []
    assert names("?geography=eastern asia") == ["B"]
    assert names("?classification=urn:pact:productclassification:cn:2804") == ["B"]
    assert names("?companyId=urn:uscc:other") == ["C"]
    assert names("?companyId=urn:uscc:other&companyId=urn:uscc:91150000MA0N000001") == ["A", "B", "C"]
    # validity defaults to [referencePeriodEnd, +3 years]
    assert names("?validOn=2025-06-01T00:00:00Z") == ["A"]
    assert names("?validOn=2026-06-01T00:00:00Z") == ["A", "B", "C"]
    assert names("?validAfter=2025-06-01T00:00:00Z") == ["B", "C"]
    assert names("?validBefore=2028-06-01T00:00:00Z") == ["A"]
    assert names("?x-tanji-unknown=1") == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("?validOn=yesterday", "validOn"),
        ("?limit=abc", "limit"),
        ("?limit=-1", "limit"),
    ],
)
def test_bad_filters_are_400_bad_request(env: Env, query: str, fragment: str) -> None:
    r = _list(env, query)
    assert r.status_code == 400
    assert r.json()["code"] == "BadRequest" and fragment in r.json()["message"]
    assert set(r.json()) == {"code", "message"}


@pytest.mark.parametrize(
    "query",
    [
        "?status=BogusStatusx1",  # conformance test 37
        "?productId=urn:bogus:product:x",
        "?companyId=urn:bogus:company:x",
        "?geography=XX",
        "?classification=urn:bogus:classification:x",
        "?validOn=1900-01-01T00:00:00Z",
        "?validAfter=2099-12-31T23:59:59Z",
        "?validBefore=1900-01-01T00:00:00Z",
        "?companyId=urn:bogus:a&productId=urn:bogus:b",
    ],
)
def test_unknown_filter_values_are_200_and_an_empty_list(env: Env, query: str) -> None:
    env.book.add(E1, pact_fields("A"))
    r = _list(env, query)
    assert r.status_code == 200 and r.json() == {"data": []}


def test_geography_matches_sub_regions_and_validity_is_end_exclusive(env: Env) -> None:
    nm = pact_fields("NM", end="2024-02-29T00:00:00Z")
    del nm["pcf"]["geographyCountry"]
    nm["pcf"]["geographyCountrySubdivision"] = "CN-NM"
    env.book.add(E1, nm)
    env.book.add(E1, pact_fields("DE", country="DE"))
    env.book.add(E1, pact_fields("EA", country=None))  # Eastern Asia

    def names(q: str) -> list[str]:
        r = _list(env, q)
        assert r.status_code == 200, r.text
        return sorted(pf["productNameCompany"] for pf in r.json()["data"])

    assert names("?geography=CN") == ["NM"]
    assert names("?geography=cn-nm") == ["NM"]
    assert names("?geography=CN-N") == []
    assert names("?geography=asia") == ["EA"]
    assert names("?geography=Europe") == []  # no country-to-region table: DE is not matched by region
    # Reference period end 29 February 2024: valid [2024-02-29, 2027-03-01), 3 calendar years.
    assert names("?validOn=2027-02-28T23:59:59Z&geography=CN") == ["NM"]
    assert names("?validOn=2027-03-01T00:00:00Z&geography=CN") == []
    assert names("?validOn=2024-02-29T00:00:00Z&geography=CN") == ["NM"]
    assert names("?validBefore=2027-03-01T00:00:01Z&geography=CN") == ["NM"]
    assert names("?validBefore=2027-03-01T00:00:00Z&geography=CN") == []


def test_tokens_invalid_is_401_bad_request_and_a_token_without_rights_is_403(env: Env) -> None:
    env.book.add(E1, pact_fields("A"))
    pf = _list(env).json()["data"][0]["id"]
    bad = {"Authorization": "Bearer very-invalid-access-token-0123456789abcdef"}
    event = json.dumps({**EVENT_BASE, **EVENTS[0]})
    for r in (
        env.client.get("/3/footprints", headers=bad),  # conformance test 6
        env.client.get(f"/3/footprints/{pf}", headers=bad),  # 7
        env.client.post("/3/events", content=event, headers={**bad, **CE}),  # 16
        env.client.get("/3/footprints"),  # no token at all
    ):
        assert r.status_code == 401, r.text
        assert r.json()["code"] == "BadRequest" and r.headers["www-authenticate"].startswith("Bearer")
    # A valid token of a role without PACT scopes: 403 AccessDenied.
    r = env.client.get("/3/footprints", headers=env.auth(PARK))
    assert r.status_code == 403 and r.json()["code"] == "AccessDenied"


def test_get_footprint_error_codes(env: Env) -> None:
    mine = env.book.add(E2, pact_fields("Si"))
    r = env.client.get(f"/3/footprints/{footprint_id(mine.entry_hash)}", headers=env.auth(BUYER))
    assert r.status_code == 403 and r.json()["code"] == "AccessDenied"
    r = env.client.get("/3/footprints/079e425a-464f-528d-341d-4a944a1dfd70", headers=env.auth(BUYER))
    assert r.status_code == 404 and r.json()["code"] == "NotFound"
    r = env.client.get("/3/footprints/not-a-uuid", headers=env.auth(BUYER))
    assert r.status_code == 400 and r.json()["code"] == "BadRequest"
    r = env.client.get(f"/3/footprints/{footprint_id(mine.entry_hash)}")
    assert r.status_code == 401 and r.json()["code"] == "BadRequest"
    r = env.client.get(f"/3/footprints/{footprint_id(mine.entry_hash)}", headers=env.auth(E2))
    assert r.status_code == 200
    PF.validate(r.json()["data"])


EVENTS: list[dict[str, Any]] = [
    {
        "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
        "data": {"pfIds": ["079e425a-464f-528d-341d-4a944a1dfd70"]},
    },
    {
        "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "data": {
            "productId": ["urn:pact:tanji:product:AL99.70"],
            "geography": ["CN"],
            "validAfter": "2025-01-01T00:00:00Z",
        },
    },
    {
        "type": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
        "data": {"requestEventId": "evt-0", "pfs": [{"id": "079e425a-464f-528d-341d-4a944a1dfd70"}]},
    },
    {
        "type": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
        "data": {"requestEventId": "evt-0", "error": {"code": "NotFound", "message": "no such footprint"}},
    },
]


@pytest.mark.parametrize("event", EVENTS, ids=[e["type"].split(".")[-2] for e in EVENTS])
def test_valid_events_are_accepted(env: Env, event: dict[str, Any]) -> None:
    r = env.client.post(
        "/3/events", content=json.dumps({**EVENT_BASE, **event}), headers={**env.auth(BUYER), **CE}
    )
    assert r.status_code == 200 and r.content == b""
    assert env.app.state.service.events[-1]["event"]["type"] == event["type"]


MALFORMED: list[tuple[str, Any, dict[str, str]]] = [
    ("not json", "{nope", CE),
    ("array", "[]", CE),
    ("no type", json.dumps({k: v for k, v in {**EVENT_BASE, **EVENTS[0]}.items() if k != "type"}), CE),
    (
        "unknown type",
        json.dumps({**EVENT_BASE, **EVENTS[0], "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.2"}),
        CE,
    ),
    ("specversion", json.dumps({**EVENT_BASE, **EVENTS[0], "specversion": "0.3"}), CE),
    ("bad time", json.dumps({**EVENT_BASE, **EVENTS[0], "time": "noon"}), CE),
    ("pfIds not uuids", json.dumps({**EVENT_BASE, **EVENTS[0], "data": {"pfIds": ["x"]}}), CE),
    ("unknown criterion", json.dumps({**EVENT_BASE, **EVENTS[1], "data": {"colour": ["red"]}}), CE),
    ("empty pfs", json.dumps({**EVENT_BASE, **EVENTS[2], "data": {"requestEventId": "e", "pfs": []}}), CE),
    (
        "bad error code",
        json.dumps(
            {
                **EVENT_BASE,
                **EVENTS[3],
                "data": {"requestEventId": "e", "error": {"code": "Oops", "message": ""}},
            }
        ),
        CE,
    ),
    ("wrong media type", json.dumps({**EVENT_BASE, **EVENTS[0]}), {"Content-Type": "text/plain"}),
]


@pytest.mark.parametrize(("case", "body", "headers"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_events_are_400(env: Env, case: str, body: str, headers: dict[str, str]) -> None:
    r = env.client.post("/3/events", content=body, headers={**env.auth(BUYER), **headers})
    assert r.status_code == 400, (case, r.text)
    assert r.json()["code"] == "BadRequest"
    assert not env.app.state.service.events


def test_published_schemas_are_served(env: Env) -> None:
    r = env.client.get("/schemas/tanji-green-electricity.schema.json")
    assert r.status_code == 200 and r.json()["$id"].endswith("tanji-green-electricity.schema.json")
    assert env.client.get("/schemas/nope.json").status_code == 404
