"""Units of energy the ledger counts in, defined once.

Energy inside the ledger is an integer number of Wh; one green electricity
certificate (GEC) is 1 MWh (``ledger/energy/data/gec_rules.json`` cites the
rule). Pure: no storage, no I/O.
"""

from __future__ import annotations

__all__ = ["WH_PER_GEC", "WH_PER_MWH"]

WH_PER_MWH = 1_000_000
"""Wh in one MWh."""

WH_PER_GEC = WH_PER_MWH
"""Wh one GEC unit stands for (1 GEC = 1 MWh)."""
