"""The service under load on loopback: PACT GetFootprint, the verification page, a readings upload.

A uvicorn server (one process, h11, the embedded SQLite ledger) runs in a
child process; this process is the load generator, a fixed number of
keep-alive connections for a fixed time per scenario: a minimal raw-socket
HTTP/1.1 client for the reads (about 0.1 CPU-ms a request, so the server is
what is measured) and httpx for the rest (1-3 CPU-ms a request: those
figures are bounded by the generator). Both share this 2-core machine, so
the figures are a floor for the server; its CPU time per request is printed
too, which does not depend on what else runs. Printed per scenario:
requests, errors, requests per second, p50 and p99 latency, against the aim
of issue 7 (>= 500 reads per second at p99 < 50 ms).

Everything is real: 1,000 ``footprint.publish`` entries (the ledger re-computes each from its model)
shared with the buyer by an ``access.grant``, a certificate issued by
``certificates.issue`` for the verification page, and a meter for uploads.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import percentile, scale

N_FOOTPRINTS = 1000
ENTERPRISE, BUYER = "E-bench", "B-bench"
T0 = datetime(2025, 12, 31, 16, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(home: str, port: str) -> None:
    """Child process: run the service for ``home`` on ``port``."""
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    uvicorn.run(
        create_app(Settings.from_home(Path(home))),
        host="127.0.0.1",
        port=int(port),
        log_level="warning",
        access_log=False,
    )


def prepare(home: Path) -> tuple[dict[str, str], list[str], str]:
    """A ledger with a park, an enterprise with a meter and footprints, a buyer with a share, a certificate.

    Returns the clients' ``id:secret``, the footprint ids and the certificate id.
    """

    from api.auth.clients import create_client
    from bench.common import emission_model
    from certificates.issue import issue_certificate
    from lca.ledger_footprints import publish_models
    from lca.warm import configure as configure_warm
    from ledger.log.entry import Submission
    from ledger.log.keys import generate_key, public_key_b64, save_private_key
    from ledger.store.append import Ledger
    from ledger.store.db import Database, default_url

    operator = generate_key()
    save_private_key(operator, home / "keys" / "operator.pem")
    db = Database(default_url(home))
    ledger = Ledger.create(db, operator, origin="bench.tanji/ledger")
    keys = {a: generate_key() for a in (ENTERPRISE, BUYER)}
    roles = {ENTERPRISE: "enterprise", BUYER: "buyer"}
    ledger.append(
        [
            Submission.create(
                "actor.register",
                "operator",
                {"id": a, "name": a, "role": roles[a], "public_key": public_key_b64(k.public_key())},
                operator,
            )
            for a, k in keys.items()
        ]
    )
    ledger.append(
        [
            Submission.create(
                "park.register",
                "operator",
                {"id": "P-b", "name": "Bench Park", "level": "national"},
                operator,
            ),
            Submission.create(
                "meter.register",
                "operator",
                {"id": "C-b", "owner": ENTERPRISE, "park": "P-b", "kind": "consumption"},
                operator,
            ),
            Submission.create(
                "access.grant", ENTERPRISE, {"grantee": BUYER, "scope": "footprints"}, keys[ENTERPRISE]
            ),
        ]
    )
    configure_warm(home)  # the ledger re-computes each footprint.publish (issue 14)
    models = [
        emission_model(f"AL-{i}", 8.0 + (i % 50) / 100, f"Aluminium ingot {i}") for i in range(N_FOOTPRINTS)
    ]
    ids = [p.footprint_id for p in publish_models(ledger, models, ENTERPRISE, keys[ENTERPRISE])]
    certificate = issue_certificate(ledger, ids[0], keys[ENTERPRISE]).certificate.id
    creds = {}
    for actor in (ENTERPRISE, BUYER):
        new = create_client(db, actor, roles[actor])
        creds[actor] = f"{new.client.client_id}:{new.secret}"
    db.dispose()
    return creds, ids, certificate


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    def line(self) -> str:
        rps = self.requests / self.seconds
        p50, p99 = percentile(self.latencies_ms, 50), percentile(self.latencies_ms, 99)
        cpu_ms = 1000 * self.server_cpu_s / max(1, self.requests)
        return (
            f"  {self.name:<34} {self.requests:>6} req  {self.errors:>3} err  {rps:>6.0f} req/s  "
            f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  server {cpu_ms:5.2f} CPU-ms/req "
            f"(~{1000 / cpu_ms if cpu_ms else 0:,.0f} req/s per core); "
            f"load generator {1000 * self.client_cpu_s / max(1, self.requests):4.2f} CPU-ms/req"
        )


async def load(
    name: str,
    client: httpx.AsyncClient,
    make: Any,
    *,
    connections: int,
    seconds: float,
    ok: tuple[int, ...] = (200,),
    pid: int | None = None,
) -> Result:
    """Run ``make(i) -> request coroutine`` from ``connections`` workers for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    counter = 0

    async def worker() -> None:
        nonlocal errors, counter
        while time.perf_counter() < stop:
            counter += 1
            start = time.perf_counter()
            r = await make(counter)
            latencies.append((time.perf_counter() - start) * 1000)
            if r.status_code not in ok:
                errors += 1

    began = time.perf_counter()
    cpu0 = cpu_seconds(pid) if pid else 0.0
    own0 = time.process_time()
    await asyncio.gather(*(worker() for _ in range(connections)))
    cpu = cpu_seconds(pid) - cpu0 if pid else 0.0
    return Result(
        name, len(latencies), errors, time.perf_counter() - began, latencies, cpu, time.process_time() - own0
    )


