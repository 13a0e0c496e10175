"""Witnesses over HTTP: the add-checkpoint endpoint, the log's client, the public checkpoint URL, monitors.

Everything runs in memory: a ``Transport`` backed by FastAPI test clients
stands in for the network, so the witness and the service are the real apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from api.app import create_app
from api.settings import Settings
from api.views.certificate import CertificateView, EvidenceItem
from api.witness.client import ask_witness, collect_cosignatures
from api.witness.monitor import monitor_once, parse_proof_lines
from api.witness.server import SIZE_MEDIA_TYPE, create_witness_app
from api.witness.transport import HttpResponse, TransportError
from ledger.errors import (
    CosignatureError,
    IntegrityFailure,
    LogInconsistent,
    PolicyError,
    WitnessRefused,
)
from ledger.log import merkle
from ledger.log.checkpoint import Checkpoint, parse_note, sign_checkpoint
from ledger.log.cosignature import check_cosignature, cosign, with_cosignatures
from ledger.log.keys import generate_key, public_key_b64
from ledger.log.policy import Policy
from ledger.log.witness import AddCheckpoint
from ledger.store.append import Ledger
from ledger.store.tables import CheckpointRow, LedgerEntryRow, MerkleNodeRow
from ledger.store.witness_home import STATE_FILE, WitnessHome
from tests.conftest import Park

LOG_URL = "http://log.test"


class Canned:
    """``Transport`` answering every GET from a function of the URL (a log serving what it likes)."""

    def __init__(self, answer: Callable[[str], HttpResponse]) -> None:
        self.answer = answer

    def get(self, url: str) -> HttpResponse:
        return self.answer(url)

    def post(self, url: str, body: str, content_type: str = "text/plain") -> HttpResponse:
        raise TransportError(f"no POST to {url}", code="transport.unreachable")


class ClientTransport:
    """``Transport`` that routes each URL prefix to a test client."""

    def __init__(self, clients: dict[str, TestClient]) -> None:
        self.clients = clients
        self.calls: list[str] = []

    def _route(self, url: str) -> tuple[TestClient, str]:
        for prefix, client in self.clients.items():
            if url.startswith(prefix):
                return client, url[len(prefix) :]
        raise TransportError(f"no route to {url}", code="transport.unreachable")

    @staticmethod
    def _response(r: httpx.Response) -> HttpResponse:
        ctype = r.headers.get("content-type", "").split(";")[0].strip()
        return HttpResponse(r.status_code, ctype, r.text)

    def get(self, url: str) -> HttpResponse:
        client, path = self._route(url)
        self.calls.append(f"GET {url}")
        return self._response(client.get(path))

    def post(self, url: str, body: str, content_type: str = "text/plain") -> HttpResponse:
        client, path = self._route(url)
        self.calls.append(f"POST {url}")
        return self._response(
            client.post(path, content=body.encode(), headers={"content-type": content_type})
        )


@dataclass
class World:
    """A ledger, two witnesses (park administration and verifier) with HTTP apps, and a policy."""

    park: Park
    witnesses: dict[str, WitnessHome]
    clients: dict[str, TestClient]
    policy: Policy
    transport: ClientTransport

    @property
    def ledger(self) -> Ledger:
        return self.park.ledger

    def grow(self, n: int, tag: str) -> None:
        pub = public_key_b64(generate_key().public_key())
        self.ledger.append(
            [
                self.park.sign(
                    "actor.register",
                    "operator",
                    {"id": f"{tag}-{i}", "name": tag, "role": "buyer", "public_key": pub},
                )
                for i in range(n)
            ]
        )

    def request(self, label: str, old: int | None = None, note: str | None = None) -> AddCheckpoint:
        note = note or self.ledger.latest_checkpoint()
        size = parse_note(note)[0].size
        if old is None:
            held = self.witnesses[label].latest().get(self.ledger.info().origin)
            old = 0 if held is None else held.size
        proof = self.ledger.consistency_proof(old, size).path if 0 < old <= size else ()
        return AddCheckpoint(old, tuple(proof), note)


@pytest.fixture
def world(make_park: Callable[[], Park], tmp_path: Path) -> Iterator[World]:
    park = make_park()
    vkey = park.ledger.info().operator_key
    homes, clients, lines = {}, {}, [f"log {vkey} {LOG_URL}"]
    for label in ("park", "verifier"):
        home = WitnessHome.create(tmp_path / label, f"{label}.tanji.test/witness")
        home.trust(vkey)
        homes[label] = home
        clients[f"http://{label}.test"] = TestClient(create_witness_app(home))
        lines.append(f"witness {label} {home.witness_key.vkey()} http://{label}.test")
    policy = Policy.from_text("\n".join(lines) + "\ngroup both all park verifier\nquorum both\n")
    yield World(park, homes, clients, policy, ClientTransport(clients))
    for client in clients.values():
        client.close()


def _post(world: World, label: str, body: str) -> tuple[int, str, str]:
    r = world.clients[f"http://{label}.test"].post("/add-checkpoint", content=body.encode())
    return r.status_code, r.headers.get("content-type", "").split(";")[0], r.text


def test_add_checkpoint_statuses_follow_the_spec(world: World) -> None:
    world.grow(5, "a")
    status, _ctype, text = _post(world, "park", world.request("park").text())
    assert status == 200 and text.startswith("\u2014 park.tanji.test/witness ")
    note = world.ledger.latest_checkpoint() + text
    assert check_cosignature(note, world.witnesses["park"].witness_key).ok
    state = (world.witnesses["park"].path / STATE_FILE).read_bytes()
    origin, operator = world.ledger.info().origin, world.park.keys["operator"]

    world.grow(3, "b")
    stale = world.request("park", old=2)  # the client guesses the wrong old size
    status, ctype, text = _post(world, "park", stale.text())
    assert (status, ctype, text) == (409, SIZE_MEDIA_TYPE, "6\n")
    # a smaller tree than the witness cosigned: 409 with its size, or 400 when old > size
    small = sign_checkpoint(Checkpoint(origin, 3, world.ledger.root(3)), origin, operator)
    assert _post(world, "park", AddCheckpoint(3, (), small).text())[:3] == (409, SIZE_MEDIA_TYPE, "6\n")
    status, _c, text = _post(world, "park", AddCheckpoint(6, (), small).text())
    assert status == 400 and '"witness.rollback"' in text
    forked = sign_checkpoint(Checkpoint(origin, 6, bytes(32)), origin, operator)
    status, _c, text = _post(world, "park", AddCheckpoint(6, (), forked).text())
    assert status == 409 and '"witness.fork"' in text
    bad_proof = AddCheckpoint(6, (bytes(32),) * 3, world.ledger.latest_checkpoint())
    status, _c, text = _post(world, "park", bad_proof.text())
    assert status == 422 and '"witness.inconsistent"' in text
    other = sign_checkpoint(Checkpoint("other.test/log", 1, bytes(32)), "other.test/log", operator)
    assert _post(world, "park", AddCheckpoint(0, (), other).text())[0] == 404
    untrusted = sign_checkpoint(Checkpoint(origin, 9, world.ledger.root()), origin, generate_key())
    assert _post(world, "park", AddCheckpoint(6, (), untrusted).text())[0] == 403
    assert _post(world, "park", "old x\n\n" + small)[0] == 400
    assert _post(world, "park", AddCheckpoint(20, (), world.ledger.latest_checkpoint()).text())[0] == 400
    assert _post(world, "park", "x" * 70_000)[0] == 400
    assert (world.witnesses["park"].path / STATE_FILE).read_bytes() == state  # every refusal changed nothing
    assert (
        world.clients["http://park.test"].get("/vkey").text.strip()
        == world.witnesses["park"].witness_key.vkey()
    )


def test_log_client_collects_a_quorum_and_resyncs_sizes(world: World) -> None:
    outcomes = collect_cosignatures(world.ledger, world.policy, world.transport)
    assert [o.ok for o in outcomes] == [True, True]
    assert world.policy.check(world.ledger.latest_checkpoint()).ok
    world.grow(7, "a")
    known: dict[str, int] = {}  # the client forgot what the witnesses hold: 409 tells it
    outcomes = collect_cosignatures(world.ledger, world.policy, world.transport, known=known)
    assert all(o.ok for o in outcomes) and known == {"park": 8, "verifier": 8}
    assert sum("add-checkpoint" in c for c in world.transport.calls) == 2 + 4
    assert world.ledger.verify(policy=world.policy).witnesses == ("park", "verifier")


def test_client_reports_a_refusing_witness_and_a_rolled_back_log(world: World) -> None:
    world.grow(4, "a")
    collect_cosignatures(world.ledger, world.policy, world.transport)
    # the operator rolls the database back by 2 entries and offers the older head again
    _truncate(world.ledger, 3)
    note = world.ledger.latest_checkpoint()
    with pytest.raises(LogInconsistent) as e:
        ask_witness(world.ledger, world.policy.witnesses[0], note, world.transport, 0)
    assert e.value.code == "log.rollback"
    outcomes = collect_cosignatures(world.ledger, world.policy, world.transport)
    assert [o.code for o in outcomes] == ["log.rollback", "log.rollback"]
    # and a rewritten history of the same length is a fork both witnesses refuse
    world.grow(2, "fork")
    outcomes = collect_cosignatures(
        world.ledger, world.policy, world.transport, known={"park": 5, "verifier": 5}
    )
    assert [o.code for o in outcomes] == ["witness.fork", "witness.fork"]
    assert not world.policy.check(world.ledger.latest_checkpoint()).ok


def _truncate(ledger: Ledger, size: int) -> None:
    with ledger.db.write_session() as s:
        s.execute(delete(LedgerEntryRow).where(LedgerEntryRow.seq >= size))
        s.execute(delete(CheckpointRow).where(CheckpointRow.size > size))
        s.execute(delete(MerkleNodeRow))  # rebuilt below for the kept prefix
    leaves = [bytes.fromhex(r.hash) for r in ledger.stored_rows()]
    nodes, _ = merkle.append_leaves([], 0, leaves)
    with ledger.db.write_session() as s:
        for lv, ix, h in nodes:
            s.add(MerkleNodeRow(level=lv, idx=ix, hash=h))


@pytest.fixture
def service(world: World) -> Iterator[TestClient]:
    settings = Settings(
        db_url=str(world.ledger.db.url),
        service_key=generate_key(),
        operator_key=world.park.keys["operator"],
        witness_policy=world.policy,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        svc = app.state.service
        assert svc.collector is not None
        svc.collector.transport = world.transport
        world.transport.clients[LOG_URL] = client
        yield client


def test_service_serves_the_witnessed_checkpoint_and_proofs(world: World, service: TestClient) -> None:
    assert service.get("/transparency/checkpoint").status_code == 404  # nothing cosigned yet
    collect_cosignatures(world.ledger, world.policy, world.transport)
    r = service.get("/transparency/checkpoint")
    assert r.status_code == 200 and world.policy.check(r.text).ok
    world.grow(6, "a")
    assert parse_note(service.get("/transparency/checkpoint").text)[0].size == 1  # newest *witnessed*
    proof = parse_proof_lines(service.get("/transparency/consistency", params={"old": 1, "new": 7}).text)
    assert proof == list(world.ledger.consistency_proof(1, 7).path) and proof
    assert service.get("/transparency/consistency", params={"old": 9, "new": 7}).status_code == 404


def test_service_asks_witnesses_after_appends(world: World, service: TestClient) -> None:
    app_service = service.app.state.service  # type: ignore[attr-defined]
    collector = app_service.collector
    world.grow(3, "a")  # the listener wakes the background thread
    collector.close()  # waits for the round in flight
    collector.run_once()  # and one more, deterministically
    assert world.policy.check(world.ledger.latest_checkpoint()).ok
    assert parse_note(service.get("/transparency/checkpoint").text)[0].size == 4


def test_monitor_follows_growth_and_catches_rollback_and_fork(
    world: World, service: TestClient, tmp_path: Path
) -> None:
    state = tmp_path / "buyer" / "checkpoint"
    collect_cosignatures(world.ledger, world.policy, world.transport)
    first = monitor_once(LOG_URL, state, world.policy, world.transport)
    assert first.previous_size is None and first.checkpoint.size == 1
    world.grow(9, "a")
    collect_cosignatures(world.ledger, world.policy, world.transport)
    second = monitor_once(LOG_URL, state, world.policy, world.transport)
    assert (second.previous_size, second.checkpoint.size, second.cosigned) == (1, 10, ("park", "verifier"))
    saved = state.read_text()

    # Rollback: the operator serves an older cosigned checkpoint.
    old_note = world.ledger.checkpoint(1)
    with world.ledger.db.write_session() as s:
        s.execute(delete(CheckpointRow).where(CheckpointRow.size > 1))
    with pytest.raises(LogInconsistent) as e:
        monitor_once(LOG_URL, state, world.policy, world.transport)
    assert e.value.code == "log.rollback" and state.read_text() == saved
    assert old_note

    # Fork: a cosigned checkpoint of the same size with another root cannot be made (witnesses refuse),
    # so a fork can only be served without the quorum: the policy stops it.
    operator = world.park.keys["operator"]
    origin = world.ledger.info().origin
    forked = sign_checkpoint(Checkpoint(origin, 10, bytes(32)), origin, operator)
    fake = Canned(lambda url: HttpResponse(200, "text/plain", forked))
    with pytest.raises(PolicyError) as p:
        monitor_once(LOG_URL, state, world.policy, fake)
    assert p.value.code == "policy.not_satisfied" and state.read_text() == saved
    # even a quorum-cosigned fork (colluding witnesses) is caught by the saved checkpoint
    body = parse_note(forked)[0].body()
    colluding = with_cosignatures(forked, [cosign(body, h.name, h.key, 10) for h in world.witnesses.values()])
    fake = Canned(lambda url: HttpResponse(200, "text/plain", colluding if "checkpoint" in url else ""))
    with pytest.raises(LogInconsistent) as e:
        monitor_once(LOG_URL, state, world.policy, fake)
    assert e.value.code == "log.fork" and state.read_text() == saved


def test_monitor_rejects_other_origin_and_forged_cosignatures(world: World, tmp_path: Path) -> None:
    state = tmp_path / "state"
    other_key = generate_key()
    other = sign_checkpoint(Checkpoint("other.test/log", 1, bytes(32)), "other.test/log", other_key)
    transport = Canned(lambda url: HttpResponse(200, "text/plain", other))
    with pytest.raises(PolicyError) as e:
        monitor_once(LOG_URL, state, world.policy, transport)
    assert e.value.code == "policy.unknown_log" and not state.exists()
    note = world.ledger.latest_checkpoint()
    lines = "".join(
        c.line() for h in world.witnesses.values() for c in h.add_checkpoint(AddCheckpoint(0, (), note))
    )
    good = note + lines
    forged = good[:-10] + ("A" if good[-10] != "A" else "B") + good[-9:]
    transport = Canned(lambda url: HttpResponse(200, "text/plain", forged))
    with pytest.raises((CosignatureError, IntegrityFailure)):
        monitor_once(LOG_URL, state, world.policy, transport)
    assert not state.exists()
    transport = Canned(lambda url: HttpResponse(503, "text/plain", "down"))
    with pytest.raises(TransportError):
        monitor_once(LOG_URL, state, world.policy, transport)


def test_witness_refusal_is_a_named_error_for_the_client(world: World) -> None:
    world.witnesses["park"].add_checkpoint(world.request("park"))
    origin = world.ledger.info().origin
    forked = sign_checkpoint(Checkpoint(origin, 1, bytes(32)), origin, world.park.keys["operator"])
    with pytest.raises(WitnessRefused) as e:
        ask_witness(world.ledger, world.policy.witnesses[0], forked, world.transport, 1)
    assert e.value.code == "witness.fork"


def _view(seqs: list[int]) -> CertificateView:
    return CertificateView(
        certificate_id="TJ-W-1",
        status="valid",
        product="ingot",
        declared_unit="1 t",
        period_start="2026-01-01",
        period_end="2027-01-01",
        market_based="1 kgCO2e",
        location_based="2 kgCO2e",
        green_shares={},
        issuer="E-1",
        verifier=None,
        evidence=[EvidenceItem(seq, "actor.register", "ab" * 32) for seq in seqs],
    )


def test_verification_page_says_whether_a_quorum_witnessed_the_evidence(world: World) -> None:
    world.grow(3, "a")
    shown = {"view": _view([0, 3])}
    settings = Settings(
        db_url=str(world.ledger.db.url),
        service_key=generate_key(),
        operator_key=None,
        witness_policy=world.policy,
        certificates=lambda cid: shown["view"],
    )
    with TestClient(create_app(settings)) as client:
        html = client.get("/verify/TJ-W-1?lang=en").text
        assert "NOT WITNESSED" in html and "2 of (park, verifier)" in html
        collect_cosignatures(world.ledger, world.policy, world.transport)
        html = client.get("/verify/TJ-W-1?lang=en").text
        # each witness by its policy label and the name it cosigns with (its line in the note below)
        names = "park (park.tanji.test/witness), verifier (verifier.tanji.test/witness)"
        assert "NOT WITNESSED" not in html and f"WITNESSED</span> by {names} (policy:" in html
        assert "Witnessed checkpoint" in html
        world.grow(2, "b")  # a record newer than the newest witnessed checkpoint
        shown["view"] = _view([0, 5])
        html = client.get("/verify/TJ-W-1?lang=en").text
        assert "NOT WITNESSED" in html and "reach seq 5" in html
