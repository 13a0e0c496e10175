"""CLI: ``tanji trace up|down|evidence|impact|explain|export`` and ``tanji lots import-epcis``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

from api.cli import app
from certificates.credentials.data_integrity import verify_proof
from certificates.credentials.dte import ledger_key_resolver
from ledger import Database, Ledger, default_url
from ledger.log.keys import generate_key, public_key_b64, save_private_key
from tests.certificates.credentials.schemas import validate_dte
from tests.ledger.energy_helpers import batch
from tests.traceability.conftest import examples_dir
from tests.traceability.ledger_chain import PACT_ID, produce, ship

runner = CliRunner()
JAN_1 = "2026-01-01T00:00:00+08:00"


def _lines(keys: Path) -> list[dict[str, Any]]:
    """Actors, park, meters, readings and the alumina -> aluminium -> extrusion chain."""
    lines: list[dict[str, Any]] = []
    for actor, role in (("E-1", "enterprise"), ("E-2", "enterprise"), ("B-1", "buyer")):
        key = generate_key()
        save_private_key(key, keys / f"{actor}.pem")
        lines.append(
            {
                "actor": "operator",
                "kind": "actor.register",
                "payload": {
                    "id": actor,
                    "name": actor,
                    "role": role,
                    "public_key": public_key_b64(key.public_key()),
                },
            }
        )  # 1-3
    lines.append(
        {
            "actor": "operator",
            "kind": "park.register",
            "payload": {"id": "P-1", "name": "Park", "level": "national"},
        }
    )  # 4
    for mid, owner in (("C-1", "E-1"), ("C-3", "E-2")):  # 5, 6
        lines.append(
            {
                "actor": "operator",
                "kind": "meter.register",
                "payload": {"id": mid, "owner": owner, "park": "P-1", "kind": "consumption"},
            }
        )
    lines.append({"actor": "E-1", "kind": "readings.batch", "payload": batch("C-1", JAN_1)})  # 7
    lines.append(
        {
            "actor": "E-1",
            "kind": "lot.receive",
            "payload": {
                "lot_id": "ALUMINA-1",
                "supplier": "SUP-1",
                "quantity": 4_000_000,
                "unit": "g",
                "footprint": {"kind": "pact", "id": PACT_ID},
            },
        }
    )  # 8
    lines.append(
        {
            "actor": "E-1",
            "kind": "lot.produce",
            "payload": produce("AL-1", 2_000_000, [("C-1", "1")], [("ALUMINA-1", 3_900_000)]),
        }
    )  # 9
    lines.append({"actor": "E-1", "kind": "lot.ship", "payload": ship("AL-1", 1_000_000, "E-2")})  # 10
    lines.append(
        {
            "actor": "E-2",
            "kind": "lot.produce",
            "payload": produce(
                "EXT-1", 950_000, [("C-3", "0.5")], [("AL-1", 1_000_000)], product="extrusion"
            ),
        }
    )  # 11
    lines.append({"actor": "E-2", "kind": "lot.ship", "payload": ship("EXT-1", 900_000, "B-1")})  # 12
    return lines


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANJI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TANJI_DB", raising=False)
    monkeypatch.delenv("TANJI_KEY_PASSPHRASE", raising=False)
    r = runner.invoke(app, ["init", "--origin", "test.tanji/trace"])
    assert r.exit_code == 0, r.output
    home = tmp_path / "home"
    setup = tmp_path / "chain.jsonl"
    setup.write_text("\n".join(json.dumps(x) for x in _lines(home / "keys")) + "\n")
    r = runner.invoke(app, ["apply", str(setup), "--keys", str(home / "keys"), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["appended"] == 12
    return home


def _json(args: list[str]) -> Any:
    r = runner.invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_up_down_evidence_impact_explain(home: Path) -> None:
    up = _json(["trace", "up", "EXT-1"])
    assert up["node"] == "lot:EXT-1"
    reached = {r["id"]: r for r in up["reached"]}
    assert reached["lot:AL-1"]["distance"] == 1 and reached["lot:AL-1"]["seqs"] == [9]
    assert {"lot:ALUMINA-1", f"footprint:{PACT_ID}", "batch:7", "meter:C-1", "meter:C-3"} <= reached.keys()
    shallow = _json(["trace", "up", "lot:EXT-1", "--depth", "1"])
    assert {r["distance"] for r in shallow["reached"]} == {1}
    down = _json(["trace", "down", "batch:7"])
    assert [r["id"] for r in down["reached"]] == ["lot:AL-1", "lot:EXT-1", "ship:10", "ship:12"]
    # operator (0), E-1 (1), E-2 (2), C-1 (5), C-3 (6), batch (7), ALUMINA-1 (8), AL-1 (9), EXT-1 (11)
    assert _json(["trace", "evidence", "EXT-1"]) == {
        "node": "lot:EXT-1",
        "seqs": [0, 1, 2, 5, 6, 7, 8, 9, 11],
        "by_kind": {
            "actor.register": 3,
            "meter.register": 2,
            "readings.batch": 1,
            "lot.receive": 1,
            "lot.produce": 2,
        },
    }
    text = runner.invoke(app, ["trace", "evidence", "EXT-1"]).output
    assert "lot:EXT-1 rests on 9 entries:" in text and "seqs 0..2" in text and "5, 6" not in text
    assert "0..2 5..9 11" not in text
    full = runner.invoke(app, ["trace", "evidence", "EXT-1", "--full"]).output
    assert "0..2" in full and "8" in full
    impact = _json(["trace", "impact", "7"])
    assert impact["target"] == 7 and impact["lots"] == ["lot:AL-1", "lot:EXT-1"]
    assert impact["shipments"] == ["ship:10", "ship:12"] and impact["footprints"] == []
    assert _json(["trace", "impact", PACT_ID])["lots"] == ["lot:AL-1", "lot:ALUMINA-1", "lot:EXT-1"]
    # within one edge: the lot itself (11), AL-1 (9), meter C-3 (6), E-2 who submitted it (2)
    assert _json(["trace", "evidence", "EXT-1", "--depth", "1"])["seqs"] == [2, 6, 9, 11]
    near = _json(["trace", "impact", "C-1", "--depth", "1"])
    assert near["target"] == "meter:C-1" and near["lots"] == ["lot:AL-1"] and near["shipments"] == []
    g = _json(["trace", "genealogy", "AL-1"])
    assert [(a["source"], a["quantity"]) for a in g["ancestors"]] == [("ALUMINA-1", 3_900_000)]
    assert [(d["target"], d["quantity"]) for d in g["descendants"]] == [("EXT-1", 1_000_000)]
    assert [s["node_id"] for s in g["shipments"]] == ["ship:10", "ship:12"]
    assert g["lot"]["produced"] == 2_000_000 and g["lots"]["EXT-1"]["shipped"] == 900_000
    text = runner.invoke(app, ["trace", "genealogy", "AL-1"]).output
    assert "up 1: ALUMINA-1 -> AL-1 3900000 g" in text and "shipped 900000 g of EXT-1 to B-1" in text
    explained = _json(["trace", "explain", "EXT-1"])
    assert any(
        line.startswith("lot EXT-1 ← lot AL-1 [1000000 g] ← lot ALUMINA-1") for line in explained["lines"]
    )
    up = runner.invoke(app, ["trace", "up", "EXT-1"])
    assert up.exit_code == 0 and up.output.splitlines()[0] == "lot:EXT-1"


def test_unknown_and_ambiguous_ids(home: Path) -> None:
    r = runner.invoke(app, ["trace", "up", "NOPE", "--json"])
    assert r.exit_code == 2 and json.loads(r.output)["error"]["code"] == "traceability.unknown_reference"
    r = runner.invoke(app, ["trace", "evidence", "NOPE"])
    assert r.exit_code == 2 and "NOPE" in r.output


def test_export_graphml_and_json(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "ext.graphml"
    r = runner.invoke(app, ["trace", "export", "EXT-1", "--format", "graphml", "--out", str(out)])
    assert r.exit_code == 0, r.output
    g = nx.read_graphml(out)
    assert "lot:AL-1" in g and g.has_edge("lot:AL-1", "lot:EXT-1")
    assert g.nodes["lot:EXT-1"]["kind"] == "lot" and json.loads(g.nodes["lot:AL-1"]["seqs"]) == [9]
    assert "ship:12" not in g  # up only
    both = tmp_path / "both.json"
    done = _json(
        ["trace", "export", "lot:AL-1", "--format", "json", "--direction", "both", "--out", str(both)]
    )
    assert done["node"] == "lot:AL-1"
    data = json.loads(both.read_text())
    ids = {n["id"] for n in data["nodes"]}
    assert {"lot:ALUMINA-1", "lot:EXT-1", "ship:12"} <= ids
    assert {"source": "lot:AL-1", "target": "lot:EXT-1"}.items() <= next(
        link for link in data["links"] if link["target"] == "lot:EXT-1" and link["source"] == "lot:AL-1"
    ).items()
    r = runner.invoke(app, ["trace", "export", "EXT-1", "--format", "dot", "--out", str(out)])
    assert r.exit_code != 0


def test_lots_import_epcis(home: Path) -> None:
    found = examples_dir()
    if found is None:
        pytest.skip("EPCIS 2.0 examples not found")
    doc = found / "AggregationEvent.json"
    keys = str(home / "keys")
    dry = _json(
        [
            "lots",
            "import-epcis",
            str(doc),
            "--actor",
            "E-1",
            "--keys",
            keys,
            "--counterparty",
            "SUP-2",
            "--dry-run",
        ]
    )
    assert dry["dry_run"] and len(dry["entries"]) == 3
    done = _json(
        ["lots", "import-epcis", str(doc), "--actor", "E-1", "--keys", keys, "--counterparty", "SUP-2"]
    )
    assert done == dry | {"dry_run": False}  # the dry run ran every check and said where each would land
    assert [e["seq"] for e in done["entries"]] == [13, 14, 15] and done["issues"]
    assert _json(["trace", "up", "urn:epc:id:sgtin:0614141.107346.2017"])["node"] == (
        "lot:urn:epc:id:sgtin:0614141.107346.2017"
    )
    text = runner.invoke(
        app,
        [
            "lots",
            "import-epcis",
            str(found / "ObjectEvent_with_invalid_action.json"),
            "--actor",
            "E-1",
            "--keys",
            keys,
        ],
    )
    assert text.exit_code == 0 and "not imported (listed, not dropped)" in text.output
    bad = runner.invoke(
        app,
        [
            "lots",
            "import-epcis",
            str(found / "TransformationEvent.json"),
            "--actor",
            "E-1",
            "--keys",
            keys,
            "--json",
        ],
    )
    assert bad.exit_code == 2 and json.loads(bad.output)["error"]["code"] == "lot.unknown"


DOCS = Path(__file__).resolve().parents[1] / "traceability" / "documents"
PACK = "https://id.gs1.org/01/04012345000139/21/PACK-2026-0042"


def test_lots_import_battery_dry_run_equals_import(home: Path) -> None:
    keys = str(home / "keys")
    args = ["lots", "import-epcis", str(DOCS / "battery_assembly.json"), "--actor", "E-1", "--keys", keys]
    refused = runner.invoke(
        app, [*args, "--dry-run", "--json"]
    )  # inputs not on the ledger: refused like the import
    assert refused.exit_code == 2 and json.loads(refused.output)["error"]["code"] == "lot.unknown"
    receive = ["--receive-unknown-from", "SUP-CELLS"]
    dry = _json([*args, *receive, "--dry-run"])
    done = _json([*args, *receive])
    assert done == dry | {"dry_run": False}
    assert [e["kind"] for e in done["entries"]].count("lot.receive") == 17
    warnings = {i["path"]: i for i in done["issues"] if i["severity"] == "warning"}
    assert "not defined for a TransformationEvent" in warnings["/epcisBody/eventList/0/action"]["reason"]
    assert "class-level" in warnings["/epcisBody/eventList/0/inputQuantityList/0"]["reason"]
    genealogy = _json(["trace", "genealogy", PACK])
    assert len(genealogy["ancestors"]) == 17 and genealogy["lot"]["produced"] == 1


def test_lots_export_dte(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "dte.json"
    keys = str(home / "keys")
    done = _json(
        [
            "lots",
            "export-dte",
            "--actor",
            "E-1",
            "--keys",
            keys,
            "--did-host",
            "tanji.example.org",
            "--out",
            str(out),
        ]
    )
    assert done == {"written": str(out)}
    credential = json.loads(out.read_text())
    validate_dte(credential)
    assert credential["issuer"]["id"] == "did:web:tanji.example.org:actors:E-1"
    ledger = Ledger(Database(default_url(home)))
    assert verify_proof(credential, resolve=ledger_key_resolver(ledger, "tanji.example.org")).verified
    printed = runner.invoke(app, ["lots", "export-dte", "--actor", "E-2", "--keys", keys, "--lot", "EXT-1"])
    assert printed.exit_code == 0
    # the default host is the ledger origin's (test.tanji/trace)
    assert json.loads(printed.output)["issuer"]["id"] == "did:web:test.tanji:actors:E-2"


def test_lots_passports_and_supplier_footprint(home: Path) -> None:
    keys = str(home / "keys")
    bad = runner.invoke(
        app,
        [
            "lots",
            "import-passport",
            str(DOCS / "battery_passport_inconsistent.json"),
            "--lot",
            "ALUMINA-1",
            "--actor",
            "E-1",
            "--keys",
            keys,
            "--json",
        ],
    )
    assert bad.exit_code == 2
    error = json.loads(bad.output)["error"]
    assert error["code"] == "traceability.passport.inconsistent"
    assert (error["total"], error["stage_sum"]) == ("40.0", "50.3") and "50.3" in error["message"]
    text = runner.invoke(app, ["lots", "supplier-footprint", "ALUMINA-1"])
    assert text.exit_code == 0 and "no figures (a reference), declared by SUP-1 (pact" in text.output
    assert _json(["lots", "supplier-footprint", "ALUMINA-1"])["source"] == {"kind": "pact", "id": PACT_ID}
    missing = runner.invoke(app, ["lots", "supplier-footprint", "AL-1", "--json"])
    assert missing.exit_code == 2
