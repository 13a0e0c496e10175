"""A published Tanji footprint as the carbon-footprint section of a battery passport.

``passport_from_publish`` maps a ``footprint.publish`` payload
(:class:`lca.publish.FootprintPublish`) to a
:class:`traceability.battery_passport.BatteryCarbonFootprint`:

- the stage figures are the footprint's ``results.by_stage`` on one basis,
  ``location`` (default: every kWh at the grid average, the conservative
  reading — the EU battery rules do not accept certificate claims the way
  market-based accounting does) or ``market``; the model's stage names map to
  the four passport stages (:func:`traceability.battery_passport.stage_name`);
- per kWh of lifetime energy: a footprint declared per ``kilowatt hour`` is
  divided by its declared amount; one declared per ``piece`` needs the kWh a
  battery provides over its service life (``lifetime_kwh``), and also gives
  ``absoluteCarbonFootprint`` (kg CO2e per battery);
- the stated total is the footprint's total on that basis, so a footprint whose
  stages do not add up is refused like an inconsistent imported passport.

``passport_of_footprint`` reads the payload from the ledger by footprint id.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from certificates.errors import NotIssuable
from lca.kinds import FootprintPublishEntry, get_footprint
from lca.publish import FootprintPublish
from ledger import Ledger
from traceability.battery_passport import BatteryCarbonFootprint
from traceability.errors import InvalidPassport

__all__ = ["Basis", "passport_from_publish", "passport_of_footprint"]

Basis = Literal["location", "market"]


def passport_from_publish(
    publish: FootprintPublish,
    *,
    declaration_id: str,
    basis: Basis = "location",
    lifetime_kwh: Decimal | None = None,
    places: int = 2,
    **fields: Any,
) -> BatteryCarbonFootprint:
    """The passport section of ``publish`` (see the module docstring).

    ``fields`` are the passport's other members (``performance_class``,
    ``standard``, ``verification_body``, ``study``, ``battery_id``).
    Preconditions: the footprint is declared per ``kilowatt hour``, or per
    ``piece`` with ``lifetime_kwh`` > 0; ``InvalidPassport`` otherwise.
    """
    amount = Decimal(repr(publish.declared_unit_amount))
    if publish.declared_unit == "kilowatt hour":
        kwh = amount
        absolute = None
    elif publish.declared_unit == "piece" and lifetime_kwh is not None and lifetime_kwh > 0:
        kwh = amount * lifetime_kwh
        figures = publish.results.location if basis == "location" else publish.results.market
        absolute = (Decimal(repr(figures.total)) / amount).quantize(Decimal(1).scaleb(-places))
    else:
        raise InvalidPassport(
            f"footprint of {publish.product_id!r} is per {publish.declared_unit!r}; a battery passport needs "
            "it per kilowatt hour, or per piece with the kWh a battery provides over its service life",
            declared_unit=publish.declared_unit,
        )
    stages = {
        s.stage: Decimal(repr(s.location if basis == "location" else s.market))
        for s in publish.results.by_stage
    }
    total = publish.results.location.total if basis == "location" else publish.results.market.total
    if absolute is not None:
        fields.setdefault("absolute_kg_co2e", absolute)
    return BatteryCarbonFootprint.from_stage_totals(
        stages, kwh=kwh, declaration_id=declaration_id, total=Decimal(repr(total)), places=places, **fields
    )


def passport_of_footprint(ledger: Ledger, footprint_id: str, **options: Any) -> BatteryCarbonFootprint:
    """:func:`passport_from_publish` of the published footprint ``footprint_id``."""
    with ledger.db.read_session() as s:
        record = get_footprint(s, footprint_id)
    if record is None:
        raise NotIssuable(f"no published footprint {footprint_id!r}", footprint_id=footprint_id)
    return passport_from_publish(
        FootprintPublishEntry.model_validate(ledger.entry(record.seq).payload), **options
    )
