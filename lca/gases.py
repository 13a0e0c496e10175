"""Tanji's greenhouse-gas biosphere and the IPCC AR6 GWP100 method, as plain data.

Brightway's generic set-up downloads a biosphere of thousands of flows and
hundreds of methods; Tanji needs only greenhouse gases, so it writes these few
flows and one method itself (see :mod:`lca.project`).

GWP100 values: IPCC AR6 WG1, Chapter 7, Table 7.SM.7 (Smith et al. 2021,
"The Earth's Energy Budget, Climate Feedbacks, and Climate Sensitivity
Supplementary Material"). CH4 fossil 29.8 and CH4 non-fossil 27.0 include the
fossil carbon-dioxide oxidation credit difference as in the table.

Origins split the total the way PACT v3 reports it: ``fossil`` (every
non-biogenic gas, including N2O and the fluorinated gases), ``biogenic`` (e.g.
non-fossil CH4; biogenic CO2 itself is characterised 0 and reported apart) and
``land_use`` (land-use change CO2).

Aggregated flows (``ghg_co2e_*``) carry a factor published only as kg CO2e
(life-cycle factors, supplier footprints). They are characterised 1.0, so the
source's own GWP basis (often AR5) enters unchanged; each background factor
records that basis in its note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Origin = Literal["fossil", "biogenic", "land_use"]

BIOSPHERE_DATABASE = "tanji-ghg-biosphere"
METHOD = ("Tanji", "IPCC AR6", "GWP100")
METHOD_NAME = "IPCC AR6 GWP100"
GWP_SOURCE = "IPCC AR6 WG1 Chapter 7, Table 7.SM.7 (2021), GWP100"


@dataclass(frozen=True, slots=True)
class Gas:
    """One elementary flow to air, in kg, with its AR6 GWP100 characterisation."""

    code: str
    name: str
    formula: str
    origin: Origin
    gwp100: float
    in_total: bool = True


GASES: tuple[Gas, ...] = (
    Gas("co2_fossil", "Carbon dioxide, fossil", "CO2", "fossil", 1.0),
    Gas("co2_biogenic", "Carbon dioxide, non-fossil (biogenic)", "CO2", "biogenic", 0.0, False),
    Gas("co2_land_use", "Carbon dioxide, from land-use change", "CO2", "land_use", 1.0),
    Gas("ch4_fossil", "Methane, fossil", "CH4", "fossil", 29.8),
    Gas("ch4_non_fossil", "Methane, non-fossil", "CH4", "biogenic", 27.0),
    Gas("n2o", "Dinitrogen monoxide", "N2O", "fossil", 273.0),
    Gas("sf6", "Sulfur hexafluoride", "SF6", "fossil", 25200.0),
    Gas("nf3", "Nitrogen trifluoride", "NF3", "fossil", 17400.0),
    Gas("cf4", "Tetrafluoromethane (PFC-14)", "CF4", "fossil", 7380.0),
    Gas("c2f6", "Hexafluoroethane (PFC-116)", "C2F6", "fossil", 12400.0),
    Gas("hfc_23", "HFC-23", "CHF3", "fossil", 14600.0),
    Gas("hfc_32", "HFC-32", "CH2F2", "fossil", 771.0),
    Gas("hfc_125", "HFC-125", "CHF2CF3", "fossil", 3740.0),
    Gas("hfc_134a", "HFC-134a", "CH2FCF3", "fossil", 1530.0),
    Gas("hfc_143a", "HFC-143a", "CH3CF3", "fossil", 5810.0),
    Gas("hfc_152a", "HFC-152a", "CH3CHF2", "fossil", 164.0),
    Gas("ghg_co2e_fossil", "Greenhouse gases, fossil, aggregated as CO2e", "CO2e", "fossil", 1.0),
    Gas(
        "ghg_co2e_biogenic",
        "Greenhouse gases, biogenic non-CO2, aggregated as CO2e",
        "CO2e",
        "biogenic",
        1.0,
    ),
    Gas(
        "ghg_co2e_land_use",
        "Greenhouse gases, land-use change, aggregated as CO2e",
        "CO2e",
        "land_use",
        1.0,
    ),
)

GAS_BY_CODE: dict[str, Gas] = {g.code: g for g in GASES}


def gas(code: str) -> Gas:
    """The gas with ``code``; KeyError names the code and the known codes."""
    try:
        return GAS_BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown gas {code!r}; known: {', '.join(sorted(GAS_BY_CODE))}") from None
