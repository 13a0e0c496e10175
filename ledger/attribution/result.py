"""The outcome of attributing one month: :class:`MonthResult` and its certificate uses.

Produced by :func:`ledger.attribution.engine.attribute_month`, checked by
:func:`ledger.attribution.invariants.check_invariants` and encoded for hashing
by :mod:`ledger.attribution.encoding`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.attribution.allocation import Int64Array
from ledger.attribution.records import BoolArray

__all__ = ["METHOD_VERSION", "CertificateUse", "MonthResult"]

#: Version of the attribution rules; recorded by ``attribution.run`` entries.
METHOD_VERSION = "tanji.attribution/1"


@dataclass(frozen=True)
class CertificateUse:
    """What one retirement did for one of its meters (whole ``units``)."""

    retirement_id: str
    meter_id: str
    units: int
    claimed_direct_wh: int
    covered_wh: int


@dataclass(frozen=True, eq=False)
class MonthResult:
    """The attribution of one month. Arrays are read-only.

    ``[m, h]`` arrays follow ``consumer_ids``; ``[g, h]`` follow
    ``generator_ids``; ``[m, g]`` are month totals per meter and generator.
    ``consumption`` is the input with missing hours set to 0 (see ``gap``).
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
    trade_ids: tuple[str, ...]
    trade_delivered_wh: Int64Array
    trade_unused_wh: Int64Array
    retirement_ids: tuple[str, ...]
    retirement_unused_wh: Int64Array
    certificate_uses: tuple[CertificateUse, ...]

    @property
    def surplus(self) -> Int64Array:
        """Generation neither supplied directly nor sold by trade, ``[g, h]``."""
        return self.generation - self.generator_direct - self.generator_contracted

    @property
    def claimable_direct(self) -> Int64Array:
        """Direct energy per meter that is also a green claim, ``[m]``."""
        out: Int64Array = self.claimable_direct_by_generator.sum(axis=1)
        return out
