"""Park accounting on small hand-computed parks: tce (equivalent value), t CO2, class boundaries, verdicts."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from importlib import resources
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import grid_factors, load_factors
from ledger.errors import NotFound, RuleViolation
from park.accounting import (
    ElectricityYear,
    GridFactor,
    ParkAccount,
    account_park,
    core_indicator,
    guidance_indicators,
    verdict,
)
from park.coefficients import ParkData, load_park_data
from park.records import (
    CarbonSink,
    Ccus,
    FuelUse,
    Heat,
    ProcessEmission,
    ProductEnergy,
    ResourceUse,
    StoredRecord,
    grade_of,
)
from park.report import grid_factor_for

D = Decimal
YEAR = 2025
GRID = GridFactor(D("0.5"), "TEST", 2025, "residual", "test", "confirmed")


def _shipped_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        resources.files("park").joinpath("data", "park_indicators.json").read_text()
    )
    return doc


def _test_data(**flags: bool) -> ParkData:
    """The shipped file with round coefficients a hand calculation can follow."""
    doc = copy.deepcopy(_shipped_doc())
    doc["fuels"] = {
        # 21 x 0.025 x 0.96 x 44/12 = 1.848 t CO2 per t
        "coal_x": {
            "name_zh": "煤",
            "unit": "t",
            "tce_per_unit": "0.7",
            "ncv_gj_per_unit": "21",
            "carbon_tc_per_gj": "0.025",
            "oxidation": "0.96",
            "clean": False,
            "source_tce": "tanji",
            "source_co2": "tanji",
            "status": "confirmed",
        },
        # 0.036 x 0.0125 x 1 x 44/12 = 0.00165 t CO2 per Nm3
        "gas_x": {
            "name_zh": "气",
            "unit": "Nm3",
            "tce_per_unit": "0.001",
            "ncv_gj_per_unit": "0.036",
            "carbon_tc_per_gj": "0.0125",
            "oxidation": "1",
            "clean": True,
            "source_tce": "tanji",
            "source_co2": "tanji",
            "status": "confirmed",
        },
        # 1 tce per t and no CO2: sets a park's energy exactly
        "ref": {
            "name_zh": "参考",
            "unit": "t",
            "tce_per_unit": "1",
            "ncv_gj_per_unit": "0",
            "carbon_tc_per_gj": "0",
            "oxidation": "1",
            "clean": False,
            "source_tce": "tanji",
            "source_co2": "tanji",
            "status": "confirmed",
        },
    }
    doc["electricity"]["equivalent_kgce_per_kwh"]["values"] = [
        {"year": 2025, "value": "0.3", "source": "tanji", "status": "confirmed"}
    ]
    doc["heat"]["tce_per_gj"]["value"] = "0.03412"
    doc["heat"]["tco2_per_gj"]["value"] = "0.11"
    for name, value in flags.items():
        doc["accounting"][name]["value"] = value
    return ParkData.from_json(doc)


def _rec(payload: Any, enterprise: str | None = "E-1", seq: int = 1) -> StoredRecord:
    return StoredRecord(seq, "x", enterprise, payload)


def _fuel(
    fuel: str,
    quantity: str,
    unit: str = "t",
    use: Literal["combustion", "feedstock"] = "combustion",
    enterprise: str = "E-1",
) -> StoredRecord:
    return _rec(
        FuelUse(park="P", enterprise=enterprise, year=YEAR, fuel=fuel, quantity=quantity, unit=unit, use=use),
        enterprise,
    )


def _process(t: str) -> StoredRecord:
    return _rec(ProcessEmission(park="P", enterprise="E-1", year=YEAR, process="anode", gas="CO2", tco2e=t))


def _park_a() -> tuple[list[StoredRecord], dict[str, ElectricityYear]]:
    records = [
        _fuel("gas_x", "10000000", "Nm3"),
        _fuel("coal_x", "5000"),
        _rec(Heat(park="P", enterprise="E-1", year=YEAR, direction="purchased", gj="100000")),
        _rec(Heat(park="P", enterprise="E-1", year=YEAR, direction="sold", gj="20000")),
        _process("1000"),
        _rec(Ccus(park="P", enterprise="E-1", year=YEAR, facility="cc-1", captured_t="600", stored_t="500")),
    ]
    el = {
        "E-1": ElectricityYear(
            consumption_wh=10**12,
            direct_wh=700 * 10**9,
            claimable_direct_wh=700 * 10**9,
            contracted_wh=150 * 10**9,
            certificate_wh=100 * 10**9,
            grid_wh=50 * 10**9,
        )
    }
    return records, el


def test_hand_computed_park_energy_and_emissions() -> None:
    data = _test_data()
    records, el = _park_a()
    a = account_park(records, el, data, GRID, YEAR)
    # Electricity 1e12 Wh = 1e9 kWh x 0.3 kgce/kWh = 300,000 tce; at 0.1229 (当量值) = 122,900 tce.
    assert a.electricity_tce == D("300000")
    assert a.electricity_tce_calorific == D("122900")
    assert a.fuel_tce == D("10000") + D("3500")
    # Heat: (100,000 - 20,000) GJ x 0.03412 = 2,729.6 tce.
    assert a.heat_tce == D("2729.6")
    assert a.energy_tce == D("316229.6")
    # Unclaimed electricity: grid 50e9 Wh x 0.5 kg/kWh = 25,000 t.
    assert a.electricity_t == D("25000")
    assert a.fuel_t == D("16500") + D("9240")
    assert a.heat_t == D("8800")
    assert a.process_t == D("1000")
    assert a.gross_t == D("60540")
    assert a.deducted_t == D("500") and a.net_t == D("60040")
    # Clean: claimable green 950e9 Wh x 0.3 = 285,000 tce plus natural gas 10,000 tce.
    assert a.clean_tce == D("295000")
    assert a.carbon_per_energy == D("60040") / D("316229.6")


def test_hand_computed_park_indicators() -> None:
    data = _test_data()
    records, el = _park_a()
    records += [
        _rec(
            ResourceUse(park="P", year=YEAR, indicator="solid_waste", total="1000", used="800", unit="t"),
            None,
        ),
        _rec(
            ResourceUse(
                park="P", enterprise="E-1", year=YEAR, indicator="water", total="100", used="79", unit="m3"
            )
        ),
        _rec(
            ProductEnergy(
                park="P",
                enterprise="E-1",
                year=YEAR,
                product="Al ingot",
                standard="GB 21346",
                output="1000",
                output_unit="t",
                unit_energy="13000",
                unit_energy_unit="kWh/t",
                grade=2,
            )
        ),
    ]
    a = account_park(records, el, data, GRID, YEAR)
    core = core_indicator(a, "national", data)
    assert core.threshold == D("0.20") and core.verdict == "pass"
    got = {g.indicator_id: g for g in guidance_indicators(a, records, "national", data)}
    assert set(got) == {
        "clean_energy_share",
        "product_unit_energy",
        "solid_waste_use",
        "waste_energy_use",
        "water_reuse",
    }
    assert got["clean_energy_share"].value == D("295000") / D("316229.6")
    assert got["clean_energy_share"].verdict == "pass"
    assert (
        got["solid_waste_use"].value == D("0.8") and got["solid_waste_use"].verdict == "pass"
    )  # 80 % exactly
    assert got["water_reuse"].value == D("0.79") and got["water_reuse"].verdict == "fail"
    assert got["waste_energy_use"].verdict == "no_data"
    assert got["product_unit_energy"].value == D(2) and got["product_unit_energy"].verdict == "pass"


def test_autonomous_region_list_adds_indicators_without_invented_thresholds() -> None:
    data = _test_data()
    records, el = _park_a()
    records.append(
        _rec(CarbonSink(park="P", year=YEAR, sink="forest", site="north", tco2="250", method="CM-x"), None)
    )
    records.append(
        _rec(
            ResourceUse(
                park="P", enterprise="E-1", year=YEAR, indicator="bulk_cargo", total="10", used="9", unit="t"
            )
        )
    )
    a = account_park(records, el, data, GRID, YEAR)
    core = core_indicator(a, "autonomous_region", data)
    assert core.threshold is None and core.verdict == "no_threshold"
    assert core_indicator(a, "autonomous_region", data, threshold=D("0.5")).verdict == "pass"
    got = {
        g.indicator_id: g
        for g in guidance_indicators(
            a, records, "autonomous_region", data, thresholds={"clean_bulk_transport": D("0.95")}
        )
    }
    assert got["ccus_or_sinks"].value == D("750") and got["ccus_or_sinks"].verdict == "no_threshold"
    assert got["equipment_efficiency"].verdict == "no_data"
    assert (
        got["clean_bulk_transport"].verdict == "fail" and got["clean_bulk_transport"].status == "configured"
    )
    assert "clean_energy_share" in got  # the national five stay


def _class_park(tce: int, tco2: int) -> ParkAccount:
    return account_park([_fuel("ref", str(tce)), _process(str(tco2))], {}, _test_data(), GRID, YEAR)


@pytest.mark.parametrize(
    ("tce", "tco2", "threshold", "want"),
    [
        (199_999, 0, None, "no_threshold"),  # under 200,000 tce: no national class
        (200_000, 40_000, D("0.20"), "pass"),  # the lower bound is in the first class; 0.20 exactly passes
        (200_000, 40_001, D("0.20"), "fail"),
        (999_999, 200_000, D("0.20"), "fail"),  # just under 1,000,000: still the 0.20 class
        (1_000_000, 300_000, D("0.30"), "pass"),  # 1,000,000 exactly: the >= 1,000,000 class
        (1_000_000, 300_001, D("0.30"), "fail"),
    ],
)
def test_core_class_boundaries(tce: int, tco2: int, threshold: Decimal | None, want: str) -> None:
    result = core_indicator(_class_park(tce, tco2), "national", _test_data())
    assert (result.threshold, result.verdict) == (threshold, want)


def test_core_without_electricity_is_no_data() -> None:
    a = account_park([_fuel("ref", "300000")], None, _test_data(), GRID, YEAR)
    assert core_indicator(a, "national", _test_data()).verdict == "no_data"
    assert {g.indicator_id: g.verdict for g in guidance_indicators(a, [], "national", _test_data())} == {
        "clean_energy_share": "no_data",
        "product_unit_energy": "no_data",
        "solid_waste_use": "no_data",
        "waste_energy_use": "no_data",
        "water_reuse": "no_data",
    }


def test_green_treatment_unclaimable_direct_and_captive_fossil() -> None:
    # 100 MWh direct of which 40 claimable, 100 MWh grid of which 30 from a captive coal unit.
    el = ElectricityYear(
        consumption_wh=200_000_000,
        direct_wh=100_000_000,
        claimable_direct_wh=40_000_000,
        grid_wh=100_000_000,
        captive_fossil_wh=30_000_000,
    )
    a = account_park([], {"E-1": el}, _test_data(), GRID, YEAR)
    assert el.unclaimed_wh == 130_000_000
    assert a.electricity_t == D("65")  # 130 MWh x 0.5 t/MWh
    assert a.electricity_tce == D("51")  # (200 - 30) MWh x 0.3 tce/MWh
    assert a.clean_tce == D("12")  # 40 MWh x 0.3


def test_feedstock_counts_energy_not_combustion_co2() -> None:
    a = account_park([_fuel("coal_x", "100", use="feedstock")], {}, _test_data(), GRID, YEAR)
    assert (a.fuel_tce, a.fuel_t) == (D("70"), D("0"))


def test_unit_scale_kg_and_1e4nm3() -> None:
    a = account_park(
        [_fuel("coal_x", "1000", "kg"), _fuel("gas_x", "1", "1e4Nm3", enterprise="E-2")],
        {},
        _test_data(),
        GRID,
        YEAR,
    )
    assert a.fuel_tce == D("0.7") + D("10")
    assert a.fuel_t == D("1.848") + D("16.5")
    assert {s.enterprise: s.energy_tce for s in a.by_enterprise} == {"E-1": D("0.7"), "E-2": D("10")}


def test_net_exported_heat_is_no_credit_unless_configured() -> None:
    sold = [_rec(Heat(park="P", enterprise="E-1", year=YEAR, direction="sold", gj="1000"))]
    assert account_park(sold, {}, _test_data(), GRID, YEAR).heat_t == 0
    assert account_park(sold, {}, _test_data(net_negative_purchases=True), GRID, YEAR).heat_t == D("-110")


def test_sinks_deducted_only_when_the_file_says_so() -> None:
    sink = [
        _process("1000"),
        _rec(CarbonSink(park="P", year=YEAR, sink="forest", site="s", tco2="100", method="m"), None),
    ]
    assert account_park(sink, {}, _test_data(), GRID, YEAR).net_t == D("1000")
    assert account_park(sink, {}, _test_data(deduct_carbon_sinks=True), GRID, YEAR).net_t == D("900")


def test_product_grade_beyond_limit_fails() -> None:
    recs = [
        _rec(
            ProductEnergy(
                park="P",
                enterprise="E-1",
                year=YEAR,
                product=f"p{g}",
                standard="GB x",
                output="1",
                output_unit="t",
                unit_energy="1",
                unit_energy_unit="kgce/t",
                grade=g,
            )
        )
        for g in (1, 0)
    ]
    a = account_park(recs, {}, _test_data(), GRID, YEAR)
    product = next(
        g
        for g in guidance_indicators(a, recs, "national", _test_data())
        if g.indicator_id == "product_unit_energy"
    )
    assert product.verdict == "fail" and product.value == D(4)


def test_verdict_function() -> None:
    assert verdict(None, ">=", D(1)) == "no_data"
    assert verdict(D(1), ">=", None) == "no_threshold"
    assert verdict(D("0.9"), ">=", D("0.90")) == "pass"
    assert verdict(D("0.8999"), ">=", D("0.90")) == "fail"
    with pytest.raises(ValueError):
        verdict(D(1), "==", D(1))


def test_grade_of() -> None:
    limits = (D("12900"), D("13150"), D("13350"))
    assert [grade_of(D(v), limits) for v in ("12900", "12901", "13150", "13350", "13351")] == [1, 2, 2, 3, 0]
    with pytest.raises(ValueError):
        grade_of(D(1), (D(3), D(2), D(1)))


def test_electricity_year_invariants() -> None:
    with pytest.raises(ValueError, match="not the consumption"):
        ElectricityYear(consumption_wh=10, grid_wh=9)
    with pytest.raises(ValueError, match="claimable direct"):
        ElectricityYear(consumption_wh=10, direct_wh=5, claimable_direct_wh=6, grid_wh=5)
    with pytest.raises(ValueError, match="non-negative integer"):
        ElectricityYear(consumption_wh=-1, grid_wh=-1)
    total = ElectricityYear(10, grid_wh=10, source="a") + ElectricityYear(5, direct_wh=5, source="b")
    assert (total.consumption_wh, total.source) == (15, "a + b")


def test_records_of_another_year_are_refused() -> None:
    with pytest.raises(ValueError, match="not of 2024"):
        account_park([_fuel("ref", "1")], {}, _test_data(), GRID, 2024)


# -- the shipped data file ----------------------------------------------------------------------


def test_shipped_file_parses_and_marks_what_is_unconfirmed() -> None:
    data = load_park_data()
    assert data.calorific_kgce_per_kwh.value == D("0.1229")
    national = data.core["national"]
    assert [(c.min_tce, c.max_tce, c.max_value) for c in national.classes] == [
        (D(200000), D(1000000), D("0.20")),
        (D(1000000), None, D("0.30")),
    ]
    assert national.status == "confirmed"
    assert data.core["autonomous_region"].classes == ()
    assert {g.indicator_id: g.value for g in data.guidance["national"]} == {
        "clean_energy_share": D("0.90"),
        "product_unit_energy": D(2),
        "solid_waste_use": D("0.80"),
        "waste_energy_use": D("0.50"),
        "water_reuse": D("0.80"),
    }
    assert all(g.value is None and g.status == "not_published" for g in data.guidance["autonomous_region"])
    # 2025 is not published: the latest earlier year with a value is used, and it is unverified.
    coef = data.equivalent_coefficient(2025)
    assert (coef.year, coef.value, coef.status) == (2022, D("0.3007"), "unverified")
    with pytest.raises(NotFound):
        data.equivalent_coefficient(2019)
    # Raw coal: 20.908 GJ/t x 0.02637 tC/GJ x 0.94 x 44/12.
    coal = data.fuels["raw_coal"]
    assert coal.tco2_per_unit == D("20.908") * D("0.02637") * D("0.94") * 44 / D(12)


def test_shipped_grid_factor_comes_from_ledger_factors() -> None:
    """2025 takes the latest published national residual, 2023's (MEE/NBS 2023 factors), and says so."""
    f = grid_factor_for(load_park_data(), load_factors(), 2025)
    assert (f.region, f.kind, f.year, f.for_year, f.value) == ("CN", "residual", 2023, 2025, D("0.6096"))
    assert "2023年电力二氧化碳排放因子" in f.source
    assert any("2023's is used" in n for n in f.notes)
    same = grid_factors("CN", 2025).residual
    assert (same.year, D(str(same.value))) == (f.year, f.value)  # the ledger's one rule
    f22 = grid_factor_for(load_park_data(), load_factors(), 2022)
    assert (f22.year, f22.value, f22.notes) == (2022, D("0.5856"), ())


