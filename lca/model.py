"""Product models: data, not code.

A product model is a YAML or JSON document (the same shape the HTTP API will
accept) validated here with pydantic. It describes one product over one
reference period:

- ``product``: name, ids, declared unit (PACT v3 unit and amount) and the
  product mass per declared unit;
- ``reference_period`` ``[start, end)`` and ``geography``;
- ``processes``: each with an output, a life-cycle ``stage``, inputs (a
  background factor, another process of the model, or a supplier footprint),
  direct and process emissions, optional co-products with mass or economic
  allocation, and optional metered electricity (a set of meters with the
  product's share of their consumption over the period, plus the process
  output over the period);
- ``electricity_factors``: optionally, the grid region of the metered
  electricity (default: the geography's subdivision, else its country). The
  factors themselves are not the model's to choose: they come from the
  ledger's one factor table by region and by the period's year
  (``ledger.grid_factors``), as in the meter reports and the park accounts.

Amounts are per unit of the process output. ``reference_process`` produces the
product; its output unit must convert to the declared unit (``t`` to
``kilogram``, for instance).

Parse only through :func:`parse_model` / :func:`load_model`; errors are
``InvalidModel`` naming the offending field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import rfc8785
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from lca.errors import InvalidModel
from lca.gases import GAS_BY_CODE
from lca.units import PACT_UNITS, known_unit

SCHEMA = "tanji.product-model/1"

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", max_length=120)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DeclaredUnit(_Strict):
    """PACT v3 ``declaredUnitOfMeasurement`` and ``declaredUnitAmount``."""

    unit: Literal[
        "kilogram",
        "liter",
        "cubic meter",
        "kilowatt hour",
        "megajoule",
        "ton kilometer",
        "square meter",
        "piece",
    ]
    amount: Positive


class Product(_Strict):
    name: str = Field(min_length=1)
    ids: list[str] = Field(default_factory=list)
    classifications: list[str] = Field(default_factory=list)
    declared_unit: DeclaredUnit
    mass_per_declared_unit_kg: Positive
    fossil_carbon_content_kg_per_declared_unit: NonNegative = 0.0


class ReferencePeriod(_Strict):
    """A half-open reference period ``[start, end)``."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> ReferencePeriod:
        if self.end <= self.start:
            raise ValueError(f"period end {self.end} is not after start {self.start}")
        return self


