"""The evidence a certificate carries: what its claims rest on, proven by one multiproof — not the
traceability graph's whole upstream (readings, meters, everyone's records)."""

from __future__ import annotations

from collections.abc import Callable

from certificates.evidence import evidence_seqs, select_evidence
from certificates.issue import issue_certificate
from certificates.verify import TrustedKey, check_certificate
from ledger.attribution.runner import run_attribution
from ledger.log.checkpoint import parse_verifier_key
from ledger.log.multiproof import verify_multiproof
from tests.conftest import Park
from tests.lca.test_kinds import derived, model_doc
from tests.ledger.park_fixtures import MONTH, build_month_park
from traceability.ledger_graph import build_graph


def test_certificate_of_a_footprint_resting_on_an_attribution_run(make_park: Callable[[], Park]) -> None:
    park = build_month_park(make_park())
    run = run_attribution(park.ledger, "operator", park.keys["operator"], MONTH, ["C-1", "C-2", "C-3"])
    body = derived(park, "E-1", model_doc(meters=["C-1"]), run=run.seq)
    fid = body["footprint_id"]
    [fp] = park.ledger.append([park.sign("footprint.publish", "E-1", body)])
    size = park.ledger.size()
    seqs, entries = evidence_seqs(park.ledger, fid, size)
    kinds = {entries[s].kind for s in seqs}
    # The footprint, the run it cites and the keys of their signers — no readings, no meters (the graph
    # would pull in everyone's): without a lot there are no rows to carry.
    assert kinds == {"footprint.publish", "attribution.run", "actor.register"}
    assert run.seq in seqs and fp.seq in seqs and 0 in seqs
    graph = set(build_graph(park.ledger, size).evidence(f"footprint:{fid}"))
    assert any(entries.get(s) is None for s in graph)  # the graph's upstream is much larger
    signers = {entries[s].actor for s in seqs}
    registered = {entries[s].payload["id"] for s in seqs if entries[s].kind == "actor.register"}
    assert signers <= registered  # every signer's key is in the evidence
    selected = select_evidence(park.ledger, fid, size)
    leaves = {s: bytes.fromhex(e.hash) for s, e in selected.entries.items()}
    assert verify_multiproof(leaves, size, selected.proof, park.ledger.root(size))
    assert selected.basis is None and selected.rows == []

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