class RawGet:
    """A minimal keep-alive HTTP/1.1 GET client on one socket: a cheap load generator.

    httpx costs 1-3 CPU-ms per request, more than the server; this costs a
    fraction of that, so the read figures are bounded by the server, not by us.
    Only for responses with a Content-Length (every read scenario here).
    """

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.extra}\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def raw_load(
    name: str,
    host: str,
    port: int,
    headers: dict[str, str],
    path: Any,
    *,
    connections: int,
    seconds: float,
    pid: int,
) -> Result:
    """``connections`` keep-alive sockets issuing ``GET path(i)`` for ``seconds``."""
    clients = [RawGet(host, port, headers) for _ in range(connections)]
    latencies: list[float] = []
    errors = 0
    counter = 0
    stop = time.perf_counter() + seconds

    async def worker(c: RawGet) -> None:
        nonlocal errors, counter
        while time.perf_counter() < stop:
            counter += 1
            start = time.perf_counter()
            code = await c.get(path(counter))
            latencies.append((time.perf_counter() - start) * 1000)
            errors += code != 200

    began = time.perf_counter()
    cpu0, own0 = cpu_seconds(pid), time.process_time()
    await asyncio.gather(*(worker(c) for c in clients))
    result = Result(
        name,
        len(latencies),
        errors,
        time.perf_counter() - began,
        latencies,
        cpu_seconds(pid) - cpu0,
        time.process_time() - own0,
    )
    for c in clients:
        c.close()
    return result


def _csv(day: int) -> bytes:
    rows = ["meter_id,start,kwh"]
    start = T0 + timedelta(days=day)
    rows += [
        f"C-b,{(start + timedelta(hours=h)).strftime('%Y-%m-%dT%H:%M:%S+00:00')},{1.5 + h % 4}"
        for h in range(24)
    ]
    return ("\n".join(rows) + "\n").encode()