class Geography(_Strict):
    country: str = Field(pattern=r"^[A-Z]{2}$")
    subdivision: str | None = Field(default=None, pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
    region: str | None = None


class Quantity(_Strict):
    amount: Positive
    unit: str

    @field_validator("unit")
    @classmethod
    def _known(cls, v: str) -> str:
        if not known_unit(v):
            raise ValueError(f"unknown unit {v!r}")
        return v


class PactFootprintExcerpt(_Strict):
    """The part of a supplier's PACT v3 ``ProductFootprint.pcf`` Tanji uses."""

    product_footprint_id: str | None = Field(default=None, alias="id")
    company_name: str | None = Field(default=None, alias="companyName")
    declared_unit_of_measurement: Literal[
        "kilogram",
        "liter",
        "cubic meter",
        "kilowatt hour",
        "megajoule",
        "ton kilometer",
        "square meter",
        "piece",
    ] = Field(alias="declaredUnitOfMeasurement")
    declared_unit_amount: Positive = Field(alias="declaredUnitAmount")
    pcf_excluding_biogenic_uptake: float = Field(alias="pcfExcludingBiogenicUptake")
    fossil_ghg_emissions: NonNegative = Field(alias="fossilGhgEmissions")
    land_use_change_ghg_emissions: NonNegative = Field(default=0.0, alias="landUseChangeGhgEmissions")
    primary_data_share: Annotated[float, Field(ge=0, le=100)] = Field(default=0.0, alias="primaryDataShare")
    reference_period_end: str | None = Field(default=None, alias="referencePeriodEnd")


class CertificateReference(_Strict):
    """A Tanji footprint certificate of a supplier: its figures, as the certificate states them.

    Build it with ``certificates.supplier.supplier_input``, which verifies the certificate offline
    first; on the ledger a ``footprint.model`` carrying it is refused unless the certificate is
    issued there, not revoked, and certifies exactly these figures (``sha256``: the certificate's
    content digest, as ``certificate.issue`` recorded it).
    """

    certificate_id: str
    issuer: str
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    unit: str
    amount: Positive = 1.0
    total_kg_co2e: NonNegative
    fossil_kg_co2e: NonNegative
    biogenic_kg_co2e: NonNegative = 0.0
    land_use_kg_co2e: NonNegative = 0.0
    primary_data_share: Annotated[float, Field(ge=0, le=100)] = 0.0

    @model_validator(mode="after")
    def _adds_up(self) -> CertificateReference:
        parts = self.fossil_kg_co2e + self.biogenic_kg_co2e + self.land_use_kg_co2e
        if abs(parts - self.total_kg_co2e) > 1e-9 * max(1.0, self.total_kg_co2e):
            raise ValueError(
                f"fossil + biogenic + land use = {parts} differs from total {self.total_kg_co2e}"
            )
        return self


class SupplierFootprint(_Strict):
    """Exactly one of a PACT excerpt or a Tanji certificate reference."""

    pact: PactFootprintExcerpt | None = None
    certificate: CertificateReference | None = None
    supplier: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SupplierFootprint:
        if (self.pact is None) == (self.certificate is None):
            raise ValueError("a supplier footprint needs exactly one of 'pact' or 'certificate'")
        return self


class Input(_Strict):
    """A material or energy input per unit of the process output."""

    id: Id
    amount: NonNegative
    unit: str
    background: str | None = None
    process: Id | None = None
    supplier: SupplierFootprint | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Input:
        given = [x for x in (self.background, self.process, self.supplier) if x is not None]
        if len(given) != 1:
            raise ValueError(f"input {self.id!r} needs exactly one of 'background', 'process', 'supplier'")
        if not known_unit(self.unit):
            raise ValueError(f"input {self.id!r} has unknown unit {self.unit!r}")
        return self


class Emission(_Strict):
    """A direct or process emission to air, kg per unit of the process output."""

    gas: str
    amount: NonNegative
    primary: bool = True
    note: str | None = None

    @field_validator("gas")
    @classmethod
    def _known_gas(cls, v: str) -> str:
        if v not in GAS_BY_CODE:
            raise ValueError(f"unknown gas {v!r}; known: {', '.join(sorted(GAS_BY_CODE))}")
        return v


class CoProduct(_Strict):
    name: str
    amount: Positive
    unit: str
    price_per_unit: NonNegative | None = None


class Allocation(_Strict):
    method: Literal["mass", "economic"]
    main_price_per_unit: NonNegative | None = None
    co_products: list[CoProduct] = Field(min_length=1)

    @model_validator(mode="after")
    def _prices(self) -> Allocation:
        if self.method == "economic":
            if self.main_price_per_unit is None:
                raise ValueError("economic allocation needs main_price_per_unit")
            for c in self.co_products:
                if c.price_per_unit is None:
                    raise ValueError(f"economic allocation needs a price for {c.name!r}")
        return self


class MeterShare(_Strict):
    meter: Id
    share: Annotated[float, Field(gt=0, le=1)]


class MeteredElectricity(_Strict):
    """Electricity from ledger meters over the reference period.

    kWh per unit of output = sum(meter Wh x share) / 1000 / output_over_period.
    """

    meters: list[MeterShare] = Field(min_length=1)
    output_over_period: Positive

    @field_validator("meters")
    @classmethod
    def _unique(cls, v: list[MeterShare]) -> list[MeterShare]:
        ids = [m.meter for m in v]
        if len(set(ids)) != len(ids):
            raise ValueError(f"meter listed twice in {ids}")
        return v


class Process(_Strict):
    id: Id
    name: str
    stage: str = Field(min_length=1)
    output: Quantity
    inputs: list[Input] = Field(default_factory=list)
    emissions: list[Emission] = Field(default_factory=list)
    allocation: Allocation | None = None
    electricity: MeteredElectricity | None = None

    @model_validator(mode="after")
    def _unique_inputs(self) -> Process:
        ids = [i.id for i in self.inputs]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"process {self.id!r} lists inputs {dupes} twice")
        return self


Region = Annotated[str, Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,9})*$", max_length=32)]


class ElectricityFactors(_Strict):
    """The grid region of the model's metered electricity (``CN``, ``CN-R-NORTH``, ``CN-NM`` …).

    Grid factors are looked up in the ledger's factor table by this region and the
    period's year; a model cannot name factors of its own (the same kWh gets the same
    factor in every output).
    """

    region: Region | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_factor_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and {"location_based", "market_unclaimed"} & data.keys():
            raise ValueError(
                "location_based / market_unclaimed are no longer accepted: grid factors come from the "
                "ledger's factor table by region and year (give electricity_factors.region, or none to "
                "use the geography)"
            )
        return data


