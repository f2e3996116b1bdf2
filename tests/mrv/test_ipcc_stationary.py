"""IPCC 2006 Tier 1 stationary combustion with CH4 and N2O, under each GWP set."""

from __future__ import annotations

from decimal import Decimal

import globalwarmingpotentials
import pytest
from mrv_text import compute

METHOD = "IPCC-2006:stationary-tier1:2006"
DIESEL = "B1,2016,,B1,gas_diesel_oil,fuel_consumed,1000,t"


def test_i1_diesel_by_gas() -> None:
    """I1: 1 000 t × 43.0 GJ/t = 43 TJ; CO2 43 × 74 100 kg = 3 186.3 t; CH4 43 × 3 kg = 0.129 t;
    N2O 43 × 0.6 kg = 0.0258 t. AR5: 3 186.3 + 0.129 × 28 + 0.0258 × 265 = 3 196.749 tCO2e."""
    result = compute(METHOD, DIESEL, "AR5")
    assert result.issues == ()
    by_gas = {line.gas: line.emissions_tco2 for line in result.lines}
    assert by_gas == {
        "CO2": Decimal("3186.3"),
        "CH4": Decimal("0.129") * 28,
        "N2O": Decimal("0.0258") * 265,
    }
    assert result.emissions_tco2 == Decimal("3196.749")
    assert result.gwp_set == "AR5"


@pytest.mark.parametrize(
    ("gwp_set", "expected"),
    [
        ("SAR", "3197.007"),  # 3 186.3 + 0.129 × 21 + 0.0258 × 310
        ("AR4", "3197.2134"),  # 3 186.3 + 0.129 × 25 + 0.0258 × 298
        ("AR5", "3196.749"),  # 3 186.3 + 0.129 × 28 + 0.0258 × 265
        ("AR6", "3196.9425"),  # 3 186.3 + 0.129 × 27.9 + 0.0258 × 273
    ],
)
def test_i1_co2e_under_each_gwp_set(gwp_set: str, expected: str) -> None:
    result = compute(METHOD, DIESEL, gwp_set)
    assert result.emissions_tco2 == Decimal(expected)
    [gwp_ch4] = [p for p in result.parameters if p.subject == "CH4"]
    assert gwp_ch4.source.startswith("PyPI globalwarmingpotentials==")


@pytest.mark.parametrize(
    ("gwp_set", "expected"),
    [
        ("AR4", "56.1548"),  # 56.1 + 0.001 × 25 + 0.0001 × 298
        ("AR5", "56.1545"),  # 56.1 + 0.001 × 28 + 0.0001 × 265
        ("AR6", "56.1552"),  # 56.1 + 0.001 × 27.9 + 0.0001 × 273
    ],
)
def test_i2_one_terajoule_of_natural_gas(gwp_set: str, expected: str) -> None:
    result = compute(METHOD, "G1,2016,,B2,natural_gas,fuel_consumed,1,TJ", gwp_set)
    assert result.emissions_tco2 == Decimal(expected)


def test_p1_the_package_value_is_used_not_a_typed_copy() -> None:
    """P1: globalwarmingpotentials.data["AR5GWP100"]["CH4"] is 28."""
    result = compute(METHOD, DIESEL, "AR5")
    [gwp_ch4] = [p for p in result.parameters if p.subject == "CH4"]
    assert gwp_ch4.value == Decimal(str(globalwarmingpotentials.data["AR5GWP100"]["CH4"]))
    assert gwp_ch4.value == 28


def test_a_measured_ncv_replaces_the_default() -> None:
    """1 000 t × 42.5 GJ/t = 42.5 TJ × 74 100 kg/TJ = 3 149.25 tCO2 (CO2 line)."""
    text = DIESEL + "\nB1,2016,,B1,gas_diesel_oil,ncv,42.5,GJ/t"
    result = compute(METHOD, text, "AR5")
    co2 = next(line for line in result.lines if line.gas == "CO2")
    assert co2.emissions_tco2 == Decimal("3149.25")
    assert co2.basis == "measured"
