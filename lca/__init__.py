"""Product footprints with Brightway 2.5, offline, following the ledger's electricity.

Public API::

    compute_footprints(models, electricity_by_meter, data_dir) -> list[FootprintResult]
    format_contribution_table(result) -> str
    load_model(path) / parse_model(data) / example_models()
    MeterElectricity, Period                  # attribution input, filled by the lead
    from_technology_rows(period, rows, grid_wh)  # from the ledger's technology totals
    FootprintPublish.from_result(...); pact_fields(publish)
    setup_project(data_dir); load_background()

Heavy modules (bw2data, bw2calc) are imported lazily, inside functions.
"""

from __future__ import annotations

from lca.background import Background, Factor, load_background
from lca.calculate import compute_footprints
from lca.electricity import ElectricitySplit, MeterElectricity, Period, from_technology_rows
from lca.errors import (
    BackgroundDataError,
    BrightwayError,
    InvalidAttribution,
    InvalidModel,
    LcaError,
    MissingAttribution,
    UnknownMaterial,
    UnknownTechnology,
)
from lca.footprint import FootprintResult, Ghg, format_contribution_table
from lca.model import ProductModel, example_models, load_model, parse_model
from lca.project import setup_project
from lca.publish import FootprintPublish, pact_fields
from ledger import tanji_home  # the data directory is the ledger's (ledger.store.db)

__all__ = [
    "Background",
    "BackgroundDataError",
    "BrightwayError",
    "ElectricitySplit",
    "Factor",
    "FootprintPublish",
    "FootprintResult",
    "Ghg",
    "InvalidAttribution",
    "InvalidModel",
    "LcaError",
    "MeterElectricity",
    "MissingAttribution",
    "Period",
    "ProductModel",
    "UnknownMaterial",
    "UnknownTechnology",
    "compute_footprints",
    "example_models",
    "format_contribution_table",
    "from_technology_rows",
    "load_background",
    "load_model",
    "pact_fields",
    "parse_model",
    "setup_project",
    "tanji_home",
]
