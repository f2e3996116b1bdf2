"""Cement clinker calcination: Tier 2 from measured oxides, Tier 1 default otherwise."""

from __future__ import annotations

from decimal import Decimal

from mrv_text import compute

METHOD = "IPCC-2006:cement-clinker:2006"


def test_measured_oxides() -> None:
    """1 000 000 t × ((0.65 − 0.005) × 44.0095/56.0774 + 0.015 × 44.0095/40.3044) × 1.02
    = 1 000 000 × (0.5061955… + 0.0163789…) × 1.02 = 533 025.9 tCO2."""
    text = """
K,2022,,K1,clinker,clinker_produced,1000000,t
K,2022,,K1,clinker,cao_fraction,65,%
K,2022,,K1,clinker,mgo_fraction,1.5,%
K,2022,,K1,clinker,cao_noncarbonate,0.5,%
"""
    result = compute(METHOD, text)
    co2, cao, mgo = Decimal("44.0095"), Decimal("56.0774"), Decimal("40.3044")
    factor = Decimal("0.645") * co2 / cao + Decimal("0.015") * co2 / mgo
    assert result.emissions_tco2 == Decimal(1000000) * factor * Decimal("1.02")
    assert result.emissions_tco2.quantize(Decimal("0.1")) == Decimal("533025.9")
    assert result.reported_tco2 == Decimal(533026)
    assert result.lines[0].basis == "measured"


def test_tier1_default_when_nothing_is_measured() -> None:
    """200 000 t × 0.51 × 1.02 = 104 040 tCO2."""
    result = compute(METHOD, "K,2022,,K2,clinker,clinker_produced,200000,t")
    assert result.emissions_tco2 == Decimal(104040)
    assert {p.confidence for p in result.parameters} == {"V3"}
    assert dict(result.totals) == {"process": Decimal(104040), "gas:CO2": Decimal(104040)}


def test_a_measured_ckd_factor_replaces_the_default() -> None:
    """200 000 t × 0.51 × 1.0 = 102 000 tCO2."""
    text = "K,2022,,K2,clinker,clinker_produced,200000,t\nK,2022,,K2,clinker,ckd_correction,1,1"
    assert compute(METHOD, text).emissions_tco2 == Decimal(102000)
