"""China's power sector: allowances = benchmark × output × corrections, pre-allocated then trued up.

For one generating unit, with the benchmarks in force in the allocation year:

    electricity_t = output_MWh × B_e(class) × F_cooling × F_heat × F_load
    heat_t        = heat_GJ × B_h(fuel)
    F_cooling     = cooling_factor_air for an air-cooled coal unit, else 1
    F_heat        = 1 − coefficient(fuel) × heat ratio       (coal 0.22, gas 0.6 in the preset)
    F_load        = the rule's load band for the unit's load factor, for classes whose
                    benchmark has load_correction and units whose kind is in the rule's
                    load_correction_units, else 1
    kind          = "chp" if the unit supplied heat in the year (heat ratio > 0 or heat > 0),
                    else "condensing"
    allocation_t  = round(electricity_t + heat_t)            (the rule's rounding, per unit)

Pre-allocation = round(preallocation_share × allocation on the base year's output).
True-up = allocation on the year's verified output − pre-allocation: positive is issued,
negative is taken back. Factors keep 28 significant digits (the decimal context set here);
only the tonnes are rounded, once per unit and step.

A company of the rule's ``verified_emissions_sectors`` has no unit lines: it is allocated
its verified emissions of the year (in whole tonnes, as its obligation is rounded), all at
the true-up (``at_verified_emissions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Literal

from tanshi.allocation.budget import ROUNDING
from tanshi.core.issues import Issue
from tanshi.rulebook.model import (
    BenchmarkOutputRule,
    BenchmarkRule,
    GeneratingUnitKind,
    LoadBand,
)


@dataclass(frozen=True, slots=True)
class GeneratingUnit:
    """One unit's output in a year: what the allocation formula multiplies."""

    company: str
    unit: str
    unit_class: str  # a [[benchmark]] code of product "electricity", e.g. coal_above_300mw
    output_mwh: Decimal  # net supply or gross generation, as the rule's output_basis says
    heat_gj: Decimal = Decimal(0)
    cooling: Literal["water", "air"] = "water"
    heat_ratio: Decimal = Decimal(0)  # share of the unit's output supplied as heat
    load_factor: Decimal = Decimal(1)  # annual average load (0.78 = 78%)


@dataclass(frozen=True, slots=True)
class UnitAllocation:
    """One unit's allocation with every factor used, so the arithmetic can be checked."""

    company: str
    unit: str
    electricity_benchmark: Decimal
    heat_benchmark: Decimal
    cooling_factor: Decimal
    heat_factor: Decimal
    load_factor_correction: Decimal
    electricity_t: Decimal
    heat_t: Decimal
    allocated_t: int


@dataclass(frozen=True, slots=True)
class TrueUpLine:
    """Final allocation on verified output against what was pre-allocated."""

    company: str
    unit: str
    preallocated_t: int
    final: UnitAllocation
    adjustment_t: int  # > 0 issued at true-up, < 0 taken back


@dataclass(frozen=True, slots=True)
class VerifiedLine:
    """A company allocated its verified emissions of the year, against its pre-allocation."""

    company: str
    verified_t: int  # the verified emissions in whole tonnes, as the obligation rounds them
    preallocated_t: int
    adjustment_t: int  # > 0 issued at true-up, < 0 taken back

    @property
    def allocated_t(self) -> int:
        return self.verified_t


def at_verified_emissions(
    verified_t: Mapping[str, int], preallocated_t: Mapping[str, int]
) -> list[VerifiedLine]:
    """Company → its verified tonnes as its final allocation, less what it was pre-allocated."""
    return [
        VerifiedLine(company, tonnes, preallocated_t.get(company, 0),
                     tonnes - preallocated_t.get(company, 0))
        for company, tonnes in sorted(verified_t.items())
    ]  # fmt: skip


def unit_kind(unit: GeneratingUnit) -> GeneratingUnitKind:
    """A unit that supplied heat in the year is a heat-supplying (CHP) unit, else condensing.

    The plans name the kind by design (常规燃煤纯凝发电机组); the output record has no design
    field, so the year's heat supply stands for it (docs/allocation.md).
    """
    return "chp" if unit.heat_ratio > 0 or unit.heat_gj > 0 else "condensing"


def load_correction(bands: Sequence[LoadBand], load_factor: Decimal) -> Decimal:
    """The load-factor correction of the first band whose ``min_load`` the load reaches."""
    percent = load_factor * 100
    for band in bands:
        if load_factor >= band.min_load:
            if band.kind == "linear":
                return band.base * (1 + band.slope * (band.pivot - percent))
            with localcontext(prec=28):
                return band.base * band.ratio ** ((band.pivot - percent) / band.step)
    return Decimal(1)


