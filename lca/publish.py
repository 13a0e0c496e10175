"""Record-ready footprints: the ``footprint.publish`` payload and its PACT v3 fields.

:class:`FootprintPublish` is the payload of a future ``footprint.publish``
ledger entry (the lead registers the kind). It is built only through
:meth:`FootprintPublish.from_result` and hashed through its RFC 8785 canonical
bytes. :func:`pact_fields` derives the PACT Technical Specification v3
``ProductFootprint`` / ``pcf`` properties from it (decimals as strings, as v3
types them).

Biogenic carbon: Tanji does not model biogenic CO2 uptake yet, so
``pcfIncludingBiogenicUptake`` equals ``pcfExcludingBiogenicUptake`` and
``biogenicCO2Uptake`` is not given; biogenic CO2 emissions are reported apart
(``biogenic_co2_kg``) and are not in either total.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType
from zoneinfo import ZoneInfo

import rfc8785
from pydantic import BaseModel, ConfigDict, Field

from lca.background import GridChoice
from lca.footprint import FootprintResult, Ghg
from lca.gases import METHOD_NAME
from lca.model import ProductModel

Sha256Hex = NewType("Sha256Hex", str)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISH_SCHEMA = "tanji.footprint.publish/1"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GhgFigures(_Frozen):
    """kg CO2e per declared unit; ``biogenic_co2_kg`` is kg CO2, not in ``total``."""

    total: float
    fossil: float
    biogenic: float
    land_use: float
    biogenic_co2_kg: float

    @classmethod
    def of(cls, g: Ghg) -> GhgFigures:
        return cls(
            total=g.total,
            fossil=g.fossil,
            biogenic=g.biogenic,
            land_use=g.land_use,
            biogenic_co2_kg=g.biogenic_co2,
        )


class StageFigures(_Frozen):
    stage: str
    market: float
    location: float


class ElectricityFigures(_Frozen):
    """Metered electricity per declared unit and how the ledger attributed it.

    ``hourly_matched_kwh``: the part matched hour by hour with direct or contracted generation
    (``ledger.hourly_matched_wh`` of the run's rows × the meter shares); absent when the
    electricity did not come from committed result rows.
    """

    total_kwh: float
    claimable_green_kwh: float
    direct_physical_kwh: float
    contracted_kwh: float
    certificate_kwh: float
    grid_kwh: float
    hourly_matched_kwh: float | None = None


class FootprintResults(_Frozen):
    """``supplier_declared_share``: the share of the market-based total that rests on figures a
    supplier declared (PACT footprints of purchased inputs), 0..1; None when the total is not positive
    or in footprints published before issue 14."""

    market: GhgFigures
    location: GhgFigures
    by_stage: list[StageFigures]
    electricity: ElectricityFigures
    supplier_declared_share: float | None = None


class GridFactorFigure(_Frozen):
    """One grid factor a footprint used: background key, the region and year used, kgCO2/kWh, source."""

    key: str
    region: str
    year: int
    kg_co2_per_kwh: float
    source: str
    status: str


class GridFactorsFigures(_Frozen):
    """The grid factors of the metered electricity: the region and period year asked, what was used."""

    region: str
    period_year: int
    location: GridFactorFigure
    market_unclaimed: GridFactorFigure
    notes: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, grid: GridChoice) -> GridFactorsFigures:
        chosen = grid.ledger_choice
        pairs = ((grid.location, chosen.location), (grid.market_unclaimed, chosen.residual))
        loc, mkt = (
            GridFactorFigure(
                key=bg.key,
                region=lf.region,
                year=lf.year,
                kg_co2_per_kwh=float(lf.value or 0.0),
                source=lf.source,
                status=lf.status,
            )
            for bg, lf in pairs
        )
        return cls(
            region=grid.region,
            period_year=grid.year,
            location=loc,
            market_unclaimed=mkt,
            notes=list(chosen.notes),
        )


class DqiFigures(_Frozen):
    technological: float
    geographical: float
    temporal: float


class FootprintPublish(_Frozen):
    """Payload of a ``footprint.publish`` ledger entry."""

    schema_: Literal["tanji.footprint.publish/1"] = Field(default="tanji.footprint.publish/1", alias="schema")
    product_id: str
    product_name: str
    product_ids: list[str]
    product_classifications: list[str]
    period_start: dt.date
    period_end: dt.date
    lot: str | None = None
    geography_country: str
    geography_subdivision: str | None
    declared_unit: str
    declared_unit_amount: float
    mass_per_declared_unit_kg: float
    fossil_carbon_content_kg: float
    boundary: str
    method: str = METHOD_NAME
    results: FootprintResults
    primary_data_share: Annotated[float, Field(ge=0, le=100)]
    dqi: DqiFigures | None
    model_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    attribution_run_seq: int | None
    background_version: str
    unverified_factors: list[str]
    # absent in footprints published before issue 13 (then the model named its grid factors)
    grid_factors: GridFactorsFigures | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @classmethod
    def from_result(
        cls,
        result: FootprintResult,
        model: ProductModel,
        *,
        attribution_run_seq: int | None = None,
        lot: str | None = None,
        hourly_matched_kwh: float | None = None,
    ) -> FootprintPublish:
        """The payload for ``result`` of ``model``; ValueError if they do not match.

        ``hourly_matched_kwh`` per declared unit comes from the run's rows (``lca.recompute``).
        """
        if model.sha256() != result.model_sha256:
            raise ValueError(
                f"result of model {result.product_id!r} (sha256 {result.model_sha256[:12]}…) "
                f"does not match model {model.id!r} (sha256 {model.sha256()[:12]}…)"
            )
        e = result.electricity
        dq = model.data_quality
        return cls(
            product_id=model.id,
            product_name=model.product.name,
            product_ids=list(model.product.ids),
            product_classifications=list(model.product.classifications),
            period_start=model.reference_period.start,
            period_end=model.reference_period.end,
            lot=lot,
            geography_country=model.geography.country,
            geography_subdivision=model.geography.subdivision,
            declared_unit=model.product.declared_unit.unit,
            declared_unit_amount=model.product.declared_unit.amount,
            mass_per_declared_unit_kg=model.product.mass_per_declared_unit_kg,
            fossil_carbon_content_kg=model.product.fossil_carbon_content_kg_per_declared_unit,
            boundary=model.boundary,
            results=FootprintResults(
                market=GhgFigures.of(result.market),
                location=GhgFigures.of(result.location),
                by_stage=[
                    StageFigures(stage=s.stage, market=s.market.total, location=s.location.total)
                    for s in result.by_stage
                ],
                electricity=ElectricityFigures(
                    total_kwh=e.total_kwh,
                    claimable_green_kwh=e.claimable_green_kwh,
                    direct_physical_kwh=e.direct_physical_kwh,
                    contracted_kwh=e.contracted_kwh,
                    certificate_kwh=e.certificate_kwh,
                    grid_kwh=e.grid_kwh,
                    hourly_matched_kwh=hourly_matched_kwh,
                ),
                supplier_declared_share=supplier_declared_share(result, model),
            ),
            primary_data_share=round(result.primary_data_share, 6),
            dqi=None
            if dq is None
            else DqiFigures(
                technological=dq.technological, geographical=dq.geographical, temporal=dq.temporal
            ),
            model_sha256=result.model_sha256,
            attribution_run_seq=attribution_run_seq,
            background_version=result.background_version,
            unverified_factors=list(result.unverified_factors),
            grid_factors=None if result.grid is None else GridFactorsFigures.of(result.grid),
        )

    def canonical_json(self) -> bytes:
        """RFC 8785 canonical bytes of the payload (what the ledger hashes and signs)."""
        return rfc8785.dumps(self.model_dump(mode="json", by_alias=True))

    def sha256(self) -> Sha256Hex:
        return Sha256Hex(hashlib.sha256(self.canonical_json()).hexdigest())


def supplier_declared_share(result: FootprintResult, model: ProductModel) -> float | None:
    """The share of ``result``'s market-based total resting on supplier-declared figures: the
    contributions of purchased inputs that carry a PACT footprint (a Tanji certificate's figure is
    verified, not declared). None when the total is not positive."""
    declared = {
        (p.id, i.id)
        for p in model.processes
        for i in p.inputs
        if i.supplier is not None and i.supplier.pact is not None
    }
    total = result.market.total
    if total <= 0:
        return None
    part = sum(
        i.market.total
        for i in result.by_input
        if i.kind == "supplier" and (i.process_id, i.label) in declared
    )
    return part / total


def _dec(x: float, places: int = 6) -> str:
    """A PACT v3 decimal string: fixed point, at most ``places`` decimals, no exponent."""
    q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-places))
    text = format(q.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _utc_midnight(day: dt.date) -> str:
    """Midnight of ``day`` in Asia/Shanghai, as a UTC timestamp."""
    local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=SHANGHAI)
    return local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pact_fields(publish: FootprintPublish) -> dict[str, Any]:
    """PACT v3 fields derivable from ``publish``: ``productFootprint`` and ``pcf``.

    Reference period: Tanji's half-open ``[start, end)`` calendar days in
    Asia/Shanghai become ``referencePeriodStart``/``End`` UTC instants. The
    market-based result is the PCF; the location-based one is in
    ``extensions``-ready form under ``tanji`` for the API to attach.
    """
    p = publish
    m = p.results.market
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": p.declared_unit,
        "declaredUnitAmount": _dec(p.declared_unit_amount),
        "productMassPerDeclaredUnit": _dec(p.mass_per_declared_unit_kg),
        "referencePeriodStart": _utc_midnight(p.period_start),
        "referencePeriodEnd": _utc_midnight(p.period_end),
        "boundaryProcessesDescription": "; ".join(s.stage for s in p.results.by_stage),
        "pcfExcludingBiogenicUptake": _dec(m.total),
        "pcfIncludingBiogenicUptake": _dec(m.total),
        "fossilGhgEmissions": _dec(m.fossil),
        "fossilCarbonContent": _dec(p.fossil_carbon_content_kg),
        "biogenicNonCO2Emissions": _dec(m.biogenic),
        "landUseChangeGhgEmissions": _dec(m.land_use),
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067", "GHGP-Product", "PACT-3.0"],
        "exemptedEmissionsPercent": "0",
        "packagingEmissionsIncluded": False,
        "primaryDataShare": _dec(p.primary_data_share, 2),
        "secondaryEmissionFactorSources": [
            {"name": "Tanji background data", "version": p.background_version}
        ],
    }
    # PACT v3 takes exactly one geographic granularity: the most specific one known
    if p.geography_subdivision:
        pcf["geographyCountrySubdivision"] = p.geography_subdivision
    else:
        pcf["geographyCountry"] = p.geography_country
    if p.dqi is not None:
        pcf["dqi"] = {
            "technologicalDQR": _dec(p.dqi.technological, 2),
            "geographicalDQR": _dec(p.dqi.geographical, 2),
            "temporalDQR": _dec(p.dqi.temporal, 2),
        }
    product: dict[str, Any] = {
        "productNameCompany": p.product_name,
        "productDescription": f"{p.product_name}, {p.boundary}",
        "productIds": list(p.product_ids),
    }
    if p.product_classifications:
        product["productClassifications"] = list(p.product_classifications)
    return {
        "productFootprint": product,
        "pcf": pcf,
        "tanji": {
            "locationBasedPcf": _dec(p.results.location.total),
            "biogenicCO2EmissionsKg": _dec(m.biogenic_co2_kg),
            "claimableGreenElectricityKwh": _dec(p.results.electricity.claimable_green_kwh),
            "electricityKwh": _dec(p.results.electricity.total_kwh),
            "modelSha256": p.model_sha256,
            "attributionRunSeq": p.attribution_run_seq,
        },
    }
