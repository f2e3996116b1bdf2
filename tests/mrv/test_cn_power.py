"""China power-sector guideline: worked examples with the arithmetic written out."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from mrv_text import compute

from tanshi.core.issues import Severity
from tanshi.mrv.methods import find_method
from tanshi.mrv.parameters import ParameterStatus, ParameterTable
from tanshi.resources import parameter_table

COAL_DEFAULT = """
F1,{year},,U1,coal,fuel_consumed,100000,t
F1,{year},,U1,coal,ncv_ar,20.908,GJ/t
"""


def test_cn1_default_carbon_content_2022() -> None:
    """CN1: 100 000 t × 20.908 GJ/t × 0.03085 tC/GJ = 64 501.18 tC; × 0.99 × 44/12."""
    result = compute("CN-ETS:power:2022", COAL_DEFAULT.format(year=2022))
    assert result.issues == ()
    carbon = Decimal(100000) * Decimal("20.908") * Decimal("0.03085")
    assert carbon == Decimal("64501.1800")
    assert result.emissions_tco2.quantize(Decimal("0.01")) == Decimal("234139.28")
    assert result.emissions_tco2 == carbon * Decimal("0.99") * 44 / 12
    assert result.reported_tco2 == Decimal("234139")
    assert [line.basis for line in result.lines] == ["default"]


def test_cn1a_the_2019_2020_version_uses_0_03356() -> None:
    """CN1a: C_ar = 20.908 × 0.03356 = 0.70167248 tC/t; 100 000 × C_ar × 0.99 × 44/12."""
    result = compute("CN-ETS:power:2019-2020", COAL_DEFAULT.format(year=2020))
    assert result.emissions_tco2.quantize(Decimal("0.01")) == Decimal("254707.11")
    used = {p.key: p.value for p in result.parameters}
    assert used["CN-ETS/cc_default/coal/2019-2020"] == Decimal("0.03356")


def test_cn2_measured_element_carbon() -> None:
    """CN2: 100 000 t × 0.55 tC/t × 0.99 × 44/12 = 199 650 tCO2."""
    text = "F1,2021,,U1,coal,fuel_consumed,100000,t\nF1,2021,,U1,coal,carbon_content_ar,0.55,tC/t"
    result = compute("CN-ETS:power:2021", text)
    assert result.emissions_tco2 == Decimal("199650")
    assert result.lines[0].basis == "measured"


def test_coal_with_measured_carbon_per_heat() -> None:
    """100 000 t × 20.908 GJ/t × 0.0265 tC/GJ = 55 406.2 tC; × 0.99 × 44/12 = 201 124.506 t."""
    text = COAL_DEFAULT.format(year=2022) + "F1,2022,,U1,coal,carbon_per_heat,0.0265,tC/GJ"
    result = compute("CN-ETS:power:2022", text)
    assert result.emissions_tco2 == Decimal("201124.506")
    assert result.lines[0].basis == "measured"


@pytest.mark.parametrize(
    ("method", "year", "expected"),
    [
        ("CN-ETS:power:2019-2020", 2020, "6101"),
        ("CN-ETS:power:2021", 2021, "5810"),
        ("CN-ETS:power:2022", 2022, "5703"),
    ],
)
def test_cn3_purchased_electricity_by_the_year_grid_factor(
    method: str, year: int, expected: str
) -> None:
    """CN3: 10 000 MWh × the grid factor of the year."""
    result = compute(method, f"F1,{year},,,,purchased_electricity,10000,MWh")
    assert result.emissions_tco2 == Decimal(expected)
    assert result.totals == (("gas:CO2", Decimal(expected)), ("indirect", Decimal(expected)))


def test_2023_boundary_excludes_purchased_electricity_with_a_warning() -> None:
    text = COAL_DEFAULT.format(year=2023) + "F1,2023,,,,purchased_electricity,10000,MWh"
    result = compute("CN-ETS:power:2023+", text)
    assert [line.boundary for line in result.lines] == ["direct"]
    assert result.emissions_tco2.quantize(Decimal("0.01")) == Decimal("234139.28")
    [warning] = result.issues
    assert (warning.code, warning.severity) == ("outside_boundary", Severity.WARNING)


def test_cn4_natural_gas_by_volume_with_default_ncv_and_carbon() -> None:
    """CN4: 1 000 ×10^4 Nm3 × 389.31 GJ × 0.01532 tC/GJ = 5 964.2292 tC; × 0.99 = 5 904.586908;
    × 44/12 = 21 650.151996 tCO2 (0.01532: the 2021 guideline's 附表B.1)."""
    result = compute("CN-ETS:power:2022", "F1,2022,,U2,natural_gas,fuel_consumed,1000,10^4Nm3")
    assert result.issues == ()
    assert result.emissions_tco2 == Decimal("21650.151996")


def test_months_without_measurement_take_the_default_and_sum_exactly() -> None:
    """Jan measured: 50 000 × 0.55 = 27 500 tC. Feb not: 50 000 × 20.908 × 0.03085 = 32 250.59 tC.
    (27 500 + 32 250.59) × 0.99 × 44/12 = 216 894.6416… tCO2."""
    text = """
F1,2022,1,U1,coal,fuel_consumed,50000,t
F1,2022,1,U1,coal,ncv_ar,20.908,GJ/t
F1,2022,1,U1,coal,carbon_content_ar,0.55,tC/t
F1,2022,2,U1,coal,fuel_consumed,50000,t
F1,2022,2,U1,coal,ncv_ar,20.908,GJ/t
"""
    result = compute("CN-ETS:power:2022", text)
    assert [(line.month, line.basis) for line in result.lines] == [
        (1, "measured"),
        (2, "default"),
    ]
    expected = (Decimal(27500) + Decimal("32250.59")) * Decimal("0.99") * 44 / 12
    assert result.emissions_tco2.quantize(Decimal("1E-12")) == expected.quantize(Decimal("1E-12"))


def test_annual_and_monthly_rows_of_one_unit_are_refused() -> None:
    text = COAL_DEFAULT.format(year=2022) + "F1,2022,3,U1,coal,fuel_consumed,10,t\n"
    text += "F1,2022,3,U1,coal,ncv_ar,20,GJ/t"
    result = compute("CN-ETS:power:2022", text)
    assert [issue.code for issue in result.issues] == ["annual_and_monthly"]


def test_chp_split_by_heat_ratio_gives_the_allocation_intensities() -> None:
    """E = 199 650 t; 供热比 20 %: heat 39 930 t / 1 000 000 GJ = 0.03993 tCO2/GJ;
    power 159 720 t / 300 000 MWh = 0.5324 tCO2/MWh."""
    text = """
F1,2021,,U1,coal,fuel_consumed,100000,t
F1,2021,,U1,coal,carbon_content_ar,0.55,tC/t
F1,2021,,U1,,heat_ratio,20,%
F1,2021,,U1,,power_supplied,300000,MWh
F1,2021,1,U1,,heat_supplied,1,TJ
F1,2021,2,U1,,heat_supplied,999,TJ
"""
    result = compute("CN-ETS:power:2021", text)
    metrics = {metric.name: metric.value for metric in result.metrics}
    assert metrics["emissions_heat"] == Decimal("39930")
    assert metrics["emissions_power"] == Decimal("159720")
    assert metrics["intensity_heat"] == Decimal("0.03993")
    assert metrics["intensity_power"] == Decimal("0.5324")


def test_a_result_keeps_the_values_it_used_after_the_table_changes() -> None:
    before = compute("CN-ETS:power:2022", COAL_DEFAULT.format(year=2022))
    changed = ParameterTable.of(
        replace(p, value=Decimal("0.04")) if p.key == "CN-ETS/cc_default/coal/2021-2022" else p
        for p in parameter_table().parameters
    )
    after = compute("CN-ETS:power:2022", COAL_DEFAULT.format(year=2022), table=changed)
    assert after.emissions_tco2 != before.emissions_tco2
    snapshot = {p.key: p.value for p in before.parameters}
    assert snapshot["CN-ETS/cc_default/coal/2021-2022"] == Decimal("0.03085")


def test_two_official_values_are_an_ambiguity_not_most_recent_wins() -> None:
    table = parameter_table()
    [default] = [p for p in table.parameters if p.key == "CN-ETS/cc_default/coal/2021-2022"]
    overlapping = replace(default, year_from=2022, year_to=2030, value=Decimal("0.03"))
    result = compute(
        "CN-ETS:power:2022",
        COAL_DEFAULT.format(year=2022),
        table=ParameterTable.of([*table.parameters, overlapping]),
    )
    assert [issue.code for issue in result.issues] == ["parameter_ambiguous"]
    assert result.lines == ()


def test_draft_benchmarks_never_resolve() -> None:
    table = parameter_table()
    found = table.resolve(("CN-ETS",), 2020, "natural_gas", "benchmark_e")
    assert not isinstance(found, type(None))
    assert found.value == Decimal("0.392")  # type: ignore[union-attr]
    drafts = [p for p in table.parameters if p.status is ParameterStatus.DRAFT]
    assert {p.value for p in drafts if p.subject == "natural_gas"} == {Decimal("0.404")}


def test_the_version_is_picked_by_year_and_a_wrong_year_is_refused() -> None:
    assert find_method("CN-ETS:power", 2021).spec.id == "CN-ETS:power:2021"  # type: ignore[union-attr]
    assert find_method("CN-ETS:power", 2031).spec.id == "CN-ETS:power:2023+"  # type: ignore[union-attr]
    refused = find_method("CN-ETS:power:2021", 2022)
    assert refused.code == "method_year"  # type: ignore[union-attr]


def _months(year: int, measured: int) -> str:
    """January..``measured`` with element carbon 0.50, 0.52, 0.54, …; March missing after."""
    rows = []
    for month in range(1, measured + 1):
        rows.append(f"F1,{year},{month},U1,coal,fuel_consumed,1000,t")
        rows.append(f"F1,{year},{month},U1,coal,carbon_content_ar,{0.48 + 0.02 * month:.2f},tC/t")
    missing = measured + 1
    rows.append(f"F1,{year},{missing},U1,coal,fuel_consumed,1000,t")
    rows.append(f"F1,{year},{missing},U1,coal,ncv_ar,20.908,GJ/t")
    return "\n".join(rows)


def test_2022_missing_month_takes_the_mean_of_three_measured_months() -> None:
    """June 2022 notice: ≥ 3 measured months → the missing month's C_ar is their mean,
    (0.50 + 0.52 + 0.54) / 3 = 0.52 tC/t; 1 000 t × 0.52 × 0.99 × 44/12 = 1 887.6 tCO2."""
    result = compute("CN-ETS:power:2022", _months(2022, 3))
    assert result.issues == ()
    missing = [line for line in result.lines if line.month == 4]
    assert [line.basis for line in missing] == ["measured_mean"]
    assert missing[0].emissions_tco2 == Decimal("1887.6")
    assert not [key for key in missing[0].parameter_keys if "cc_default" in key]


def test_2022_fewer_than_three_measured_months_take_the_default() -> None:
    """Two measured months: the missing month takes NCV × 0.03085 (1 000 × 20.908 × 0.03085
    = 645.0118 tC)."""
    result = compute("CN-ETS:power:2022", _months(2022, 2))
    [missing] = [line for line in result.lines if line.month == 3]
    assert missing.basis == "default"
    assert missing.emissions_tco2 == Decimal("645.0118") * Decimal("0.99") * 44 / 12


def test_2023_on_months_are_never_filled_from_other_months() -> None:
    """The 2023 guideline has no such rule in tanshi: the default, whatever was measured."""
    result = compute("CN-ETS:power:2023+", _months(2023, 3))
    [missing] = [line for line in result.lines if line.month == 4]
    assert missing.basis == "default"
