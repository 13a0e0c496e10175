"""Compact, private evidence and the offline re-derivation of a certificate's green electricity.

A month of the park of ``tests.ledger.park_fixtures``, attributed for every consumer (E-2's C-3 too),
and a lot LOT-1 of E-1 drawing all of C-1 and half of C-2:

- C-1: 297,600 Wh, 178,560 direct (claimable: its GEC were retired for it), 119,040 certificate;
- C-2 × 0.5: 37,200 Wh, 22,320 direct (not claimable), 14,880 grid.

So the lot used 334.8 kWh: physical share 200,880 / 334,800 = 0.6, claimable 297,600 / 334,800 =
0.888889, hourly-matched 0.6 (the direct supply, hour by hour).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from certificates.derivation import explain_certificate
from certificates.document import Certificate
from certificates.green import WIRE_FIELDS
from certificates.issue import sign_certificate
from certificates.verify import check_certificate
from ledger.attribution.runner import run_attribution
from ledger.log.entry import Entry
from ledger.log.keys import generate_key
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url
from tests.certificates.conftest import Issued, issue, statement
from tests.conftest import Park
from tests.lca.test_kinds import derived, model_doc
from tests.ledger.park_fixtures import END, MONTH, START, build_month_park

GREEN_CHECKS = ["rows.inclusion", "green.lot", "rows.coverage", "green.derivation", "green.gec"]


def lot_park(tmp: Path) -> tuple[Park, str]:
    operator = generate_key()
    ledger = Ledger.create(Database(sqlite_url(tmp / "tanji.db")), operator, origin="test.tanji/ledger")
    park = build_month_park(Park(ledger, {"operator": operator}))
    park.register("V-1", "verifier")
    run = run_attribution(park.ledger, "operator", operator, (MONTH,), ["C-1", "C-2", "C-3"])
    produce = {
        "lot_id": "LOT-1",
        "product": "AL-INGOT",
        "quantity": 1_000_000,
        "unit": "g",
        "period_start": START,
        "period_end": END,
        "meters": [{"meter_id": "C-1", "share": 1.0}, {"meter_id": "C-2", "share": 0.5}],
    }
    park.ledger.append([park.sign("lot.produce", "E-1", produce)])
    body = derived(park, "E-1", model_doc(meters=["C-1", "C-2"]), run=run.seq) | {"lot": "LOT-1"}
    park.ledger.append([park.sign("footprint.publish", "E-1", body)])
    return park, str(body["footprint_id"])


@pytest.fixture(scope="module")
def lot_issued(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    park, fid = lot_park(tmp_path_factory.mktemp("lot"))
    return issue(park, fid, statement_seq=statement(park))


def resign(issued: Issued, doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` signed by the issuer again, as a dishonest issuer would present it."""
    sig = issued.certificate.signature
    assert sig is not None
    unsigned = {k: v for k, v in doc.items() if k not in ("signature", "upgrade")}
    return sign_certificate(unsigned, issued.park.keys["E-1"], sig.key_seq).data


def test_green_electricity_is_the_lots_re_derived(lot_issued: Issued) -> None:
    cert = lot_issued.certificate
    result = check_certificate(cert.to_bytes(), lot_issued.trust)
    assert result.ok, result.to_json()
    names = [c.name for c in result.checks]
    assert [n for n in names if n in GREEN_CHECKS] == GREEN_CHECKS
    green = cert.data["green_electricity"]
    assert green["basis"] == "lot" and green["lot"] == "LOT-1"
    assert green["meters"] == [{"meter": "C-1", "share": 1.0}, {"meter": "C-2", "share": 0.5}]
    assert green["months"] == [MONTH, MONTH]
    assert green["kwh"] == {
        "consumption": 334.8,
        "direct": 200.88,
        "claimable_direct": 178.56,
        "contracted": 0.0,
        "claimable_contracted": 0.0,
        "certificate": 119.04,
        "grid": 14.88,
        "hourly_matched": 200.88,
        "gec_backed": 297.6,
    }
    assert (green["physical_share"], green["claimable_share"], green["hourly_matched_share"]) == (
        0.6,
        0.888889,
        0.6,
    )


def test_evidence_is_compact_and_private(lot_issued: Issued) -> None:
    cert = lot_issued.certificate
    entries = [Entry.from_body(e.body) for e in cert.body.evidence.entries]
    kinds = {e.kind for e in entries}
    assert kinds == {
        "actor.register",
        "footprint.publish",
        "attribution.run",
        "lot.produce",
        "gec.retire",
        "verification.statement",
    }
    assert not {e.actor for e in entries} & {"E-2"}  # nothing the other enterprise authored
    rows = cert.data["evidence"]["rows"]["items"]
    assert sorted(r["row"][WIRE_FIELDS.index("meter_id")] for r in rows) == [
        "C-1",
        "C-2",
    ]  # E-2's C-3 row stays out
    raw = cert.to_bytes()
    assert b"readings.batch" not in raw and b"meter.register" not in raw
    # C-3 only as the run names its inputs (this run was asked for three meters; a park run names its park)
    run = next(e for e in cert.body.evidence.entries if e.kind == "attribution.run")
    assert raw.count(b"C-3") == run.body.count("C-3") == 1
    assert len(raw) < 64 * 1024