def _other_gas(gas: Literal["PFCs", "SF6", "N2O"], t: str, enterprise: str = "E-1") -> StoredRecord:
    return _rec(
        ProcessEmission(
            park="P", enterprise=enterprise, year=YEAR, process="anode effects", gas=gas, tco2e=t
        ),
        enterprise,
    )


def test_the_core_indicator_is_co2_only_and_other_gases_are_beside_it() -> None:
    """969号 annex 4: 碳排放 is CO2 only. PFCs and other gases are reported beside it, not in it."""
    data = _test_data()
    records, el = _park_a()
    co2_only = account_park(records, el, data, GRID, YEAR)
    extra = [
        _other_gas("PFCs", "30000"),
        _other_gas("SF6", "12.5", enterprise="E-2"),
        _other_gas("PFCs", "5"),
    ]
    both = account_park(records + extra, el, data, GRID, YEAR)
    assert both.carbon_per_energy == co2_only.carbon_per_energy == D("60040") / D("316229.6")
    assert (both.process_t, both.gross_t, both.net_t) == (D("1000"), D("60540"), D("60040"))
    assert both.non_co2_t == D("30017.5")
    assert both.non_co2_by_gas == (("PFCs", D("30005")), ("SF6", D("12.5")))
    assert both.with_other_gases_t == D("60040") + D("30017.5")
    shares = {s.enterprise: s for s in both.by_enterprise}
    assert (shares["E-1"].non_co2_t, shares["E-2"].non_co2_t) == (D("30005"), D("12.5"))
    assert sum((s.emissions_t for s in both.by_enterprise), D(0)) == both.gross_t
    core = core_indicator(both, "national", data)
    assert core.value == co2_only.carbon_per_energy
    assert any("PFCs 30005.000" in d and "not in it" in d for d in core.details)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["heat"]["tce_per_gj"].update(source="nowhere"),
        lambda d: d["heat"]["tco2_per_gj"].update(value=None),
        lambda d: d["fuels"]["diesel"].update(status="guessed"),
        lambda d: d["core"]["national"]["classes"][0].update(max_value="x"),
        lambda d: d.pop("electricity"),
    ],
)
def test_malformed_data_file_is_refused(mutate: Any) -> None:
    doc = copy.deepcopy(_shipped_doc())
    mutate(doc)
    with pytest.raises(RuleViolation) as e:
        ParkData.from_json(doc)
    assert e.value.code == "park.bad_data_file"


