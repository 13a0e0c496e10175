"""The README's journeys with nothing but ``tanji`` commands, on a fresh ledger (no JSON written by hand).

Enterprise: keys, actors, park, meters, readings, GEC issue / transfer / retire (commands and the
platform's CSV exports), attribution, reports, footprint, certificate, label, CBAM. Verifier: trail
grant, export, offline verify, offline attribution re-run, evidence, statement over the checkpoint
`tanji ledger checkpoint` printed. Buyer: footprint grant, offline certificate verification.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from api.cli import app

runner = CliRunner()
HOURS = 744  # January 2025 in Asia/Shanghai
MONTH = "2025-01"
MODEL: dict[str, Any] = {
    "schema": "tanji.product-model/1",
    "id": "journey-ingot",
    "product": {
        "name": "Journey ingot",
        "ids": ["urn:tanji:product:journey:ingot"],
        "classifications": ["urn:pact:productclassification:hs:760110"],
        "declared_unit": {"unit": "kilogram", "amount": 1000},
        "mass_per_declared_unit_kg": 1000,
    },
    "reference_period": {"start": "2025-01-01", "end": "2025-02-01"},
    "geography": {"country": "CN", "subdivision": "CN-NM"},
    "reference_process": "melt",
    "processes": [
        {
            "id": "melt",
            "name": "Melting",
            "stage": "melting",
            "output": {"amount": 1, "unit": "t"},
            "inputs": [{"id": "alumina", "background": "material/alumina", "amount": 1.92, "unit": "t"}],
            "emissions": [{"gas": "co2_fossil", "amount": 1500}],
            "electricity": {"meters": [{"meter": "C-1", "share": 1.0}], "output_over_period": 10},
        }
    ],
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANJI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TANJI_DB", raising=False)
    monkeypatch.delenv("TANJI_KEY_PASSPHRASE", raising=False)
    return tmp_path / "home"


def tanji(*args: str, code: int = 0) -> Result:
    r = runner.invoke(app, list(args))
    assert r.exit_code == code, f"tanji {' '.join(args)} -> {r.exit_code}\n{r.output}"
    return r


def js(*args: str) -> Any:
    return json.loads(tanji(*args, "--json").stdout)


def _readings(path: Path, meter: str, kwh_per_hour: float) -> Path:
    lines = ["start," + meter]
    for h in range(HOURS):
        day, hour = divmod(h + 16, 24)  # from 2024-12-31T16:00Z, Shanghai midnight
        lines.append(f"{'2024-12-31' if day == 0 else f'2025-01-{day:02d}'}T{hour:02d}:00:00Z,{kwh_per_hour}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _enterprise_setup(home: Path, tmp_path: Path) -> None:
    """The operator registers everyone; the park and its meters; readings; GEC to a retirement."""
    tanji("init", "--origin", "test.tanji/journeys")
    keys = home / "keys"
    for actor, role in (
        ("E-1", "enterprise"),
        ("G-1", "generator"),
        ("R-1", "registry"),
        ("V-1", "verifier"),
    ):
        made = js("keys", "new", actor, "--role", role, "--name", f"{role} {actor}")
        assert (keys / f"{actor}.pem").stat().st_mode & 0o777 == 0o600
        assert made["register"].startswith(f"tanji actor register {actor} ")
        tanji(
            "actor",
            "register",
            actor,
            "--name",
            f"{role} {actor}",
            "--role",
            role,
            "--public-key-file",
            made["public_key_file"],
        )
    made = js("keys", "new", "B-1", "--role", "buyer")
    tanji(
        "actor",
        "register",
        "B-1",
        "--name",
        "EU buyer",
        "--role",
        "buyer",
        "--public-key",
        made["public_key"],
    )
    tanji("park", "register", "P-1", "--name", "Journey park", "--level", "national")
    tanji("meter", "register", "C-1", "--owner", "E-1", "--park", "P-1", "--kind", "consumption")
    tanji(
        "meter",
        "register",
        "W-1",
        "--owner",
        "G-1",
        "--park",
        "P-1",
        "--kind",
        "generation",
        "--technology",
        "wind",
        "--capacity-kw",
        "200",
    )
    tanji(
        "readings",
        "import",
        str(_readings(tmp_path / "e1.csv", "C-1", 200)),
        "--as",
        "E-1",
        "--keys",
        str(keys),
    )
    tanji(
        "readings",
        "import",
        str(_readings(tmp_path / "g1.csv", "W-1", 100)),
        "--as",
        "G-1",
        "--keys",
        str(keys),
    )
    # 74.4 MWh generated in January: the registry issues 40 certificates (a platform export)
    issue = tmp_path / "issue.csv"
    issue.write_text(
        "serial_start,serial_end,project,technology,production_month,quantity\n1,40,Wind,风电,2025-01,40\n",
        encoding="utf-8",
    )
    assert (
        js("gec", "import", str(issue), "--as", "R-1", "--keys", str(keys), "--meter", "Wind=W-1")["units"]
        == 40
    )
    # the generator transfers them to the smelter: 1..30 by command, 31..40 from its platform export
    dry = js("gec", "transfer", "--first", "1", "--mwh", "30", "--to", "E-1", "--as", "G-1", "--dry-run")
    assert dry["dry_run"] and dry["seq"] is None
    tanji("gec", "transfer", "--first", "1", "--last", "30", "--to", "E-1", "--as", "G-1")
    moves = tmp_path / "transfers.csv"
    moves.write_text("证书编号起,证书编号止,数量,转出方,转入方\n31,40,10,G-1,E-1\n", encoding="utf-8")
    assert js("gec", "import", str(moves), "--type", "transfer", "--keys", str(keys))["units"] == 10
    # the smelter retires them for its meter's January: 1..30 by command, 31..40 from an export
    tanji("gec", "retire", "--first", "1", "--last", "30", "--as", "E-1", "--meter", "C-1", "--period", MONTH)
    # a dry run puts the file through the ledger's rules too: a quarter is not one month's consumption
    quarter = tmp_path / "quarter.csv"
    quarter.write_text(
        "serial_start,serial_end,quantity,holder,consumer_meters,period\n31,40,10,E-1,C-1,2025-01..2025-03\n",
        encoding="utf-8",
    )
    r = tanji("gec", "import", str(quarter), "--type", "retirement", "--keys", str(keys), "--dry-run", code=2)
    assert "row 2" in r.output and "gec.period_not_month" in r.output, r.output
    retired = tmp_path / "retirements.csv"
    retired.write_text(
        "serial_start,serial_end,quantity,holder,consumer_meters,period\n31,40,10,E-1,C-1,2025-01\n",
        encoding="utf-8",
    )
    assert js("gec", "import", str(retired), "--type", "retirement", "--keys", str(keys))["units"] == 10
    # a transfer the smelter does not hold is refused, named, and nothing is written
    r = tanji("gec", "transfer", "--first", "1", "--last", "5", "--to", "G-1", "--as", "G-1", code=2)
    assert "[gec." in r.output and len(r.output.strip().splitlines()) == 1


def test_enterprise_verifier_and_buyer_journeys(home: Path, tmp_path: Path) -> None:
    _enterprise_setup(home, tmp_path)
    keys = home / "keys"

    # --- enterprise: attribution, report, footprint
    run = js("attribute", "--period", MONTH, "--enterprise", "E-1")["seq"]
    green = tanji("report", "green", "--meter", "C-1", "--period", MONTH).output
    assert "148.800 MWh" in green and "%" in green and "148800000" not in green
    model = tmp_path / "ingot.yaml"
    model.write_text(yaml.safe_dump(MODEL), encoding="utf-8")
    [fp] = js(
        "footprint", "compute", str(model), "--publish", "--actor", "E-1", "--key", str(keys / "E-1.pem")
    )
    assert fp["claimable_green_share"] == pytest.approx(40 / 148.8)
    fid = fp["footprint_id"]

    # --- verifier: a trail grant, the export verified offline, the run re-run offline, a statement
    grant = js("access", "grant", "V-1", "--as", "E-1", "--scope", "trail")
    assert grant["kind"] == "access.grant" and grant["seq"] > run
    export = tmp_path / "export"
    tanji("ledger", "export", "--out", str(export))
    log, pub = str(export / "log.jsonl"), str(export / "ledger.pub")
    tanji("ledger", "verify", "--file", log, "--trust", pub)
    rerun = js("attribute", "verify", str(run), "--file", log, "--trust", pub)
    assert rerun["ok"] is True
    evidence = tanji("trace", "evidence", fid).output
    assert "readings.batch" in evidence and "gec.retire" in evidence and "(--full" in evidence
    checkpoint = tmp_path / "checkpoint"
    checkpoint.write_text(tanji("ledger", "checkpoint").stdout, encoding="utf-8")  # root in base64
    statement = js(
        "statement",
        "sign",
        "E-1",
        "--as",
        "V-1",
        "--opinion",
        "reasonable",
        "--standard",
        "ISO 14064-3:2019",
        "--checkpoint",
        str(checkpoint),
    )
    assert statement["payload"]["seqs"] and len(statement["payload"]["root_hash"]) == 64

    # --- enterprise again: the certificate citing the statement, its label, CBAM for 2025
    cert = tmp_path / "cert.json"
    tanji("cert", "issue", fid, "--statement", str(statement["seq"]), "--out", str(cert))
    cid = json.loads(cert.read_text(encoding="utf-8"))["id"]
    assert tanji("cert", "label", cid, "--out", str(tmp_path / "labels")).output.strip()
    cbam = js(
        "cbam",
        "export",
        "--enterprise",
        "E-1",
        "--year",
        "2025",
        "--model",
        str(model),
        "--grid-factor",
        "0.6",
        "--out",
        str(tmp_path / "cbam"),
    )
    [row] = cbam["installations"]
    assert row["emissions_declared"] == "direct_and_indirect"  # the transitional period
    sheet = list(
        load_workbook(tmp_path / "cbam" / "cbam-E-1-2025.xlsx")["installations"].iter_rows(values_only=True)
    )
    assert isinstance(sheet[1][sheet[0].index("net_mass_t")], int | float)

    # --- buyer: footprints shared, the certificate verified offline with the ledger key alone
    tanji("access", "grant", "B-1", "--as", "E-1", "--scope", "footprints")
    tanji("cert", "verify", str(cert), "--trust", pub)
    # a grant can be ended by its grantor
    tanji("access", "revoke", str(grant["seq"]), "--as", "E-1")


def test_read_only_commands_on_a_missing_ledger_create_nothing(home: Path, tmp_path: Path) -> None:
    for args in (
        ["attribute", "verify", "3"],
        ["ledger", "checkpoint"],
        ["trace", "evidence", "x"],
        ["report", "green", "--meter", "C-1", "--period", MONTH],
        ["meter", "register", "C-1", "--owner", "E-1", "--park", "P-1", "--kind", "consumption"],
    ):
        r = tanji(*args, code=2)
        assert "[ledger.missing]" in r.output and "Traceback" not in r.output, r.output
        assert len(r.output.strip().splitlines()) == 1
    missing = tmp_path / "nowhere" / "x.db"
    r = tanji("ledger", "verify", "--db", f"sqlite:///{missing}", "--json", code=2)
    assert json.loads(r.stdout)["error"]["code"] == "ledger.missing"
    assert not home.exists() and not missing.parent.exists()


def test_footprint_output_has_no_library_noise(home: Path, tmp_path: Path) -> None:
    """Run as a user would (a fresh process): no Brightway log line, tqdm bar, colour code or warning."""
    _enterprise_setup(home, tmp_path)
    tanji("attribute", "--period", MONTH, "--enterprise", "E-1")
    model = tmp_path / "ingot.yaml"
    model.write_text(yaml.safe_dump(MODEL), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from api.cli import main; main()", "footprint", "compute", str(model)],
        capture_output=True,
        text=True,
        env={**os.environ, "TANJI_HOME": str(home)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    noise: list[Callable[[str], bool]] = [
        lambda t: "\x1b[" in t,
        lambda t: "it/s" in t,
        lambda t: "Warning" in t,
        lambda t: "geocollections" in t,
        lambda t: "BRIGHTWAY2_DIR" in t,
    ]
    assert not any(n(done.stdout) or n(done.stderr) for n in noise), done.stdout + done.stderr
    assert "Journey ingot" in done.stdout
    log = (home / "brightway" / "logs" / "brightway.log").read_text(encoding="utf-8")
    assert "geocollections" in log or "BRIGHTWAY2_DIR" in log


def test_dry_run_checks_the_rules_and_keys_rotate(home: Path) -> None:
    tanji("init", "--origin", "test.tanji/dry")
    made = js("keys", "new", "E-1", "--role", "enterprise")
    assert js("keys", "show", "E-1")["public_key"] == made["public_key"]
    size = tanji("ledger", "checkpoint").stdout.splitlines()[1]
    dry = js(
        "actor",
        "register",
        "E-1",
        "--name",
        "E",
        "--role",
        "enterprise",
        "--public-key",
        made["public_key"],
        "--dry-run",
    )
    assert dry["dry_run"] is True and tanji("ledger", "checkpoint").stdout.splitlines()[1] == size
    tanji(
        "actor", "register", "E-1", "--name", "E", "--role", "enterprise", "--public-key", made["public_key"]
    )
    # the kind's rules run in a dry run: a second registration and a grant to nobody are refused
    r = tanji(
        "actor",
        "register",
        "E-1",
        "--name",
        "E again",
        "--role",
        "enterprise",
        "--public-key",
        made["public_key"],
        "--dry-run",
        code=2,
    )
    assert "[actor.exists]" in r.output
    r = tanji("access", "grant", "V-9", "--as", "E-1", "--scope", "trail", "--dry-run", code=2)
    assert "[actor.unknown]" in r.output
    # a wrong key is named before anything is written
    other = js("keys", "new", "X-1")
    r = tanji(
        "meter",
        "register",
        "C-1",
        "--owner",
        "E-1",
        "--park",
        "P-1",
        "--kind",
        "consumption",
        "--as",
        "E-1",
        "--key",
        other["private_key"],
        "--dry-run",
        code=2,
    )
    assert "[signature.invalid]" in r.output
    # the enterprise rotates its own key; entries after it are signed with the new one
    new = js("keys", "new", "E-1-next")
    rotated = js("actor", "rotate-key", "E-1", "--public-key-file", new["public_key_file"])
    assert rotated["actor"] == "E-1" and rotated["kind"] == "actor.rotate_key"
    r = tanji("access", "grant", "V-9", "--as", "E-1", "--scope", "trail", "--dry-run", code=2)
    assert "[signature.invalid]" in r.output  # E-1.pem is the old key now
    tanji("ledger", "verify")


def _register(actor: str, role: str) -> str:
    made = js("keys", "new", actor, "--role", role)
    r = tanji("actor", "register", actor, "--name", actor, "--role", role, "--public-key", made["public_key"])
    return r.stdout.strip()


def test_entry_commands_print_what_they_did(home: Path) -> None:
    """Text, --dry-run, --client-id again, --json, and a package error as one line (or JSON), exit 2."""
    tanji("init", "--origin", "test.tanji/entries")
    assert (
        _register("E-1", "enterprise")
        == "actor E-1 (enterprise) registered: actor.register by operator at seq 1"
    )
    assert tanji("park", "register", "P-1", "--name", "P", "--level", "national").stdout == (
        "park P-1 registered: park.register by operator at seq 2\n"
    )
    meter = ("meter", "register", "C-1", "--owner", "E-1", "--park", "P-1", "--kind", "consumption")
    assert tanji(*meter, "--dry-run").stdout == (
        "dry run: meter C-1 (consumption) of E-1 registered in P-1 signed by operator and checked"
        " (meter.register); nothing appended\n"
    )
    assert tanji(*meter, "--client-id", "c1").stdout.endswith("in P-1: meter.register by operator at seq 3\n")
    assert tanji(*meter, "--client-id", "c1").stdout.endswith(
        "at seq 3 (already in the log: same client id and content)\n"
    )
    assert js("meter", "retire", "C-1", "--at", "2025-02-01T00:00:00+08:00") == {
        "kind": "meter.retire",
        "actor": "operator",
        "payload": {"id": "C-1", "at": "2025-02-01T00:00:00+08:00"},
        "seq": 4,
        "duplicate": False,
        "dry_run": False,
    }
    r = tanji("meter", "retire", "C-9", "--at", "2025-02-01T00:00:00+08:00", "--json", code=2)
    assert "code" in json.loads(r.stdout)["error"]
    r = tanji("actor", "rotate-key", "E-1", "--public-key-file", str(home / "nowhere.pub"), code=2)
    assert r.output.startswith("error: ") and len(r.output.strip().splitlines()) == 1


def test_a_statement_dry_run_writes_no_credential(home: Path) -> None:
    tanji("init", "--origin", "test.tanji/entries")
    _register("E-1", "enterprise")
    _register("V-1", "verifier")
    assert tanji("access", "grant", "V-1", "--as", "E-1", "--scope", "trail").stdout == (
        "trail of E-1 granted to V-1: access.grant by E-1 at seq 3\n"
    )
    sign = ("statement", "sign", "E-1", "--as", "V-1", "--opinion", "reasonable", "--standard", "ISO 14064-3")
    r = tanji(*sign, "--dry-run")
    assert r.stdout.startswith("dry run: statement by V-1 on E-1 over the tree of 4 (")
    assert r.stdout.endswith("signed by V-1 and checked (verification.statement); nothing appended\n")
    assert not (home / "credentials").exists()
    assert (
        tanji("access", "revoke", "3", "--as", "E-1").stdout
        == "grant 3 revoked: access.revoke by E-1 at seq 4\n"
    )