def figure_paths(green: dict[str, Any]) -> list[tuple[str, ...]]:
    return [("kwh", k) for k in green["kwh"]] + [
        (k,) for k in ("physical_share", "claimable_share", "hourly_matched_share")
    ]


@pytest.mark.parametrize(
    "path",
    figure_paths(
        {
            "kwh": dict.fromkeys(
                [
                    "consumption",
                    "direct",
                    "claimable_direct",
                    "contracted",
                    "claimable_contracted",
                    "certificate",
                    "grid",
                    "hourly_matched",
                    "gec_backed",
                ]
            )
        }
    ),
)
def test_a_changed_green_figure_fails_the_derivation(lot_issued: Issued, path: tuple[str, ...]) -> None:
    doc = copy.deepcopy(lot_issued.certificate.data)
    target = doc["green_electricity"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = round(float(target[path[-1]]) * 1.01 + 0.001, 6)
    result = check_certificate(json.dumps(doc), lot_issued.trust)
    assert set(result.failed) == {"green.derivation", "issuer.signature"}, result.failed
    result = check_certificate(json.dumps(resign(lot_issued, doc)), lot_issued.trust)
    assert result.failed == ("green.derivation",), result.failed  # even signed again by the issuer
    assert ".".join(path) in result.check("green.derivation").detail


def test_doctored_rows_and_lots_fail_their_checks(lot_issued: Issued) -> None:
    data = lot_issued.certificate.data
    # a row that is not the committed one: its leaf no longer reaches the run's rows root
    doc = copy.deepcopy(data)
    row = doc["evidence"]["rows"]["items"][0]["row"]
    row[WIRE_FIELDS.index("grid_wh")] += 1000
    row[WIRE_FIELDS.index("consumption_wh")] += 1000
    failed = check_certificate(resign(lot_issued, doc), lot_issued.trust).failed
    assert "rows.inclusion" in failed and "green.derivation" in failed
    # a row left out
    doc = copy.deepcopy(data)
    del doc["evidence"]["rows"]["items"][0]
    failed = check_certificate(resign(lot_issued, doc), lot_issued.trust).failed
    assert {"rows.inclusion", "rows.coverage"} <= set(failed)
    # other meter shares than the lot entry's
    doc = copy.deepcopy(data)
    doc["green_electricity"]["meters"][1]["share"] = 1.0
    assert "green.lot" in check_certificate(resign(lot_issued, doc), lot_issued.trust).failed
    # the retirements the claims rest on, left out
    doc = copy.deepcopy(data)
    doc["evidence"]["entries"] = [e for e in doc["evidence"]["entries"] if e["kind"] != "gec.retire"]
    failed = check_certificate(resign(lot_issued, doc), lot_issued.trust).failed
    assert {"green.gec", "evidence.inclusion"} <= set(failed)


def test_explain_prints_the_derivation(lot_issued: Issued) -> None:
    text = "\n".join(explain_certificate(Certificate.from_bytes(lot_issued.certificate.to_bytes())))
    assert "lot LOT-1" in text and "C-1 × 1" in text and "C-2 × 0.5" in text
    assert "claimable share" in text and "88.8889 %" in text
    assert "retired at seq" in text


def test_cli_explains_and_checks_revocation_online(lot_issued: Issued, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app
    from ledger.log.keys import save_public_key

    runner = CliRunner()
    cert = tmp_path / "cert.json"
    cert.write_bytes(lot_issued.certificate.to_bytes())
    save_public_key(lot_issued.trust.key, tmp_path / "ledger.pub")
    args = ["cert", "verify", str(cert), "--trust", str(tmp_path / "ledger.pub")]
    r = runner.invoke(app, [*args, "--explain"])
    assert r.exit_code == 0, r.output
    assert "lot LOT-1" in r.output and "check green.derivation: ok" in r.output
    db = ["--online", "--db", lot_issued.park.ledger.db.url]
    r = runner.invoke(app, [*args, *db, "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["checks"][-1] == {
        "name": "revocation",
        "ok": True,
        "detail": "",
    }


def test_revoked_certificates_fail_online(tmp_path: Path) -> None:
    from certificates.credentials.verify import check_bundle
    from certificates.revoke import revoke_certificate
    from certificates.status import ledger_revocation

    park, fid = lot_park(tmp_path)
    issued = issue(park, fid)
    revoke_certificate(park.ledger, issued.certificate.id, "meter C-2 miscalibrated", park.keys["E-1"])
    [result] = check_bundle(
        [issued.certificate.to_bytes()], issued.trust, revocation=ledger_revocation(park.ledger)
    )
    assert result.failed == ("revocation",)
    assert "revoked: meter C-2 miscalibrated" in result.checks[-1].detail


def test_rows_on_the_wire_round_trip(lot_issued: Issued) -> None:
    from certificates.derivation import parse_rows
    from certificates.green import row_from_wire, row_to_wire

    parsed, bad = parse_rows(lot_issued.certificate)
    assert parsed and not bad
    for _, row in parsed:
        again = row_from_wire(json.loads(json.dumps(row_to_wire(row))))
        assert again == row and again.canonical_bytes() == row.canonical_bytes()
    wire = row_to_wire(parsed[0][1])
    for broken in (wire[:-1], {"x": 1}, [*wire[:2], -5, *wire[3:]], [*wire[:-1], [[1, 2]]]):
        with pytest.raises(ValueError):
            row_from_wire(broken)
