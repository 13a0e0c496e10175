"""The end-to-end demo at a reduced size: every file it promises, and everything verifies."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from api.cli import app
from certificates.verify import TrustedKey, check_certificate
from ledger.log.keys import load_public_key
from ledger.store.export import verify_export

runner = CliRunner()


def test_demo_builds_the_park_and_verifies(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = runner.invoke(app, ["demo", "--out", str(out), "--months", "1"])
    assert r.exit_code == 0, r.output
    assert (
        "ledger verify: ok" in r.stdout and "certificates verify offline against ledger.pub: ok" in r.stdout
    )
    assert "ledger replay --check: ok" in r.stdout  # every projection rebuilt from the log is the live one
    trust = load_public_key(out / "ledger.pub")
    assert verify_export(out / "export" / "log.jsonl", trust).ok
    certs = sorted((out / "certificates").glob("*.json"))
    assert len(certs) == 3
    for cert in certs:
        assert check_certificate(cert.read_bytes(), TrustedKey(trust)).ok
        assert (out / "labels" / f"{cert.stem}.zh.pdf").read_bytes().startswith(b"%PDF")
        assert (
            "<svg" in (out / "labels" / f"{cert.stem}.en.html").read_text()
            or "data:image" in (out / "labels" / f"{cert.stem}.en.html").read_text()
        )
    _certificates_are_small_private_and_credentialed(out, certs)
    schema = json.loads(
        (Path(__file__).parents[2] / "api" / "data" / "pact-v3-product-footprint.schema.json").read_text()
    )
    validator = jsonschema.validators.validator_for(schema)(schema)
    pact = sorted((out / "pact").glob("*.json"))
    assert len(pact) == 3
    for path in pact:
        body = json.loads(path.read_text())
        assert body["status"] == "Active" and body["specVersion"].startswith("3.")
        errors = sorted(e.message for e in validator.iter_errors(body))
        assert not errors, errors
    client = json.loads((out / "pact-client.json").read_text())
    assert client["client_id"] and client["client_secret"]
    assert {p.suffix for p in (out / "cbam").iterdir()} == {".csv", ".xlsx"}
    report = json.loads((out / "park-report.json").read_text())
    assert report["park"] and report["core"]["id"] == "carbon_per_energy"
    assert "<svg" in (out / "park-flows.html").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["footprints"]) == 3 and summary["attribution_run_seq"] is not None


def _certificates_are_small_private_and_credentialed(out: Path, certs: list[Path]) -> None:
    """Issue 15: every certificate ≤ 64 KiB, re-derives its green figures from its own rows, names no
    other enterprise's meter; one passport per footprint and a conformity credential per statement,
    valid against UNTP 0.6.1, verifying in both secured forms with the key of the issuer's DID
    document."""
    from api.demo.run import METERS
    from certificates.credentials.actors import documents_resolver
    from certificates.credentials.verify import check_credential, read_did_documents
    from tests.certificates.credentials.schemas import validate_dcc, validate_dpp

    for cert in certs:
        raw, doc = cert.read_bytes(), json.loads(cert.read_bytes())
        assert len(raw) <= 64 * 1024, (cert.name, len(raw))
        assert doc["green_electricity"]["basis"] == "lot"
        issuer = doc["issuer"]["actor"]
        others = [m for m, owner, kind, *_ in METERS if owner != issuer and kind == "consumption"]
        assert not [m for m in others if m.encode() in raw], cert.name
    resolve = documents_resolver(read_did_documents(out / "did"))
    assert (out / "did" / "actors" / "E-SMELTER" / "did.json").is_file()
    credentials = out / "credentials"
    assert len(list(credentials.glob("*.dpp.json"))) == len(list(credentials.glob("*.dpp.jwt"))) == 3
    assert len(list(credentials.glob("statement-*.dcc.json"))) == 1
    for path in credentials.iterdir():
        if path.name.endswith(".dpp.json"):
            validate_dpp(json.loads(path.read_text()))
        elif path.name.endswith(".dcc.json"):
            validate_dcc(json.loads(path.read_text()))
        result = check_credential(path.read_bytes(), resolve)
        assert result.ok, (path.name, result.failed)


NOISE = ("\x1b[", "it/s]", "Warning", "geocollections", "BRIGHTWAY2_DIR", "Traceback")


def test_demo_prints_no_library_noise_and_the_readme_cbam_command_works(tmp_path: Path) -> None:
    """As a user runs it (a fresh process): Tanji's lines only; Brightway's go to its log file. Then the
    README's `tanji cbam export --enterprise E-SMELTER --year 2025` on the demo's data directory."""
    import os
    import subprocess
    import sys

    out = tmp_path / "demo"
    tanji = [sys.executable, "-c", "from api.cli import main; main()"]
    env = {**os.environ, "TANJI_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [*tanji, "demo", "--out", str(out), "--months", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    for text in (done.stdout, done.stderr):
        assert not [n for n in NOISE if n in text], text
    assert (out / "brightway" / "logs" / "brightway.log").read_text(encoding="utf-8")
    cbam = subprocess.run(
        [*tanji, "cbam", "export", "--enterprise", "E-SMELTER", "--year", "2025", "--home", str(out)]
        + ["--out", str(tmp_path / "cbam"), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert cbam.returncode == 0, cbam.stderr + cbam.stdout
    [row] = json.loads(cbam.stdout)["installations"]
    assert row["cn_code"] == "760110" and row["emissions_declared"] == "direct_and_indirect"
    assert not [n for n in NOISE if n in cbam.stderr], cbam.stderr
