"""Units: the project registry, ambiguous spellings refused, Decimal end to end (U1–U5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mrv_text import compute

from tanshi.core.issues import Issue
from tanshi.mrv.units import check_unit, convert


@pytest.mark.parametrize("unit", ["mt", "MT", "ton", "tons", "kt", "TJ/kt", "GJ/ton"])
def test_u1_ambiguous_units_are_refused_not_guessed(unit: str) -> None:
    """pint alone reads 'mt' as a millitonne (1 kg), 'ton' as 907 kg and 'kt' as a knot."""
    result = convert(Decimal(1), unit, "kg", "here")
    assert isinstance(result, Issue)
    assert result.code == "ambiguous_unit"
    assert "'t'" in result.message


@pytest.mark.parametrize(
    ("amount", "unit", "target", "expected"),
    [
        ("1", "million tonnes", "kg", "1000000000"),  # U2: 10^9 kg, not 10^6
        ("1", "Pg", "kg", "1000000000000"),  # U3: 10^12 kg, not 10^9
        ("1", "Mt", "t", "1000000"),
        ("2.5", "kilotonne", "t", "2500"),
        ("3", "10^4Nm3", "Nm3", "30000"),
        ("1500", "kWh", "MWh", "1.5"),
        ("12.5", "%", "1", "0.125"),
        ("20.908", "MJ/kg", "GJ/t", "20.908"),
    ],
)
def test_conversions_are_exact_decimals(amount: str, unit: str, target: str, expected: str) -> None:
    result = convert(Decimal(amount), unit, target, "here")
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)


def test_carbon_co2_and_plain_mass_do_not_mix() -> None:
    result = convert(Decimal(1), "tCO2", "t", "here")
    assert isinstance(result, Issue) and result.code == "unit_dimension"
    result = convert(Decimal(1), "tC/t", "tCO2/t", "here")
    assert isinstance(result, Issue) and result.code == "unit_dimension"


def test_unknown_and_missing_units() -> None:
    assert check_unit("furlongs_of_coal", "x").code == "unknown_unit"  # type: ignore[union-attr]
    assert check_unit("  ", "x").code == "unit_missing"  # type: ignore[union-attr]
    assert check_unit("GJ/10^4Nm3", "x") is None


def test_u4_a_zero_amount_gives_zero_emissions() -> None:
    result = compute(
        "CN-ETS:power:2022", "F,2022,,U1,coal,fuel_consumed,0,t\nF,2022,,U1,coal,ncv_ar,20,GJ/t"
    )
    assert result.issues == ()
    assert result.emissions_tco2 == 0


def test_u5_twelve_monthly_values_sum_exactly() -> None:
    """0.1 + 0.2 + … in Decimal: 12 months of 8 333.1 t are 99 997.2 t, no float artefact;
    emissions = 99 997.2 × 0.55 × 0.99 × 44/12 = 199 644.4098 t (99 997.2 × 0.55 = 54 998.46 tC)."""
    text = "\n".join(
        f"F,2022,{month},U1,coal,fuel_consumed,8333.1,t\n"
        f"F,2022,{month},U1,coal,carbon_content_ar,0.55,tC/t"
        for month in range(1, 13)
    )
    result = compute("CN-ETS:power:2022", text)
    assert sum(line.quantity for line in result.lines) == Decimal("99997.2")
    assert result.emissions_tco2.quantize(Decimal("0.0001")) == Decimal("199644.4098")
    assert result.emissions_tco2 == Decimal("99997.2") * Decimal("0.55") * Decimal("0.99") * 44 / 12


@settings(deadline=None)
@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=3), min_size=12, max_size=12))
def test_monthly_decimal_sums_equal_the_annual_amount(months: list[Decimal]) -> None:
    text = "\n".join(
        f"F,2022,{index},U1,coal,fuel_consumed,{amount},t\n"
        f"F,2022,{index},U1,coal,carbon_content_ar,0.5,tC/t"
        for index, amount in enumerate(months, start=1)
    )
    result = compute("CN-ETS:power:2022", text)
    assert sum(line.quantity for line in result.lines) == sum(months)
    carbon = sum(months) * Decimal("0.5")
    assert result.emissions_tco2.quantize(Decimal("1E-9")) == (
        carbon * Decimal("0.99") * 44 / 12
    ).quantize(Decimal("1E-9"))


@pytest.mark.parametrize("unit", ["kg**", "t/", "/", "t^", "kg^-", "(t", "t)", "1/0", "**"])
def test_malformed_unit_expressions_are_unknown_units_not_tracebacks(unit: str) -> None:
    """pint's parser raises AssertionError, TokenError or DivisionByZero on these."""
    problem = check_unit(unit, "f.csv:2 unit")
    assert isinstance(problem, Issue)
    assert problem.code == "unknown_unit"
    assert problem.where == "f.csv:2 unit"
    result = convert(Decimal(1), unit, "t", "here")
    assert isinstance(result, Issue) and result.code == "unknown_unit"
