"""China power: benchmark × output × corrections, 70% pre-allocation, true-up (2019-2020 plan)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanshi.allocation import (
    GeneratingUnit,
    allocate_unit,
    load_correction,
    preallocate,
    true_up,
    unit_kind,
)
from tanshi.resources import load_rulebook
from tanshi.rulebook import rules_in_force
from tanshi.rulebook.model import BenchmarkOutputRule

RULEBOOK = load_rulebook("cn-national-power")[0]
RULES_2019 = rules_in_force(RULEBOOK, 2019)
assert isinstance(RULES_2019.allocation, BenchmarkOutputRule)
RULE = RULES_2019.allocation
BENCHMARKS = RULES_2019.benchmarks


def unit(**fields: object) -> GeneratingUnit:
    base: dict[str, object] = {"company": "A", "unit": "U1", "unit_class": "coal_above_300mw"}
    return GeneratingUnit(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("load", "factor"),
    [
        ("0.90", "1"),  # >= 85%: no correction
        ("0.82", "1.0042"),  # 1 + 0.0014 × (85 − 82)
        ("0.78", "1.0102"),  # 1.007 + 0.0016 × (80 − 78), the plan's form (V3)
        ("0.70", "1.030225"),  # 1.015 ^ ((80 − 70) / 5) = 1.015²
        ("0.75", "1.015"),  # the 75-80% band at its lower edge: 1.007 + 0.008 = 1.015¹
    ],
)
def test_load_correction_bands(load: str, factor: str) -> None:
    assert load_correction(RULE.load_bands, Decimal(load)) == Decimal(factor)


def test_water_cooled_large_coal_unit_is_benchmark_times_output() -> None:
    """1,000,000 MWh × 0.877 tCO2/MWh × 1 × 1 × 1 = 877,000 t."""
    line, issues = allocate_unit(RULE, BENCHMARKS, unit(output_mwh=Decimal(1_000_000)))
    assert issues == [] and line is not None
    assert line.allocated_t == 877_000


def test_corrections_for_an_air_cooled_chp_unit_at_78_percent_load() -> None:
    """500,000 MWh × 0.979 × 1.05 (air) × 0.956 (1 − 0.22 × 0.2 heat ratio) × 1 (a CHP unit: the
    2019-2020 load correction is for condensing units only) = 491,360.1 t; heat 1,000,000 GJ ×
    0.126 = 126,000 t; total 617,360.1 → 617,360."""
    chp = unit(
        unit_class="coal_300mw_or_less", output_mwh=Decimal(500_000), heat_gj=Decimal(1_000_000),
        cooling="air", heat_ratio=Decimal("0.2"), load_factor=Decimal("0.78"),
    )  # fmt: skip
    line, _ = allocate_unit(RULE, BENCHMARKS, chp)
    assert line is not None
    assert (line.cooling_factor, line.heat_factor) == (Decimal("1.05"), Decimal("0.956"))
    assert line.load_factor_correction == 1
    assert line.electricity_t == Decimal("491360.1")
    assert line.heat_t == Decimal(126_000)
    assert line.allocated_t == 617_360


def test_condensing_unit_at_78_percent_load_takes_the_load_band() -> None:
    """500,000 MWh × 0.979 × 1.05 (air) × 1 (no heat) × 1.0102 (75-80% band) = 519,217.545 t."""
    condensing = unit(
        unit_class="coal_300mw_or_less", output_mwh=Decimal(500_000), cooling="air",
        load_factor=Decimal("0.78"),
    )  # fmt: skip
    line, _ = allocate_unit(RULE, BENCHMARKS, condensing)
    assert line is not None
    assert line.load_factor_correction == Decimal("1.0102")
    assert line.electricity_t == Decimal("519217.545")
    assert line.allocated_t == 519_218


@pytest.mark.parametrize(
    ("year", "factor"),
    [
        (2019, "1"),
        (2020, "1"),
        (2021, "1.0102"),
        (2022, "1.0102"),
        (2023, "1.061363550625"),
        (2024, "1.061363550625"),
    ],
)
def test_load_correction_scope_follows_the_plan_of_the_year(year: int, factor: str) -> None:
    """A CHP coal unit: no load correction under the 2019-2020 plan (condensing units only);
    the 2021-2022 plan widened it to CHP units (78%: 1.0102); the 2023-2024 plan corrects every
    conventional coal unit (60%: 1.015^(16 − 12) = 1.015⁴)."""
    rules = rules_in_force(RULEBOOK, year)
    assert isinstance(rules.allocation, BenchmarkOutputRule)
    load = "0.78" if year < 2023 else "0.60"
    chp = unit(heat_gj=Decimal(1), heat_ratio=Decimal("0.1"), load_factor=Decimal(load),
               output_mwh=Decimal(1))  # fmt: skip
    line, _ = allocate_unit(rules.allocation, rules.benchmarks, chp)
    assert line is not None
    assert line.load_factor_correction == Decimal(factor)


@pytest.mark.parametrize(
    ("heat_gj", "heat_ratio", "kind"),
    [("0", "0", "condensing"), ("10", "0.1", "chp"), ("0", "0.05", "chp"), ("1", "0", "chp")],
)
def test_a_unit_that_supplied_heat_is_a_chp_unit(heat_gj: str, heat_ratio: str, kind: str) -> None:
    record = unit(output_mwh=Decimal(1), heat_gj=Decimal(heat_gj), heat_ratio=Decimal(heat_ratio))
    assert unit_kind(record) == kind


def test_gas_unit_uses_the_gas_heat_coefficient_and_no_cooling_or_load_correction() -> None:
    """200,000 MWh × 0.392 × (1 − 0.6 × 0.5) = 54,880 t; heat 300,000 GJ × 0.059 = 17,700 t."""
    gas = unit(
        unit_class="gas", output_mwh=Decimal(200_000), heat_gj=Decimal(300_000), cooling="air",
        heat_ratio=Decimal("0.5"), load_factor=Decimal("0.5"),
    )  # fmt: skip
    line, _ = allocate_unit(RULE, BENCHMARKS, gas)
    assert line is not None
    assert (line.cooling_factor, line.load_factor_correction) == (1, 1)
    assert line.allocated_t == 54_880 + 17_700


def test_preallocation_at_70_percent_of_base_year_output_then_true_up() -> None:
    """Pre: 0.7 × 950,000 MWh (2018) × 0.877 = 583,205 t. Final on verified 2019 output:
    1,000,000 × 0.877 = 877,000 t, so 293,795 t are issued at true-up. Unit B produced less:
    pre 0.7 × 400,000 × 0.877 = 245,560; final 200,000 × 0.877 = 175,400; 70,160 taken back."""
    base = [unit(output_mwh=Decimal(950_000)), unit(unit="U2", output_mwh=Decimal(400_000))]
    pre, issues = preallocate(RULE, BENCHMARKS, base)
    assert issues == []
    assert pre == {("A", "U1"): 583_205, ("A", "U2"): 245_560}
    verified = [unit(output_mwh=Decimal(1_000_000)), unit(unit="U2", output_mwh=Decimal(200_000))]
    lines, _ = true_up(RULE, BENCHMARKS, verified, pre)
    assert [(line.final.allocated_t, line.adjustment_t) for line in lines] == [
        (877_000, 293_795), (175_400, -70_160),
    ]  # fmt: skip
    assert all(line.preallocated_t + line.adjustment_t == line.final.allocated_t for line in lines)


def test_later_plans_use_their_own_years_benchmarks() -> None:
    """2021: 1,000,000 MWh × 0.8218 = 821,800 t; 2022: × 0.8177 = 817,700 t."""
    for year, expected in ((2021, 821_800), (2022, 817_700)):
        rules = rules_in_force(RULEBOOK, year)
        assert isinstance(rules.allocation, BenchmarkOutputRule)
        line, _ = allocate_unit(
            rules.allocation, rules.benchmarks, unit(output_mwh=Decimal(1_000_000))
        )
        assert line is not None and line.allocated_t == expected


def test_unknown_unit_class_and_missing_output_are_reported() -> None:
    line, issues = allocate_unit(
        RULE, BENCHMARKS, unit(unit_class="nuclear", output_mwh=Decimal(1))
    )
    assert line is None and [issue.code for issue in issues] == ["unknown_unit_class"]
    _, issues = true_up(RULE, BENCHMARKS, [], {("A", "U9"): 100})
    assert [issue.code for issue in issues] == ["no_verified_output"]


@settings(max_examples=200, deadline=None)
@given(
    output=st.decimals(min_value=0, max_value=10**7, places=3),
    heat=st.decimals(min_value=0, max_value=10**7, places=3),
    ratio=st.decimals(min_value=0, max_value=1, places=3),
    load=st.decimals(min_value=0, max_value=1, places=3),
    unit_class=st.sampled_from(["coal_above_300mw", "coal_300mw_or_less", "gas"]),
    cooling=st.sampled_from(["water", "air"]),
)
def test_preallocation_never_exceeds_the_final_allocation_on_the_same_output(
    output: Decimal, heat: Decimal, ratio: Decimal, load: Decimal, unit_class: str, cooling: str
) -> None:
    """70% rounded is never more than 100% rounded, so the true-up on unchanged output only
    adds; and pre-allocation + adjustment is always the final allocation."""
    same = unit(
        unit_class=unit_class, output_mwh=output, heat_gj=heat, heat_ratio=ratio,
        load_factor=load, cooling=cooling,
    )  # fmt: skip
    pre, _ = preallocate(RULE, BENCHMARKS, [same])
    lines, _ = true_up(RULE, BENCHMARKS, [same], pre)
    (line,) = lines
    assert 0 <= line.preallocated_t <= line.final.allocated_t
    assert line.preallocated_t + line.adjustment_t == line.final.allocated_t
