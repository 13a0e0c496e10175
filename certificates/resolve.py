"""The identity resolver's lookup: which certificate a GS1 Digital Link ``/01/{gtin}/10/{lot}`` means.

A label's QR code names the product and lot, not the certificate (:meth:`certificates.site.Site.label_url`),
so a reprinted or superseded certificate never strands a printed label: the resolver answers with
the newest *valid* certificate of a footprint of that lot whose product ids carry that GTIN, else
the newest certificate of it whatever its status (the verification page then says revoked or
superseded), else nothing.
"""

from __future__ import annotations

from certificates.kinds import certificate_status, list_certificates
from certificates.site import gtin_of
from lca.kinds import FootprintRow
from ledger import Ledger, entry_at

__all__ = ["certificate_of_lot"]


def certificate_of_lot(ledger: Ledger, gtin: str, lot: str) -> str | None:
    """The id of the certificate the Digital Link of ``gtin`` (14 digits) and ``lot`` resolves to."""
    found: list[tuple[int, str, bool]] = []
    with ledger.db.read_session() as s:
        for record in list_certificates(s):
            fp = s.get(FootprintRow, record.footprint_id)
            if fp is None or fp.lot != lot:
                continue
            entry = entry_at(s, fp.seq)
            ids = entry.payload.get("product_ids", []) if entry is not None else []
            if gtin_of(str(i) for i in ids) != gtin:
                continue
            found.append(
                (record.seq, record.certificate_id, certificate_status(s, record.certificate_id) == "valid")
            )
    if not found:
        return None
    valid = [f for f in found if f[2]]
    return max(valid or found)[1]