class DataQuality(_Strict):
    """PACT v3 ``dqi`` ratings, 1 (best) to 5."""

    technological: Annotated[float, Field(ge=1, le=5)]
    geographical: Annotated[float, Field(ge=1, le=5)]
    temporal: Annotated[float, Field(ge=1, le=5)]


class ProductModel(_Strict):
    schema_: Literal["tanji.product-model/1"] = Field(alias="schema")
    id: Id
    product: Product
    reference_period: ReferencePeriod
    geography: Geography
    reference_process: Id
    electricity_factors: ElectricityFactors | None = None
    processes: list[Process] = Field(min_length=1)
    data_quality: DataQuality | None = None
    boundary: str = "cradle-to-gate"
    notes: str | None = None

    @model_validator(mode="after")
    def _references(self) -> ProductModel:
        ids = [p.id for p in self.processes]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"process ids {dupes} are used twice")
        if self.reference_process not in ids:
            raise ValueError(f"reference_process {self.reference_process!r} is not one of {ids}")
        for p in self.processes:
            for i in p.inputs:
                if i.process is not None and i.process not in ids:
                    raise ValueError(
                        f"input {i.id!r} of process {p.id!r} names unknown process {i.process!r}"
                    )
                if i.process == p.id:
                    raise ValueError(f"process {p.id!r} consumes its own output")
        return self

    @property
    def grid_region(self) -> str:
        """The grid region of the metered electricity: given, else the subdivision, else the country."""
        given = self.electricity_factors.region if self.electricity_factors else None
        return given or self.geography.subdivision or self.geography.country

    def process(self, process_id: str) -> Process:
        for p in self.processes:
            if p.id == process_id:
                return p
        raise InvalidModel(f"model {self.id!r} has no process {process_id!r}")

    @cached_property
    def canonical_bytes(self) -> bytes:
        """:meth:`canonical_json`, computed once (the model is frozen; the ledger re-computes
        footprints from the same model many times)."""
        return rfc8785.dumps(self.model_dump(mode="json", by_alias=True, exclude_none=True))

    def canonical_json(self) -> bytes:
        """RFC 8785 canonical JSON of the model (the bytes that get hashed)."""
        return self.canonical_bytes

    @cached_property
    def sha256_hex(self) -> str:
        """:meth:`sha256`, computed once."""
        return hashlib.sha256(self.canonical_bytes).hexdigest()

    def sha256(self) -> str:
        """Hex SHA-256 of :meth:`canonical_json`."""
        return self.sha256_hex


def parse_model(data: Any) -> ProductModel:
    """Validate a decoded document (dict) as a product model."""
    try:
        return ProductModel.model_validate(data)
    except ValidationError as e:
        errors = "; ".join(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors())
        model_id = data.get("id") if isinstance(data, dict) else None
        raise InvalidModel(f"product model {model_id!r} is invalid: {errors}", model_id=model_id) from e


def load_model(path: Path) -> ProductModel:
    """Read a product model from a ``.yaml``/``.yml`` or ``.json`` file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidModel(f"cannot read product model {str(path)!r}: {e}") from e
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise InvalidModel(f"product model {str(path)!r} is not valid YAML/JSON: {e}") from e
    return parse_model(data)


EXAMPLE_MODELS_DIR = Path(__file__).parent / "data" / "models"


def example_models() -> list[ProductModel]:
    """The example park models shipped under ``lca/data/models``."""
    return [load_model(p) for p in sorted(EXAMPLE_MODELS_DIR.glob("*.yaml"))]


MODELS_DIR = "models"


def default_models(data_dir: Path) -> list[ProductModel]:
    """The product models kept in ``<data_dir>/models`` (``*.yaml``, ``*.yml``, ``*.json``; the demo
    writes its models there), else the shipped examples."""
    here = Path(data_dir) / MODELS_DIR
    files = (
        sorted(p for p in here.glob("*") if p.suffix in (".yaml", ".yml", ".json")) if here.is_dir() else []
    )
    return [load_model(p) for p in files] if files else example_models()


__all__ = [
    "MODELS_DIR",
    "PACT_UNITS",
    "SCHEMA",
    "ProductModel",
    "Process",
    "Input",
    "Emission",
    "Allocation",
    "MeteredElectricity",
    "SupplierFootprint",
    "ReferencePeriod",
    "example_models",
    "default_models",
    "load_model",
    "parse_model",
]