async def run(
    base: str, creds: dict[str, str], ids: list[str], certificate: str, seconds: float, pid: int
) -> list[Result]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as c:
        tokens = {}
        for actor, cred in creds.items():
            cid, secret = cred.split(":", 1)
            r = await c.post("/auth/token", data={"grant_type": "client_credentials"}, auth=(cid, secret))
            r.raise_for_status()
            tokens[actor] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        first = await c.get(f"/3/footprints/{ids[0]}", headers=tokens[BUYER])
        assert first.status_code == 200, first.text
        results = []
        host, port = base.removeprefix("http://").split(":")
        for connections in (4, 16):
            results.append(
                await raw_load(
                    f"GET /3/footprints/{{id}} raw c={connections}",
                    host,
                    int(port),
                    tokens[BUYER],
                    lambda i: f"/3/footprints/{ids[i % N_FOOTPRINTS]}",
                    connections=connections,
                    seconds=seconds,
                    pid=pid,
                )
            )
            results.append(
                await raw_load(
                    f"GET /verify/{{id}} raw c={connections}",
                    host,
                    int(port),
                    {},
                    lambda i: f"/verify/{certificate}",
                    connections=connections,
                    seconds=seconds,
                    pid=pid,
                )
            )
        for connections in (8,):
            results.append(
                await load(
                    f"GET /3/footprints/{{id}} c={connections}",
                    c,
                    lambda i: c.get(f"/3/footprints/{ids[i % N_FOOTPRINTS]}", headers=tokens[BUYER]),
                    connections=connections,
                    seconds=seconds,
                    pid=pid,
                )
            )
        for connections in (8,):
            results.append(
                await load(
                    f"GET /verify/{{id}} c={connections}",
                    c,
                    lambda i: c.get(f"/verify/{certificate}"),
                    connections=connections,
                    seconds=seconds,
                    pid=pid,
                )
            )
        results.append(
            await load(
                "GET /3/footprints?limit=50 c=8",
                c,
                lambda i: c.get("/3/footprints?limit=50", headers=tokens[BUYER]),
                connections=8,
                seconds=seconds,
                ok=(200, 202),
                pid=pid,
            )
        )
        results.append(
            await load(
                "POST /readings/upload (24 rows) c=4",
                c,
                lambda i: c.post(
                    "/readings/upload",
                    files={"file": ("day.csv", _csv(i % 300), "text/csv")},
                    headers=tokens[ENTERPRISE],
                ),
                connections=4,
                seconds=seconds,
                pid=pid,
            )
        )
        return results


def main() -> None:
    seconds = max(1.0, 5.0 * float(os.environ.get("TANJI_BENCH_SCALE", "1")))
    scale(1)
    with tempfile.TemporaryDirectory(prefix="tanji-bench-service-") as tmp:
        home = Path(tmp)
        creds, ids, certificate = prepare(home)
        port = _free_port()
        env = {**os.environ, "TANJI_HOME": str(home)}
        env.pop("TANJI_DB", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_service", "--serve", str(home), str(port)],
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/ledger/info", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError("the service did not start") from None
                    time.sleep(0.2)
            print(
                f"uvicorn (1 process, h11) on loopback, SQLite ledger, {N_FOOTPRINTS} published footprints; "
                f"{seconds:.0f} s per scenario; load generator in this process (2-core machine shared)"
            )
            results = asyncio.run(run(base, creds, ids, certificate, seconds, proc.pid))
            load_avg = os.getloadavg()[0]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"  (1-minute load average during the run: {load_avg:.1f} on {os.cpu_count()} cores)")
    for r in results:
        print(r.line())
    reads = [
        r for r in results if r.name.startswith("GET /3/footprints/") or r.name.startswith("GET /verify")
    ]
    best = max(reads, key=lambda r: r.requests / r.seconds)
    print(
        f"  aim: >= 500 reads/s at p99 < 50 ms — best read scenario: {best.name.strip()} "
        f"{best.requests / best.seconds:.0f} req/s, p99 {percentile(best.latencies_ms, 99):.1f} ms"
    )
    print(
        json.dumps(
            {
                r.name: {
                    "rps": round(r.requests / r.seconds),
                    "p99_ms": round(percentile(r.latencies_ms, 99), 1),
                    "errors": r.errors,
                }
                for r in results
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        main()
