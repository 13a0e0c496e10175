"""Role × endpoint matrix: what each role may do, and that a refusal writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from fastapi.testclient import TestClient

from api.pact.footprints import footprint_id
from ledger.log.keys import generate_key, public_key_b64
from tests.api.conftest import BUYER, E1, E2, PARK, VERIFIER, Env, pact_fields

OPERATOR = "operator"
ALL = (OPERATOR, E1, E2, VERIFIER, BUYER, PARK)


@dataclass(frozen=True)
class Ctx:
    env: Env
    e1_seq: int
    e1_footprint: str


def _setup(env: Env) -> Ctx:
    e1_seq = env.park.ledger.size() - 2  # E1's first grant (see build_park)
    rec = env.book.add(E1, pact_fields("AL99.70"))
    env.book.add(E2, pact_fields("Si-9N", company="urn:uscc:91150000MA0N000002"))
    return Ctx(env, e1_seq, footprint_id(rec.entry_hash))


def _statement(ctx: Ctx) -> dict[str, Any]:
    size = ctx.env.park.ledger.size()
    root = ctx.env.park.ledger.root(size).hex()
    return {
        "subject": E1,
        "tree_size": size,
        "root_hash": root,
        "seqs": [ctx.e1_seq],
        "opinion": "reasonable",
        "standard": "ISO 14064-3",
    }


# One request of the matrix: client, context, auth headers -> response.
Request = Callable[[TestClient, Ctx, dict[str, str]], httpx.Response]


def _submit(actor: str, signer: str, kind: str, payload: Callable[[Ctx], dict[str, Any]]) -> Request:
    def call(c: TestClient, ctx: Ctx, headers: dict[str, str]) -> httpx.Response:
        sub = ctx.env.park.sign(kind, signer, payload(ctx))
        # TestClient derives from httpx2.Client, which mypy does not see: its methods return Any.
        return cast(httpx.Response, c.post("/entries", json=sub.to_json(), headers=headers))

    return call


def _get(path: Callable[[Ctx], str]) -> Request:
    return lambda c, ctx, headers: c.get(path(ctx), headers=headers)


GRANT_E2 = _submit(
    E1, E1, "access.grant", lambda ctx: {"grantee": BUYER, "scope": "footprints", "product_ids": ["urn:x:1"]}
)
EVENT = {
    "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
    "specversion": "1.0",
    "id": "e-1",
    "source": "//buyer.example/3/events",
    "time": "2026-03-01T00:00:00Z",
    "data": {"pfIds": ["079e425a-464f-528d-341d-4a944a1dfd70"]},
}

# (endpoint name, request, roles allowed). Every other role must get 403 and write nothing.
MATRIX: list[tuple[str, Request, set[str]]] = [
    ("checkpoint", _get(lambda ctx: "/ledger/checkpoint"), {OPERATOR, E1, E2, VERIFIER, PARK}),
    (
        "inclusion proof",
        _get(lambda ctx: "/ledger/proofs/inclusion?seq=0"),
        {OPERATOR, E1, E2, VERIFIER, PARK},
    ),
    (
        "consistency proof",
        _get(lambda ctx: "/ledger/proofs/consistency?old=1"),
        {OPERATOR, E1, E2, VERIFIER, PARK},
    ),
    ("export", _get(lambda ctx: "/ledger/export"), {OPERATOR}),
    ("verify", lambda c, ctx, h: c.post("/ledger/verify", headers=h), {OPERATOR, VERIFIER, PARK}),
    ("E1 entry", _get(lambda ctx: f"/entries/{ctx.e1_seq}"), {OPERATOR, E1, VERIFIER}),
    ("E1 trail", _get(lambda ctx: f"/entries?actor={E1}"), {OPERATOR, E1, VERIFIER}),
    ("E1 footprint", _get(lambda ctx: f"/3/footprints/{ctx.e1_footprint}"), {E1, VERIFIER, BUYER}),
    ("footprint list", _get(lambda ctx: "/3/footprints"), {E1, E2, VERIFIER, BUYER}),
    (
        "event",
        lambda c, ctx, h: c.post(
            "/3/events", json=EVENT, headers={**h, "Content-Type": "application/cloudevents+json"}
        ),
        {E1, E2, VERIFIER, BUYER},
    ),
    # allowed but rejected on content (no such meter in this park): 422, never 403
    (
        "readings upload",
        lambda c, ctx, h: c.post(
            "/readings/upload",
            headers=h,
            files={"file": ("r.csv", b"meter_id,start,kwh\nM-x,2026-01-01T00:00:00+00:00,1\n", "text/csv")},
        ),
        {E1, E2},
    ),
    ("trace E1", _get(lambda ctx: f"/trace/node?node=actor:{E1}"), {OPERATOR, E1, VERIFIER}),
    (
        "attribution run",
        lambda c, ctx, h: c.post(
            "/attribution/runs", headers=h, json={"period": "2026-01", "meters": ["M-x"]}
        ),
        {OPERATOR},
    ),
]
ALLOWED_STATUS = {"readings upload": {422}, "attribution run": {422}}


@pytest.mark.parametrize("who", ALL)
@pytest.mark.parametrize(("name", "call", "allowed"), MATRIX, ids=[m[0] for m in MATRIX])
def test_read_matrix(env: Env, who: str, name: str, call: Request, allowed: set[str]) -> None:
    ctx = _setup(env)
    size = env.park.ledger.size()
    r = call(env.client, ctx, env.auth(who))
    if who in allowed:
        assert r.status_code in ALLOWED_STATUS.get(name, {200}), (name, who, r.status_code, r.text)
    else:
        assert r.status_code == 403, (name, who, r.status_code, r.text)
        body = r.json()
        assert body["code"] in ("AccessDenied", "auth.forbidden", "auth.scope_missing", "auth.actor_mismatch")
    assert env.park.ledger.size() == size


# Writes: (case, acting token, signer of the entry, kind, payload, expected status).
WRITES: list[tuple[str, str, str, str, Callable[[Ctx], dict[str, Any]], int]] = [
    (
        "enterprise writes its own grant",
        E1,
        E1,
        "access.grant",
        lambda ctx: {"grantee": BUYER, "scope": "footprints", "product_ids": ["urn:x:1"]},
        201,
    ),
    (
        "enterprise writes another's entry",
        E2,
        E1,
        "access.grant",
        lambda ctx: {"grantee": BUYER, "scope": "footprints", "product_ids": ["urn:x:2"]},
        403,
    ),
    (
        "verifier writes a statement on a granted trail",
        VERIFIER,
        VERIFIER,
        "verification.statement",
        _statement,
        201,
    ),
    (
        "verifier writes a grant",
        VERIFIER,
        VERIFIER,
        "access.grant",
        lambda ctx: {"grantee": BUYER, "scope": "footprints"},
        403,
    ),
    (
        "buyer writes anything",
        BUYER,
        BUYER,
        "access.grant",
        lambda ctx: {"grantee": VERIFIER, "scope": "trail"},
        403,
    ),
    (
        "park registers an enterprise",
        PARK,
        PARK,
        "actor.register",
        lambda ctx: {
            "id": "E-new",
            "name": "New Co",
            "role": "enterprise",
            "public_key": public_key_b64(generate_key().public_key()),
        },
        201,
    ),
    (
        "token of E1 carrying E2's entry",
        E1,
        E2,
        "access.grant",
        lambda ctx: {"grantee": BUYER, "scope": "footprints", "product_ids": ["urn:x:3"]},
        403,
    ),
]


@pytest.mark.parametrize(
    ("case", "token_of", "signer", "kind", "payload", "expected"), WRITES, ids=[w[0] for w in WRITES]
)
def test_write_matrix(
    env: Env,
    case: str,
    token_of: str,
    signer: str,
    kind: str,
    payload: Callable[[Ctx], dict[str, Any]],
    expected: int,
) -> None:
    ctx = _setup(env)
    size = env.park.ledger.size()
    sub = env.park.sign(kind, signer, payload(ctx))
    r = env.client.post("/entries", json=sub.to_json(), headers=env.auth(token_of))
    assert r.status_code == expected, (case, r.text)
    assert env.park.ledger.size() == (size + 1 if expected == 201 else size)


def test_batch_with_one_foreign_entry_is_refused_whole(env: Env) -> None:
    size = env.park.ledger.size()
    own = env.park.sign(
        "access.grant", E1, {"grantee": BUYER, "scope": "footprints", "product_ids": ["urn:a:1"]}
    )
    foreign = env.park.sign("access.grant", E2, {"grantee": BUYER, "scope": "footprints"})
    r = env.client.post(
        "/entries/batch", json={"entries": [own.to_json(), foreign.to_json()]}, headers=env.auth(E1)
    )
    assert r.status_code == 403 and r.json()["index"] == 1
    assert env.park.ledger.size() == size


def test_verifier_without_grant_cannot_state(env: Env) -> None:
    ctx = _setup(env)
    payload = {**_statement(ctx), "subject": E2}
    r = env.submit(VERIFIER, "verification.statement", payload)
    assert r.status_code == 422 and r.json()["code"] == "verification.not_granted"


def test_revoked_grant_closes_access(env: Env) -> None:
    ctx = _setup(env)
    assert env.client.get(f"/entries/{ctx.e1_seq}", headers=env.auth(VERIFIER)).status_code == 200
    assert env.submit(E1, "access.revoke", {"grant_seq": ctx.e1_seq}).status_code == 201
    assert env.client.get(f"/entries/{ctx.e1_seq}", headers=env.auth(VERIFIER)).status_code == 403
    again = env.submit(E1, "access.revoke", {"grant_seq": ctx.e1_seq}, client_id="retry-2")
    assert again.status_code == 422 and again.json()["code"] == "access.revoked"
    assert (
        env.submit(E2, "access.revoke", {"grant_seq": ctx.e1_seq + 1}).json()["code"] == "access.not_grantor"
    )


def test_product_scoped_share(env: Env) -> None:
    _setup(env)
    a = env.book.add(E2, pact_fields("Si-A"))
    env.book.add(E2, pact_fields("Si-B"))
    assert (
        env.submit(
            E2,
            "access.grant",
            {"grantee": BUYER, "scope": "footprints", "product_ids": ["URN:pact:tanji:product:Si-A"]},
        ).status_code
        == 201
    )
    ids = {f["id"] for f in env.client.get("/3/footprints", headers=env.auth(BUYER)).json()["data"]}
    assert footprint_id(a.entry_hash) in ids
    assert all(
        f["productNameCompany"] != "Si-B"
        for f in env.client.get("/3/footprints", headers=env.auth(BUYER)).json()["data"]
    )


def test_grant_rules(env: Env) -> None:
    assert (
        env.submit(E1, "access.grant", {"grantee": BUYER, "scope": "trail"}).json()["code"]
        == "access.grantee_role"
    )
    assert (
        env.submit(E1, "access.grant", {"grantee": "ghost", "scope": "trail"}).json()["code"]
        == "actor.unknown"
    )


def test_grant_projection_replays_and_clients_are_not_projections(env: Env) -> None:
    """``access_grants`` rebuilds from the log; ``api_clients`` (service config) is not expected to."""
    from ledger.store.replay import replay_check

    ctx = _setup(env)
    assert (
        env.submit(E1, "access.revoke", {"grant_seq": ctx.e1_seq}).status_code == 201
    )  # also creates a client
    report = replay_check(env.park.ledger)
    assert report.ok, report