# -- properties ---------------------------------------------------------------------------------

_quantity = st.integers(min_value=0, max_value=10**9).map(lambda n: str(D(n) / 1000))
_fuel_record = st.builds(
    lambda fuel, q, who, month: _rec(
        FuelUse(
            park="P",
            enterprise=who,
            year=YEAR,
            month=month,
            fuel=fuel,
            quantity=q,
            unit="Nm3" if fuel == "gas_x" else "t",
        ),
        who,
    ),
    st.sampled_from(["coal_x", "gas_x", "ref"]),
    _quantity,
    st.sampled_from(["E-1", "E-2", "E-3"]),
    st.none() | st.integers(1, 12),
)
_electricity = st.builds(
    lambda d, c, cert, g, claim_pct: ElectricityYear(
        consumption_wh=d + c + cert + g,
        direct_wh=d,
        claimable_direct_wh=d * claim_pct // 100,
        contracted_wh=c,
        certificate_wh=cert,
        grid_wh=g,
    ),
    *(st.integers(0, 10**12) for _ in range(4)),
    st.integers(0, 100),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_fuel_record, max_size=12),
    st.lists(_fuel_record, max_size=12),
    st.dictionaries(st.sampled_from(["E-1", "E-2", ""]), _electricity, max_size=3),
)
def test_accounting_is_additive_and_shares_sum_to_totals(
    a: list[StoredRecord], b: list[StoredRecord], el: dict[str, ElectricityYear]
) -> None:
    data = _test_data()
    both = account_park(a + b, el, data, GRID, YEAR)
    first, second = account_park(a, el, data, GRID, YEAR), account_park(b, {}, data, GRID, YEAR)
    assert both.fuel_tce == first.fuel_tce + second.fuel_tce
    assert both.fuel_t == first.fuel_t + second.fuel_t
    assert both.energy_tce == first.energy_tce + second.energy_tce
    assert both.net_t == first.net_t + second.net_t
    # Without heat sales every tce and t CO2 lands on exactly one enterprise.
    assert sum((s.energy_tce for s in both.by_enterprise), D(0)) == both.energy_tce
    assert sum((s.emissions_t for s in both.by_enterprise), D(0)) == both.net_t
    assert D(0) <= both.clean_tce <= both.energy_tce


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["coal_x", "gas_x"]), st.lists(st.integers(0, 10**8), min_size=12, max_size=12))
def test_twelve_months_equal_one_year(fuel: str, months: list[int]) -> None:
    unit = "Nm3" if fuel == "gas_x" else "t"
    monthly = [
        _rec(
            FuelUse(park="P", enterprise="E-1", year=YEAR, month=m + 1, fuel=fuel, quantity=str(q), unit=unit)
        )
        for m, q in enumerate(months)
    ]
    annual = [
        _rec(FuelUse(park="P", enterprise="E-1", year=YEAR, fuel=fuel, quantity=str(sum(months)), unit=unit))
    ]
    data = _test_data()
    a, b = account_park(monthly, {}, data, GRID, YEAR), account_park(annual, {}, data, GRID, YEAR)
    assert (a.fuel_tce, a.fuel_t) == (b.fuel_tce, b.fuel_t)
