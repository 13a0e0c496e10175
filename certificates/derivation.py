"""Offline checks that re-derive a certificate's green electricity from its own evidence.

``green_checks`` runs on a parsed certificate and the evidence entries whose bodies, inclusion
and signatures the caller checked (``certificates.verify``). Named checks:

- ``rows.inclusion`` — the rows are the cited ``attribution.run``'s: each parses as a committed
  row (``ledger.ResultRow``, rebuilt from its wire form), and one multiproof
  (``ledger.log.multiproof``) leads from their leaf hashes at their indexes to the run entry's
  ``rows_root`` over its ``row_count`` rows;
- ``green.lot`` — the lot's ``lot.produce`` entry is in the evidence, by the issuer, names the
  certificate's lot, and lists exactly the meters and shares the certificate derives from; the
  months are those of the certificate's period;
- ``rows.coverage`` — exactly one row for each of those meters and months, none without readings;
- ``green.derivation`` — every figure of ``green_electricity`` (kWh by class and the three
  shares) equals ``certificates.green.derive_green`` of those rows; for a certificate without a
  lot basis, the shares equal those of the footprint entry's electricity per declared unit;
- ``green.gec`` — every GEC range the rows give the lot's meters was retired by a ``gec.retire``
  entry in the evidence, for the issuer, naming that meter, covering those serials.

``explain`` prints the derivation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from certificates.checks import Check
from certificates.document import Certificate
from certificates.green import (
    LotBasis,
    declared_unit_green,
    derive_green,
    explain,
    missing_rows,
    period_months,
    row_from_wire,
)
from ledger import Entry, ResultRow
from ledger.log.multiproof import verify_multiproof

__all__ = ["explain_certificate", "green_checks", "parse_rows"]


def _diff(path: str, want: Any, got: Any, out: list[str]) -> None:
    if isinstance(want, Mapping) and isinstance(got, Mapping):
        for key in sorted(set(want) | set(got)):
            _diff(f"{path}.{key}", want.get(key), got.get(key), out)
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            _diff(f"{path}[{i}]", w, g, out)
    elif want != got or isinstance(want, bool) != isinstance(got, bool):
        out.append(f"{path} (derived {want!r}, stated {got!r})")


def parse_rows(cert: Certificate) -> tuple[list[tuple[int, ResultRow]], list[int]]:
    """The evidence's rows as (index, row), and the indexes of items that are not committed rows."""
    rows = cert.body.evidence.rows
    parsed: list[tuple[int, ResultRow]] = []
    bad: list[int] = []
    for item in rows.items if rows is not None else ():
        try:
            parsed.append((item.index, row_from_wire(item.row)))
        except (ValueError, TypeError):
            bad.append(item.index)
    return parsed, bad


def _hashes(hexes: Sequence[str]) -> list[bytes] | None:
    try:
        return [bytes.fromhex(h) for h in hexes]
    except ValueError:
        return None


def _rows_inclusion(
    cert: Certificate, run: Entry | None, parsed: list[tuple[int, ResultRow]], bad: list[int]
) -> Check:
    rows = cert.body.evidence.rows
    name = "rows.inclusion"
    if rows is None:
        return Check(name, False, "the certificate derives from a lot but carries no rows")
    if run is None or run.kind != "attribution.run" or run.seq != rows.run_seq:
        return Check(
            name, False, f"the rows' run {rows.run_seq} is not the attribution.run the footprint cites"
        )
    root, count = run.payload.get("rows_root"), run.payload.get("row_count")
    if not isinstance(root, str) or not isinstance(count, int):
        return Check(name, False, f"attribution run {run.seq} commits to no result rows")
    if bad:
        return Check(name, False, f"items at index {bad[:5]} are not committed rows")
    leaves = {i: r.leaf_hash() for i, r in parsed}
    proof = _hashes(rows.proof)
    if len(leaves) != len(parsed) or not leaves:
        return Check(name, False, "no rows, or two rows at one index")
    ok = proof is not None and verify_multiproof(leaves, count, proof, bytes.fromhex(root))
    return Check(name, ok, "" if ok else f"the rows' multiproof does not reach run {run.seq}'s rows root")


def _lot_check(cert: Certificate, entries: Mapping[int, Entry], lot: str) -> tuple[Check, LotBasis | None]:
    issuer = cert.body.issuer.actor
    green = cert.body.green_electricity
    found = [
        e
        for e in entries.values()
        if e.kind == "lot.produce" and e.actor == issuer and e.payload.get("lot_id") == lot
    ]
    if len(found) != 1 or not found[0].payload.get("meters"):
        return Check("green.lot", False, f"no one lot.produce of lot {lot!r} by {issuer!r} with meters"), None
    basis = LotBasis.of(
        lot, found[0].payload["meters"], period_months(cert.body.period.start, cert.body.period.end)
    )
    stated = [(m.meter, float(m.share)) for m in green.meters or []]
    problems = []
    if green.lot != lot:
        problems.append(f"green electricity is of lot {green.lot!r}, the footprint's is {lot!r}")
    if stated != list(basis.meters):
        problems.append(f"meters and shares {stated} are not the lot entry's {list(basis.meters)}")
    months = [basis.months[0], basis.months[-1]] if basis.months else []
    if (green.months or []) != months:
        problems.append(f"months {green.months} are not the certificate period's {months}")
    return Check("green.lot", not problems, "; ".join(problems)), basis


