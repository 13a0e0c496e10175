"""The evidence a certificate carries: what the traceability graph says the footprint rests on, plus keys."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from certificates.evidence import evidence_seqs
from certificates.issue import issue_certificate
from certificates.verify import TrustedKey, check_certificate
from ledger.attribution.runner import run_attribution
from ledger.log.checkpoint import parse_verifier_key
from tests.conftest import Park
from tests.lca.test_kinds import payload
from tests.ledger.park_fixtures import MONTH, build_month_park
from traceability.ledger_graph import build_graph


def test_certificate_of_a_footprint_resting_on_an_attribution_run(make_park: Callable[[], Park]) -> None:
    park = build_month_park(make_park())
    run = run_attribution(park.ledger, "operator", park.keys["operator"], MONTH, ["C-1", "C-2", "C-3"])
    fid = str(uuid.uuid4())
    [fp] = park.ledger.append([park.sign("footprint.publish", "E-1", payload(fid, run=run.seq))])
    size = park.ledger.size()
    seqs, entries = evidence_seqs(park.ledger, fid, size)
    kinds = {entries[s].kind for s in seqs}
    # The run, the readings and meters it read, and everyone's keys.
    assert {
        "footprint.publish",
        "attribution.run",
        "readings.batch",
        "meter.register",
        "actor.register",
    } <= kinds
    assert run.seq in seqs and fp.seq in seqs and 0 in seqs
    graph_seqs = build_graph(park.ledger, size).evidence(f"footprint:{fid}")
    assert set(graph_seqs) <= set(seqs)
    signers = {entries[s].actor for s in seqs}
    registered = {entries[s].payload["id"] for s in seqs if entries[s].kind == "actor.register"}
    assert signers <= registered  # every signer's key is in the evidence

    cert = issue_certificate(park.ledger, fid, park.keys["E-1"]).certificate
    name, key = parse_verifier_key(park.ledger.info().operator_key)
    result = check_certificate(cert.to_bytes(), TrustedKey(key, name))
    assert result.ok, result.to_json()
    assert cert.body.method.attribution_run_seq == run.seq
    assert len(cert.body.evidence.entries) == len(seqs)

    # Without the run it cites, the footprint entry check fails.
    doc = cert.data | {
        "evidence": cert.data["evidence"]
        | {"entries": [e for e in cert.data["evidence"]["entries"] if e["seq"] != run.seq]}
    }
    assert "footprint.entry" in check_certificate(doc, TrustedKey(key, name)).failed
