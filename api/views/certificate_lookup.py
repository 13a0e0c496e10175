"""The verification page's certificate lookup, from the ledger (``certificates.kinds``).

The ledger records that a certificate exists (``certificate.issue``: its id,
footprint, the SHA-256 of its signed bytes, the checkpoint it is pinned to,
the verification statement it cites) and whether it was revoked; the footprint
figures come from the ``footprint.publish`` entry it certifies. The signed
document itself travels with its holder: when a copy is kept in
``documents`` (``<id>.json``) and its digest matches the ledger's, the page
offers it for download. The view keeps the footprint's period as its park-local
dates (the page words them in its language) and names the issuer and the
verifier who signed the cited statement as registered (``name (id)``, the
ledger's ``get_actor``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.views.certificate import CertificateView, EvidenceItem
from api.views.numbers import DASH, amount, percent, quantity
from ledger import Actor, GreenShares, Ledger, get_actor, green_shares

#: The three shares (DESIGN.md section 4), by the names ``CertificateView.green_shares`` uses, as the
#: English page labels them (``api.views.verify`` has both languages).
SHARE_LABELS = {
    "claimable": "claimable (certificates retired)",
    "physical": "physical (direct supply)",
    "hourly_matched": "hourly-matched (direct supply and trades, hour by hour)",
}


def _pct(share: float | None) -> str:
    return percent(share)


def _shares(electricity: dict[str, Any], run_payload: dict[str, Any] | None) -> GreenShares:
    """The shares of the certified footprint, as ``certificates.figures`` puts them on the certificate."""
    from certificates.figures import hourly_matched_share

    def kwh(name: str) -> float:
        return float(electricity.get(name) or 0)

    matched = electricity.get("hourly_matched_kwh")  # from the run's committed rows (issue 14)
    shares = green_shares(
        total=kwh("total_kwh"),
        direct=kwh("direct_physical_kwh"),
        gec_backed=kwh("claimable_green_kwh"),
        hourly_matched=None if matched is None else float(matched),
    )
    if matched is not None:
        return shares
    return GreenShares(shares.physical, hourly_matched_share(run_payload), shares.claimable)


def _declared_unit(payload: dict[str, Any]) -> str:
    """``1,000 kilogram``: the declared amount as declared (``numbers.amount``) and the unit; ``""``
    when the footprint states neither."""
    value = payload.get("declared_unit_amount")
    number = amount(value)
    shown = str(value or "") if number == DASH else number  # a text that is no number: as stated
    return f"{shown} {payload.get('declared_unit') or ''}".strip()


def _document(documents: Path | None, certificate_id: str, digest: str) -> dict[str, Any] | None:
    if documents is None:
        return None
    path = documents / f"{certificate_id}.json"
    if not path.is_file():
        return None
    from certificates.document import Certificate

    try:
        cert = Certificate.from_bytes(path.read_bytes())
    except Exception:  # noqa: BLE001 - a bad file is simply not offered
        return None
    return cert.data if cert.content_digest() == digest else None


def ledger_certificate_lookup(ledger: Ledger, documents: Path | None = None) -> Any:
    """A ``certificate_id -> CertificateView | None`` function over ``ledger``."""
    from certificates.kinds import certificate_status, get_certificate
    from lca.kinds import get_footprint

    def lookup(certificate_id: str) -> CertificateView | None:
        with ledger.db.read_session() as s:
            record = get_certificate(s, certificate_id)
            if record is None:
                return None
            status = certificate_status(s, certificate_id)
            footprint = get_footprint(s, record.footprint_id)
            issuer = get_actor(s, record.issuer)
        publish = ledger.entry(footprint.seq) if footprint is not None else None
        issue = ledger.entry(record.seq)
        payload: dict[str, Any] = publish.payload if publish is not None else {}
        electricity = (payload.get("results") or {}).get("electricity") or {}
        run_payload = None
        evidence = [EvidenceItem(issue.seq, issue.kind, issue.hash, "the certificate's record")]
        if publish is not None:
            evidence.append(EvidenceItem(publish.seq, publish.kind, publish.hash, "the certified footprint"))
        verifier = None
        if record.statement_seq is not None:
            statement = ledger.entry(record.statement_seq)
            with ledger.db.read_session() as s:
                verifier = _actor_text(get_actor(s, statement.actor), statement.actor)
            evidence.append(
                EvidenceItem(statement.seq, statement.kind, statement.hash, "verification statement")
            )
        if footprint is not None and footprint.attribution_run_seq is not None:
            run = ledger.entry(footprint.attribution_run_seq)
            run_payload = run.payload
            evidence.append(EvidenceItem(run.seq, run.kind, run.hash, "hourly green-power attribution"))
        shares = _shares(electricity, run_payload)
        unit = _declared_unit(payload)
        reason = (
            record.revoke_reason
            if status == "revoked"
            else (
                "the footprint was recomputed; a newer certificate supersedes this one"
                if status == "superseded"
                else None
            )
        )
        return CertificateView(
            certificate_id=certificate_id,
            status=status,
            product=str(payload.get("product_name") or (footprint.product_id if footprint else "")),
            declared_unit=unit or "—",
            period_start=footprint.period_start.isoformat() if footprint else None,
            period_end=footprint.period_end.isoformat() if footprint else None,
            market_based=quantity(footprint.pcf_market, "kg CO2e") if footprint else "—",
            location_based=quantity(footprint.pcf_location, "kg CO2e") if footprint else "—",
            green_shares={name: _pct(getattr(shares, name)) for name in SHARE_LABELS},
            issuer=_actor_text(issuer, record.issuer),
            verifier=verifier,
            evidence=evidence,
            status_reason=reason,
            document=_document(documents, certificate_id, record.sha256),
            checkpoint=_checkpoint(ledger, record.checkpoint_size),
        )

    return lookup


def _actor_text(actor: Actor | None, actor_id: str) -> str:
    """An actor as the page names it: its registered name and id, or the id alone if unregistered."""
    return actor_id if actor is None else f"{actor.name} ({actor.actor_id})"


def _checkpoint(ledger: Ledger, size: int) -> str | None:
    try:
        return ledger.checkpoint(size)
    except Exception:  # noqa: BLE001 - an unpinned size just shows no checkpoint
        return None
