"""A battery passport's carbon footprint onto the ledger, as the supplier footprint of a lot.

``import_passport`` parses the passport (strictly: stages that do not add up
to the stated total are :class:`traceability.errors.InconsistentPassport` and
nothing is written), and appends one ``lot.footprint`` entry signed by
``actor``: the figures per kWh, the stages and the standard, with the
passport's declaration id as source. The supplier defaults to the one the lot
was received from. A dry run runs the ledger's checks and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger import Appended, Ed25519PrivateKey, Ledger, Submission
from traceability.battery_passport import BatteryCarbonFootprint
from traceability.errors import UnknownReference
from traceability.kinds import get_lot

__all__ = ["PassportImport", "import_passport"]


@dataclass(frozen=True)
class PassportImport:
    passport: BatteryCarbonFootprint
    payload: dict[str, Any]
    appended: Appended
    dry_run: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "kind": "lot.footprint",
            "payload": self.payload,
            "seq": self.appended.seq,
            "duplicate": self.appended.duplicate,
        }


def import_passport(
    ledger: Ledger,
    document: Mapping[str, Any] | str | bytes,
    lot_id: str,
    actor: str,
    key: Ed25519PrivateKey,
    *,
    supplier: str | None = None,
    dry_run: bool = False,
) -> PassportImport:
    """Record the passport's carbon footprint on ``lot_id`` as ``actor`` (one ``lot.footprint``).

    Preconditions: the lot is on the ledger and held by ``actor`` (the ledger
    checks); ``supplier`` is given or the lot was received from one
    (``UnknownReference`` otherwise). Re-importing the same passport for the
    same lot returns the original seq (client id ``passport:<declaration id>:<lot>``).
    """
    passport = BatteryCarbonFootprint.from_json(document)
    if supplier is None:
        with ledger.db.read_session() as s:
            lot = get_lot(s, lot_id)
        supplier = lot.supplier if lot is not None else None
        if supplier is None:
            raise UnknownReference(
                f"lot {lot_id!r} has no supplier on the ledger; name the passport's supplier", lot_id=lot_id
            )
    payload = passport.lot_footprint(lot_id, supplier).model_dump(mode="json", exclude_none=True)
    client_id = f"passport:{passport.declaration_id}:{lot_id}"
    submission = Submission.create("lot.footprint", actor, payload, key, client_id=client_id)
    (appended,) = ledger.append([submission], dry_run=dry_run)
    return PassportImport(passport, payload, appended, dry_run)
