"""The outcome of attributing one month: :class:`MonthResult` and its certificate uses.

Produced by :func:`ledger.attribution.engine.attribute_month`, checked by
:func:`ledger.attribution.invariants.check_invariants` and encoded for hashing
by :mod:`ledger.attribution.encoding`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.attribution.allocation import Int64Array
from ledger.attribution.records import BoolArray
from ledger.energy.periods import DEFAULT_TIME_ZONE

__all__ = ["METHOD_VERSION", "CertificateUse", "MonthResult"]

#: Version of the attribution rules; recorded by ``attribution.run`` entries. Version 2: park-local
#: months, claims only through retired GEC of the same generator and month (direct *and* contracted),
#: retirements attributed in their consumption month, sub-meters counted net inside their parents.
METHOD_VERSION = "tanji.attribution/2"


@dataclass(frozen=True)
class CertificateUse:
    """What one retirement did for one of its meters (whole ``units``): Wh of the meter's direct and
    contracted energy from the units' generator it made claimable, and Wh of other consumption it
    covered."""

    retirement_id: str
    meter_id: str
    units: int
    claimed_direct_wh: int
    claimed_contracted_wh: int
    covered_wh: int

    @property
    def used_wh(self) -> int:
        """Wh the units back: claimed direct + claimed contracted + covered."""
        return self.claimed_direct_wh + self.claimed_contracted_wh + self.covered_wh


@dataclass(frozen=True, eq=False)
class MonthResult:
    """The attribution of one month. Arrays are read-only.

    ``[m, h]`` arrays follow ``consumer_ids``; ``[g, h]`` follow
    ``generator_ids``; ``[m, g]`` are month totals per meter and generator.
    ``consumption`` is the input with missing hours set to 0 (see ``gap``);
    ``month`` is the park-local month of ``time_zone``.
    ``link_export_wh`` is each link's grid export over its valid hours as its
    ``grid_export`` meters measured it (650号), ``-1`` for a link without such
    a meter (not measured); ``link_export_gap_hours`` counts the export
    meter-hours without readings (counted 0).
    ``claimable_direct_by_generator`` / ``claimable_contracted_by_generator``
    are the parts of the physical direct / contracted energy that retired GEC
    of the same generator and month back (the green claims of the two classes).
    """

    month: str
    consumer_ids: tuple[str, ...]
    generator_ids: tuple[str, ...]
    technologies: tuple[str, ...]
    consumption: Int64Array
    direct: Int64Array
    contracted: Int64Array
    certificate: Int64Array
    grid: Int64Array
    gap: BoolArray
    generation: Int64Array
    generator_direct: Int64Array
    generator_contracted: Int64Array
    generation_gap: BoolArray
    direct_by_generator: Int64Array
    contracted_by_generator: Int64Array
    claimable_direct_by_generator: Int64Array
    claimable_contracted_by_generator: Int64Array
    trade_ids: tuple[str, ...]
    trade_delivered_wh: Int64Array
    trade_unused_wh: Int64Array
    retirement_ids: tuple[str, ...]
    retirement_unused_wh: Int64Array
    certificate_uses: tuple[CertificateUse, ...]
    link_ids: tuple[str, ...] = ()
    link_export_wh: Int64Array | None = None
    link_export_gap_hours: Int64Array | None = None
    time_zone: str = DEFAULT_TIME_ZONE

    @property
    def surplus(self) -> Int64Array:
        """Generation neither supplied directly nor sold by trade, ``[g, h]``."""
        return self.generation - self.generator_direct - self.generator_contracted

    @property
    def claimable_direct(self) -> Int64Array:
        """Direct energy per meter that is also a green claim, ``[m]``."""
        out: Int64Array = self.claimable_direct_by_generator.sum(axis=1)
        return out

    @property
    def claimable_contracted(self) -> Int64Array:
        """Contracted energy per meter that is also a green claim, ``[m]``."""
        out: Int64Array = self.claimable_contracted_by_generator.sum(axis=1)
        return out
