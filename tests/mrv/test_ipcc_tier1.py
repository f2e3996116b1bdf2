"""IPCC Tier 1 CO2 by hand-derived vectors, parameter resolution and activity checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tanshi.mrv import (
    ActivityRecord,
    IpccTier1Co2,
    MethodologyContext,
    Parameter,
    ParameterTable,
    SourceKind,
    parse_parameter_table,
)
from tanshi.mrv.parameters import ParameterStatus
from tanshi.resources import parameter_table

CONTEXT = MethodologyContext(parameter_table(), ("IPCC-2006", "DEMO-PROVINCE"), "cn_national_grid")


def fuel(subject: str, quantity: str, unit: str = "t") -> ActivityRecord:
    return ActivityRecord("C1", 2016, SourceKind.FUEL, subject, Decimal(quantity), unit)


def electricity(mwh: str) -> ActivityRecord:
    return ActivityRecord("C1", 2016, SourceKind.ELECTRICITY, "grid", Decimal(mwh), "MWh")


def test_diesel_matches_reference_vector_i1() -> None:
    """1 000 t diesel = 43.0 TJ; × 74 100 kg/TJ = 3 186.3 tCO2 (mrv-methods.md §9.3 I1)."""
    result = IpccTier1Co2().calculate("C1", 2016, [fuel("gas_diesel_oil", "1000")], CONTEXT)
    assert result.issues == ()
    assert result.emissions_tco2 == Decimal("3186.3")


def test_gas_by_volume_uses_the_volume_ncv_and_electricity_the_grid_factor() -> None:
    """1 000 ×10^4 Nm3 × 389.31 GJ × 56 100 kg/TJ / 10^6 = 21 840.291 t; 10 000 MWh × 0.6101 = 6 101 t."""
    records = [fuel("natural_gas", "1000", "10^4Nm3"), electricity("10000")]
    result = IpccTier1Co2().calculate("C1", 2016, records, CONTEXT)
    assert result.issues == ()
    assert [line.emissions_tco2 for line in result.lines] == [
        Decimal("21840.291"),
        Decimal("6101.0000"),
    ]
    assert result.emissions_tco2 == Decimal("27941.2910")
    assert {p.key for p in result.parameters} == {
        "DEMO-PROVINCE/ncv/natural_gas/2013-2020",
        "IPCC-2006/ef_co2/natural_gas/2006-2099",
        "DEMO-PROVINCE/ef_grid/cn_national_grid/2013-2020",
    }


def test_every_problem_is_reported_at_once() -> None:
    records = [
        fuel("unobtainium", "5"),
        fuel("anthracite", "-3"),
        fuel("anthracite", "2", "ton"),
        electricity("100"),
    ]
    result = IpccTier1Co2().calculate("C1", 2016, records, CONTEXT)
    codes = sorted(issue.code for issue in result.issues)
    assert "parameter_not_found" in codes
    assert "negative_quantity" in codes
    assert "ambiguous_unit" in codes
    assert "duplicate_activity" in codes


def test_zero_activity_is_zero_emissions() -> None:
    result = IpccTier1Co2().calculate("C1", 2016, [fuel("anthracite", "0")], CONTEXT)
    assert result.issues == ()
    assert result.emissions_tco2 == 0


def _parameter(
    regime: str, value: str, status: ParameterStatus = ParameterStatus.OFFICIAL
) -> Parameter:
    return Parameter(
        regime,
        "doc",
        "Table",
        "ncv",
        "coal",
        Decimal(value),
        "GJ/t",
        2010,
        2020,
        status,
        "V",
        "test",
    )


def test_two_official_values_are_an_ambiguity_never_most_recent_wins() -> None:
    table = ParameterTable.of([_parameter("A", "25.8"), _parameter("B", "26.0")])
    found = table.resolve(("A", "B"), 2016, "coal", "ncv", "t")
    assert not isinstance(found, Parameter)
    assert found.code == "parameter_ambiguous"


def test_superseded_and_out_of_years_values_are_ignored() -> None:
    table = ParameterTable.of(
        [_parameter("A", "25.8"), _parameter("B", "26.0", ParameterStatus.SUPERSEDED)]
    )
    found = table.resolve(("A", "B"), 2016, "coal", "ncv", "t")
    assert isinstance(found, Parameter)
    assert found.value == Decimal("25.8")
    assert not isinstance(table.resolve(("A",), 2021, "coal", "ncv", "t"), Parameter)


@pytest.mark.parametrize(
    "text",
    [
        "regime,value\nA,1\n",
        "regime,document,clause,parameter,subject,value,unit,year_from,year_to,status,confidence,source\n"
        "A,d,c,ncv,coal,abc,GJ/t,2010,2020,official,V,s\n",
        "regime,document,clause,parameter,subject,value,unit,year_from,year_to,status,confidence,source\n"
        "A,d,c,ncv,coal,1,GJ/t,2010,2020,official,V,\n",
    ],
)
def test_broken_parameter_tables_are_reported(text: str) -> None:
    rows, issues = parse_parameter_table(text, "mine.csv")
    assert rows == []
    assert issues


def test_shipped_parameters_all_have_sources_and_confidence() -> None:
    for parameter in parameter_table().parameters:
        assert parameter.source.strip()
        assert parameter.confidence in {"V", "V3", "M", "D", "reconstructed", "assumption"}