def allocate_unit(
    rule: BenchmarkOutputRule, benchmarks: Sequence[BenchmarkRule], unit: GeneratingUnit
) -> tuple[UnitAllocation | None, list[Issue]]:
    """The allocation of ``unit`` on its output; an Issue when its class has no benchmark."""
    where = f"company {unit.company}, unit {unit.unit}"
    electricity = _find(benchmarks, unit.unit_class, "electricity")
    if electricity is None:
        known = sorted(bench.code for bench in benchmarks if bench.product == "electricity")
        return None, [
            Issue(
                "unknown_unit_class",
                f"no electricity benchmark {unit.unit_class} is in force; use one of {known}",
                where,
            )
        ]
    heat = _heat_benchmark(benchmarks, electricity.fuel)
    issues = []
    if unit.heat_gj > 0 and heat is None:
        issues.append(
            Issue("missing_heat_benchmark", f"no heat benchmark for {electricity.fuel}", where)
        )
    with localcontext(prec=28):
        cooling = (
            rule.cooling_factor_air
            if unit.cooling == "air" and electricity.fuel == "coal"
            else Decimal(1)
        )
        coefficient = (
            rule.heat_supply_coefficient_gas
            if electricity.fuel == "gas"
            else rule.heat_supply_coefficient_coal
        )
        heat_factor = 1 - coefficient * unit.heat_ratio
        load = (
            load_correction(rule.load_bands, unit.load_factor)
            if electricity.load_correction and unit_kind(unit) in rule.load_correction_units
            else Decimal(1)
        )
        heat_value = heat.value if heat is not None else Decimal(0)
        electricity_t = unit.output_mwh * electricity.value * cooling * heat_factor * load
        heat_t = unit.heat_gj * heat_value
        allocated = int((electricity_t + heat_t).to_integral_value(ROUNDING[rule.rounding]))
    return UnitAllocation(
        unit.company, unit.unit, electricity.value, heat_value, cooling, heat_factor, load,
        electricity_t, heat_t, allocated,
    ), issues  # fmt: skip


def preallocate(
    rule: BenchmarkOutputRule,
    benchmarks: Sequence[BenchmarkRule],
    base_units: Sequence[GeneratingUnit],
) -> tuple[dict[tuple[str, str], int], list[Issue]]:
    """(company, unit) → pre-allocated units: the share of the allocation on base-year output."""
    result: dict[tuple[str, str], int] = {}
    issues: list[Issue] = []
    for unit in base_units:
        line, problems = allocate_unit(rule, benchmarks, unit)
        issues.extend(problems)
        if line is None:
            continue
        with localcontext(prec=28):
            exact = (line.electricity_t + line.heat_t) * rule.preallocation_share
        result[(unit.company, unit.unit)] = int(exact.to_integral_value(ROUNDING[rule.rounding]))
    return result, issues


def true_up(
    rule: BenchmarkOutputRule,
    benchmarks: Sequence[BenchmarkRule],
    verified_units: Sequence[GeneratingUnit],
    preallocated_t: Mapping[tuple[str, str], int],
) -> tuple[list[TrueUpLine], list[Issue]]:
    """Final allocation on verified output, and what to issue or take back per unit."""
    lines: list[TrueUpLine] = []
    issues: list[Issue] = []
    seen = set()
    for unit in verified_units:
        key = (unit.company, unit.unit)
        seen.add(key)
        final, problems = allocate_unit(rule, benchmarks, unit)
        issues.extend(problems)
        if final is None:
            continue
        pre = preallocated_t.get(key, 0)
        lines.append(TrueUpLine(unit.company, unit.unit, pre, final, final.allocated_t - pre))
    for company, unit_code in sorted(set(preallocated_t) - seen):
        issues.append(
            Issue(
                "no_verified_output",
                "the unit was pre-allocated but has no verified output; its true-up waits "
                "until the output is verified",
                f"company {company}, unit {unit_code}",
            )
        )
    return lines, issues


def _find(benchmarks: Sequence[BenchmarkRule], code: str, product: str) -> BenchmarkRule | None:
    return next((b for b in benchmarks if (b.code, b.product) == (code, product)), None)


def _heat_benchmark(benchmarks: Sequence[BenchmarkRule], fuel: str) -> BenchmarkRule | None:
    return next((b for b in benchmarks if b.product == "heat" and b.fuel == fuel), None)
