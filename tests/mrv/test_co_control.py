"""Co-control accounting of pollution-control facilities (reconstructed): vectors C1–C6."""

from __future__ import annotations

from decimal import Decimal

from mrv_text import compute

from tanshi.core.issues import Severity

METHOD = "CN-COCONTROL-2017:pollution-control:2017-reconstructed"
CENT = Decimal("0.01")


def test_c1_limestone_uses_the_full_molar_mass_ratio() -> None:
    """C1: 10 000 t × 90 % × 44.0095/100.0869 = 3 957.42 t (not 3 960.00 with 0.440)."""
    text = "W,2022,,FGD1,CaCO3,sorbent_consumed,10000,t\nW,2022,,FGD1,CaCO3,sorbent_purity,90,%"
    result = compute(METHOD, text)
    assert result.emissions_tco2.quantize(CENT) == Decimal("3957.42")
    assert result.emissions_tco2 == Decimal(9000) * Decimal("44.0095") / Decimal("100.0869")
    [warning] = result.issues
    assert (warning.code, warning.severity) == ("co_control_reconstructed", Severity.WARNING)
    assert {p.confidence for p in result.parameters} == {"D", "reconstructed"}


def test_c3_urea_pure_or_as_solution() -> None:
    """C3: 1 000 t urea × 44.0095/60.0553 = 732.82 t; 2 500 t of 40 % solution is the same."""
    pure = compute(METHOD, "W,2022,,S1,urea,urea_consumed,1000,t")
    solution = compute(
        METHOD, "W,2022,,S1,urea,urea_consumed,2500,t\nW,2022,,S1,urea,urea_concentration,0.4,1"
    )
    assert pure.emissions_tco2.quantize(CENT) == Decimal("732.82")
    assert solution.emissions_tco2 == pure.emissions_tco2


def test_c4_anaerobic_wastewater_methane() -> None:
    """C4: 1 000 t COD × 0.25 × 0.8 = 200 t CH4 → 5 600 tCO2e (AR5), 5 000 (AR4)."""
    text = "W,2022,,WWTP,anaerobic_reactor,cod_treated,1000,t"
    assert compute(METHOD, text).emissions_tco2 == Decimal(5600)
    assert compute(METHOD, text, "AR4").emissions_tco2 == Decimal(5000)


def test_c4_sludge_and_recovery_are_subtracted() -> None:
    """(1 000 − 200) × 0.25 × 0.8 − 60 = 100 t CH4 → 2 800 tCO2e (AR5)."""
    text = """
W,2022,,WWTP,anaerobic_reactor,cod_treated,1000,t
W,2022,,WWTP,anaerobic_reactor,cod_sludge_removed,200,t
W,2022,,WWTP,anaerobic_reactor,ch4_recovered,60,t
"""
    assert compute(METHOD, text).emissions_tco2 == Decimal(2800)


def test_c5_effluent_nitrous_oxide() -> None:
    """C5: 100 t N × 0.005 × 44/28 = 0.7857 t N2O × 265 = 208.21 tCO2e (AR5)."""
    result = compute(METHOD, "W,2022,,WWTP,effluent,nitrogen_effluent,100,t")
    assert result.emissions_tco2.quantize(CENT) == Decimal("208.21")


def test_c6_toluene_in_an_rto_plus_its_electricity() -> None:
    """C6: 100 t × 0.91248 × 44/12 = 334.576 t; + 100 MWh × 0.5703 (2022) = 57.03 t."""
    text = """
W,2022,,RTO1,toluene,voc_oxidised,100,t
W,2022,,RTO1,toluene,voc_carbon_fraction,0.91248,1
W,2022,,RTO1,grid,electricity_consumed,100,MWh
"""
    result = compute(METHOD, text)
    assert result.emissions_tco2.quantize(CENT) == Decimal("391.61")
    assert dict(result.totals)["indirect"] == Decimal("57.03")


def test_co_control_indicators_per_pollutant() -> None:
    """5 600 tCO2e for 2 800 t COD removed: 0.5 t COD per tCO2e, 2 tCO2e per t COD."""
    text = """
W,2022,,WWTP,anaerobic_reactor,cod_treated,1000,t
W,2022,,WWTP,COD,pollutant_removed,2800,t
"""
    metrics = {(m.name, m.subject): m.value for m in compute(METHOD, text).metrics}
    assert metrics == {
        ("removed_per_tco2e", "COD"): Decimal("0.5"),
        ("tco2e_per_t_removed", "COD"): Decimal(2),
    }


def test_a_sorbent_without_purity_is_an_error() -> None:
    result = compute(METHOD, "W,2022,,FGD1,CaCO3,sorbent_consumed,10,t")
    assert "input_missing" in [issue.code for issue in result.issues]