def _gec_check(cert: Certificate, entries: Mapping[int, Entry], rows: Sequence[ResultRow]) -> Check:
    issuer = cert.body.issuer.actor
    problems = []
    for r in rows:
        for g in r.gec:
            e = entries.get(g.retire_seq)
            p = e.payload if e is not None else {}
            if e is None or e.kind != "gec.retire":
                problems.append(
                    f"GEC {g.first}-{g.last}: no gec.retire at seq {g.retire_seq} in the evidence"
                )
            elif p.get("beneficiary") != issuer or r.meter_id not in (p.get("consumer_meters") or []):
                problems.append(
                    f"GEC {g.first}-{g.last}: retirement {g.retire_seq} is not for {issuer} {r.meter_id}"
                )
            elif not (int(p.get("first", 0)) <= g.first and g.last <= int(p.get("last", -1))):
                problems.append(f"GEC {g.first}-{g.last}: outside retirement {g.retire_seq}'s serials")
    return Check("green.gec", not problems, "; ".join(problems[:5]))


def green_checks(cert: Certificate, entries: Mapping[int, Entry]) -> list[Check]:
    """The checks of the module docstring. Pure; never raises for bad evidence."""
    green = cert.body.green_electricity
    stated = cert.data.get("green_electricity")
    fp = entries.get(cert.body.footprint.seq)
    if fp is None or fp.kind != "footprint.publish":
        return [Check("green.derivation", False, "no footprint.publish entry to derive from")]
    payload = fp.payload
    if green.basis == "declared_unit":
        try:
            expected = declared_unit_green(payload["results"]["electricity"])
        except (KeyError, TypeError, ValueError) as e:
            return [Check("green.derivation", False, f"footprint electricity unreadable: {e!r}")]
        out: list[str] = []
        _diff("green_electricity", expected, stated, out)
        detail = (
            "; ".join(out[:4]) if out else "no lot with meters: shares of the electricity per declared unit"
        )
        return [Check("green.derivation", not out, detail)]
    lot = payload.get("lot")
    run_seq = payload.get("attribution_run_seq")
    run = entries.get(run_seq) if isinstance(run_seq, int) else None
    parsed, bad = parse_rows(cert)
    checks = [_rows_inclusion(cert, run, parsed, bad)]
    if not isinstance(lot, str):
        checks.append(Check("green.lot", False, "the footprint names no lot"))
        return [*checks, Check("green.derivation", False, "no lot to derive from")]
    lot_check, basis = _lot_check(cert, entries, lot)
    checks.append(lot_check)
    rows = [r for _, r in parsed]
    if basis is None:
        return [*checks, Check("green.derivation", False, "no lot basis to derive from")]
    missing, twice, outside = missing_rows(basis, rows)
    gaps = [f"{r.meter_id} {r.month}" for r in rows if r.gap_hours]
    problems = (
        ([f"no row for {', '.join(missing[:4])}"] if missing else [])
        + ([f"two rows for {', '.join(twice[:4])}"] if twice else [])
        + ([f"rows outside the lot: {', '.join(outside[:4])}"] if outside else [])
        + ([f"hours without readings in {', '.join(gaps[:4])}"] if gaps else [])
    )
    checks.append(Check("rows.coverage", not problems, "; ".join(problems)))
    out = []
    _diff("green_electricity", derive_green(basis, rows), stated, out)
    checks.append(Check("green.derivation", not out, "; ".join(out[:4])))
    checks.append(_gec_check(cert, entries, rows))
    return checks


def explain_certificate(cert: Certificate) -> list[str]:
    """The derivation of the certificate's green electricity, line by line (no checks run)."""
    parsed, _ = parse_rows(cert)
    fp = cert.body.footprint
    unit = cert.body.declared_unit
    e = fp.electricity
    lines = [
        f"footprint {fp.id} (seq {fp.seq}): {fp.market.total:,.3f} kg CO2e per {unit.amount:g} {unit.unit} "
        f"market-based, {fp.location.total:,.3f} location-based — the figures of the footprint.publish "
        "entry, which the ledger re-computed from the model, the run's rows and the background on append",
        f"electricity per declared unit: {e.total_kwh:,.3f} kWh, claimable {e.claimable_green_kwh:,.3f} kWh, "
        f"direct {e.direct_physical_kwh:,.3f} kWh",
    ]
    return lines + explain(cert.data["green_electricity"], [r for _, r in parsed])
