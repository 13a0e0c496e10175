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
