"""Native API: submitting entries, reading them, proofs, export, verify, concurrency."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from ledger.log import merkle
from ledger.log.entry import Submission
from ledger.log.keys import generate_key
from tests.api.conftest import BUYER, E1, E2, VERIFIER, Env, build_park
from tests.conftest import Park


def _grant(env: Env, actor: str, n: int, client_id: str | None = None) -> Submission:
    payload: dict[str, object] = {
        "grantee": BUYER,
        "scope": "footprints",
        "product_ids": [f"urn:x:{actor}:{n}"],
    }
    return env.park.sign("access.grant", actor, payload, client_id)


def test_submit_one_and_read_it_back(env: Env) -> None:
    size = env.park.ledger.size()
    r = env.client.post("/entries", json=_grant(env, E1, 1).to_json(), headers=env.auth(E1))
    assert r.status_code == 201
    placed = r.json()
    assert placed["seq"] == size and not placed["duplicate"]
    got = env.client.get(f"/entries/{size}", headers=env.auth(E1)).json()
    assert got["hash"] == placed["hash"] == env.park.ledger.entry(size).hash
    assert got["payload"]["product_ids"] == [f"urn:x:{E1}:1"]


def test_batch_is_atomic(env: Env) -> None:
    size = env.park.ledger.size()
    subs = [_grant(env, E1, i).to_json() for i in range(3)]
    r = env.client.post("/entries/batch", json={"entries": subs}, headers=env.auth(E1))
    assert r.status_code == 201 and [a["seq"] for a in r.json()["appended"]] == [size, size + 1, size + 2]
    bad = [_grant(env, E1, 10).to_json(), {**_grant(env, E1, 11).to_json(), "payload": {"grantee": BUYER}}]
    r = env.client.post("/entries/batch", json={"entries": bad}, headers=env.auth(E1))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "schema.invalid" and body["index"] == 1 and body["status"] == 422
    assert env.park.ledger.size() == size + 3


def test_client_id_retry_is_idempotent_and_reuse_conflicts(env: Env) -> None:
    first = env.client.post("/entries", json=_grant(env, E1, 1, "c-1").to_json(), headers=env.auth(E1)).json()
    again = env.client.post("/entries", json=_grant(env, E1, 1, "c-1").to_json(), headers=env.auth(E1)).json()
    assert again == {**first, "duplicate": True}
    r = env.client.post("/entries", json=_grant(env, E1, 2, "c-1").to_json(), headers=env.auth(E1))
    assert r.status_code == 409 and r.json()["code"] == "entry.client_id_reused"


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda s: {**s, "payload": {**s["payload"], "scope": "everything"}}, 422, "schema.invalid"),
        (lambda s: {**s, "kind": "no.such_kind"}, 422, "kind.unknown"),
        (lambda s: {**s, "sig": "AAAA"}, 422, "signature.invalid"),
        (lambda s: {**s, "extra": 1}, 400, "request.invalid"),
        (lambda s: {k: v for k, v in s.items() if k != "sig"}, 400, "request.invalid"),
    ],
)
def test_rejections_are_problem_details(
    env: Env, mutate: Callable[[dict[str, Any]], dict[str, Any]], status: int, code: str
) -> None:
    size = env.park.ledger.size()
    r = env.client.post("/entries", json=mutate(_grant(env, E1, 1).to_json()), headers=env.auth(E1))
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code and body["type"].endswith(code) and body["title"] and body["detail"]
    assert env.park.ledger.size() == size


def test_trail_lists_own_entries_only(env: Env) -> None:
    env.client.post("/entries", json=_grant(env, E2, 1).to_json(), headers=env.auth(E2))
    rows = env.client.get(f"/entries?actor={E1}", headers=env.auth(VERIFIER)).json()
    assert rows and {r["actor"] for r in rows} == {E1}
    assert (
        env.client.get(f"/entries?actor={E1}&start={rows[-1]['seq'] + 1}", headers=env.auth(E1)).json() == []
    )


def test_proofs_verify_against_the_checkpoint(env: Env) -> None:
    size = env.park.ledger.size()
    note = env.client.get("/ledger/checkpoint", headers=env.auth(E1)).text
    assert note.splitlines()[1] == str(size)
    for seq in (0, size // 2, size - 1):
        p = env.client.get(f"/ledger/proofs/inclusion?seq={seq}", headers=env.auth(E1)).json()
        root = merkle.root_from_inclusion_proof(
            bytes.fromhex(p["leaf_hash"]), seq, size, [bytes.fromhex(h) for h in p["path"]]
        )
        assert root.hex() == p["root"] == env.park.ledger.root(size).hex()
    c = env.client.get("/ledger/proofs/consistency?old=2", headers=env.auth(E1)).json()
    assert c["old_root"] == env.park.ledger.root(2).hex() and c["new_size"] == size
    r = env.client.get(f"/ledger/proofs/inclusion?seq={size}", headers=env.auth(E1))
    assert r.status_code == 404 and r.json()["code"] == "proof.out_of_range"
    assert env.client.get(f"/ledger/checkpoints/{size}", headers=env.auth(E1)).text == note


def test_export_streams_the_log_as_json_lines(env: Env) -> None:
    r = env.client.get("/ledger/export", headers=env.auth("operator"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [x["seq"] for x in lines] == list(range(env.park.ledger.size()))
    assert all(x["hash"] == env.park.ledger.entry(x["seq"]).hash for x in lines)


def test_verify_endpoint(env: Env) -> None:
    r = env.client.post("/ledger/verify", headers=env.auth(VERIFIER))
    assert r.status_code == 200 and r.json()["ok"] and r.json()["size"] == env.park.ledger.size()


def test_info_is_public(env: Env) -> None:
    info = env.client.get("/ledger/info").json()
    assert info["origin"] == "test.tanji/ledger" and info["size"] == env.park.ledger.size()


def test_concurrent_submissions_over_http_keep_one_chain(env: Env, tmp_path: Path) -> None:
    """Threads post entries at once through a real socket-free ASGI transport: one chain, no gaps."""
    if not env.park.ledger.db.url.startswith("sqlite"):
        pytest.skip("the SQLite-file case; PostgreSQL is covered by the ledger's own concurrency tests")
    writers, per_writer = 6, 8
    actors = [E1, E2] + [f"E-c{i}" for i in range(writers - 2)]
    for a in actors[2:]:
        env.park.register(a, "enterprise")
    tokens = {a: env.token(a, "enterprise") for a in actors}
    start_size = env.park.ledger.size()
    errors: list[str] = []
    barrier = threading.Barrier(writers)

    def work(actor: str) -> None:
        transport = httpx.ASGITransport(app=env.app)
        import anyio

        async def run() -> None:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                for i in range(per_writer):
                    sub = _grant(env, actor, i, client_id=f"{actor}-{i}")
                    r = await c.post(
                        "/entries", json=sub.to_json(), headers={"Authorization": f"Bearer {tokens[actor]}"}
                    )
                    if r.status_code != 201:
                        errors.append(f"{actor} {i}: {r.status_code} {r.text}")

        barrier.wait()
        anyio.run(run)

    threads = [threading.Thread(target=work, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ledger = env.park.ledger
    assert ledger.size() == start_size + writers * per_writer
    entries = list(ledger.entries())
    assert [e.seq for e in entries] == list(range(ledger.size()))
    assert all(b.prev == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert ledger.verify().ok


def test_two_apps_on_one_sqlite_file_keep_one_chain(tmp_path: Path, make_park: Callable[[], Park]) -> None:
    """Two service instances (two processes' worth of engines) on the same file, interleaved."""
    park: Park = make_park()
    if not park.ledger.db.url.startswith("sqlite"):
        pytest.skip("SQLite file case")
    build_park(park)
    apps = [
        create_app(
            Settings(
                db_url=park.ledger.db.url, service_key=generate_key(), operator_key=park.keys["operator"]
            )
        )
        for _ in range(2)
    ]
    from fastapi.testclient import TestClient

    from api.auth.clients import create_client

    new = create_client(park.ledger.db, E1, "enterprise")
    clients = [TestClient(a) for a in apps]
    tokens = []
    for c in clients:
        r = c.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(new.client.client_id, new.secret)
        )
        tokens.append(r.json()["access_token"])
    start = park.ledger.size()

    def post(i: int) -> None:
        sub = park.sign(
            "access.grant", E1, {"grantee": BUYER, "scope": "footprints", "product_ids": [f"urn:y:{i}"]}
        )
        r = clients[i % 2].post(
            "/entries", json=sub.to_json(), headers={"Authorization": f"Bearer {tokens[i % 2]}"}
        )
        assert r.status_code == 201, r.text

    threads = [threading.Thread(target=post, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert park.ledger.size() == start + 20 and park.ledger.verify().ok
    for c in clients:
        c.close()


def test_oversized_bodies_are_413_and_nothing_is_written(make_env: Callable[..., Env]) -> None:
    env: Env = make_env(max_body_bytes=10_000)
    size = env.park.ledger.size()
    big = _grant(env, E1, 1).to_json()
    big["payload"] = {**big["payload"], "product_ids": [f"urn:x:{i}" for i in range(2000)]}
    r = env.client.post("/entries", json=big, headers=env.auth(E1))
    assert r.status_code == 413 and r.json()["code"] == "request.too_large"

    def chunks() -> Iterator[bytes]:
        yield b'{"entries": ['
        for _ in range(200):
            yield b'{"kind": "access.grant", "actor": "E-alu", "payload": {}, "sig": "' + b"A" * 100 + b'"},'
        yield b"{}]}"

    r = env.client.post(
        "/entries/batch", content=chunks(), headers={**env.auth(E1), "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    r = env.client.post(
        "/3/events",
        content=b"x" * 20_000,
        headers={**env.auth(BUYER), "Content-Type": "application/cloudevents+json"},
    )
    assert r.status_code == 413 and r.json()["code"] == "BadRequest"
    assert env.park.ledger.size() == size
