"""``tanji serve --tls-cert --tls-key`` serves HTTPS (a self-signed certificate made here)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TANJI = [sys.executable, "-c", "from api.cli import main; main()"]


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_over_https(tmp_path: Path, workers: int) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "TANJI_HOME": str(home)}
    env.pop("TANJI_DB", None)
    subprocess.run([*TANJI, "init", "--home", str(home)], check=True, env=env, capture_output=True)
    cert, key = _self_signed(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [
            *TANJI,
            "serve",
            "--home",
            str(home),
            "--port",
            str(port),
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"https://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"{url}/ledger/info", verify=str(cert), timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    assert proc.stderr is not None  # stderr=PIPE
                    raise AssertionError(
                        proc.stderr.read().decode() if proc.poll() is not None else "timeout"
                    ) from None
                time.sleep(0.3)
        assert r.status_code == 200 and r.json()["origin"] == "tanji.local/ledger"
        assert r.url.scheme == "https"
        doc = httpx.get(f"{url}/.well-known/openid-configuration", verify=str(cert)).json()
        assert doc["token_endpoint"].startswith("https://")
        with pytest.raises(httpx.ConnectError):
            httpx.get(
                f"{url}/ledger/info", timeout=2
            )  # system trust store does not know the self-signed cert
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/ledger/info", timeout=2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_client_create_cli(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "TANJI_HOME": str(home)}
    env.pop("TANJI_DB", None)
    subprocess.run([*TANJI, "init", "--home", str(home)], check=True, env=env, capture_output=True)
    out = subprocess.run(
        [
            *TANJI,
            "client",
            "create",
            "--actor",
            "operator",
            "--role",
            "operator",
            "--json",
            "--home",
            str(home),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    import json

    made = json.loads(out.stdout)
    assert made["client_id"].startswith("tj_") and len(made["client_secret"]) > 30
    bad = subprocess.run(
        [*TANJI, "client", "create", "--actor", "nobody", "--role", "buyer", "--json", "--home", str(home)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "actor.unknown" in bad.stdout
