"""Planning a year's allocation from the store, by the method the year's rule names.

    grandfathering    base-year verified emissions (emission_reports)
    eu_benchmark      installations' historical activity levels (activity_levels)
    benchmark_output  the pre-allocation: generating units' base-year output (unit_outputs);
                      companies of the rule's verified_emissions_sectors get none

Each plan is an ``AllocationTable`` (one line per company, as compliance and reports read
it) and, for the benchmark methods, the per-unit or per-installation lines behind it.
Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy import Connection, Engine, select

from tanshi.allocation import (
    AllocationLine,
    AllocationTable,
    UnitAllocation,
    allocate_installations,
    allocate_unit,
    grandfather,
    preallocate,
)
from tanshi.allocation.budget import available_t
from tanshi.core.issues import Issue, Severity
from tanshi.core.quantities import kg_to_t
from tanshi.rulebook import rules_in_force
from tanshi.rulebook.in_force import RulesInForce, uncovered
from tanshi.rulebook.model import BenchmarkOutputRule, EuBenchmarkRule, GrandfatheringRule
from tanshi.services import production
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.mrv import company_sectors
from tanshi.store.engine import reader
from tanshi.store.schema import allocation_deductions, companies, emission_reports


@dataclass(frozen=True, slots=True)
class ItemLine:
    """One generating unit's or installation's share of a company's allocation."""

    company: str
    item: str
    allocated_t: int
    detail: dict[str, str]


@dataclass(frozen=True, slots=True)
class Plan:
    """A year's allocation: per company (``table``) and per unit or installation."""

    method: str
    table: AllocationTable
    items: tuple[ItemLine, ...] = ()
    issues: tuple[Issue, ...] = field(default=())
    owed: Mapping[str, int] = field(default_factory=dict)  # the deductions it subtracted


def base_emissions(
    engine: Engine, jurisdiction: Jurisdiction, base_years: tuple[int, ...]
) -> dict[str, dict[int, Decimal]]:
    """Company code → base year → verified emissions (t), for ``jurisdiction``'s companies
    with any."""
    query = (
        select(companies.c.code, emission_reports.c.year, emission_reports.c.verified_kg)
        .join(companies)
        .where(
            companies.c.jurisdiction_id == jurisdiction.id,
            emission_reports.c.year.in_(base_years),
            emission_reports.c.verified_kg.is_not(None),
        )
    )
    history: dict[str, dict[int, Decimal]] = {}
    with reader(engine).connect() as connection:
        for row in connection.execute(query):
            history.setdefault(row.code, {})[row.year] = kg_to_t(row.verified_kg)
    return history


def deductions(engine: Engine, jurisdiction: Jurisdiction, year: int) -> dict[str, int]:
    """Company code → units to deduct from ``year``'s allocation of ``jurisdiction``'s
    companies (carried shortfalls), as committed now (``deductions_in``)."""
    with reader(engine).connect() as connection:
        return deductions_in(connection, jurisdiction, year)


def deductions_in(connection: Connection, jurisdiction: Jurisdiction, year: int) -> dict[str, int]:
    """Company code → units to deduct from ``year``'s allocation, as ``connection`` sees them.

    Deductions already booked in the registry (the year was allocated before compliance
    ran) are not counted again.
    """
    query = (
        select(companies.c.code, allocation_deductions.c.quantity_units)
        .join(companies)
        .where(
            companies.c.jurisdiction_id == jurisdiction.id,
            allocation_deductions.c.year == year,
            allocation_deductions.c.transaction_id.is_(None),
        )
    )
    totals: dict[str, int] = {}
    for row in connection.execute(query):
        totals[row.code] = totals.get(row.code, 0) + int(row.quantity_units)
    return totals


def plan_year(
    engine: Engine, jurisdiction: Jurisdiction, year: int, owed: Mapping[str, int] | None = None
) -> Plan:
    """The allocation of ``year`` as its rule computes it from the store.

    Companies whose sector is not covered in ``year`` get nothing; each is a warning.
    ``owed`` is the deductions to subtract (as the caller read them in its transaction);
    without it they are read now (``deductions``).
    """
    rules = rules_in_force(jurisdiction.rulebook, year)
    rule = rules.allocation
    owed = dict(deductions(engine, jurisdiction, year) if owed is None else owed)
    left_out, notes = outside_coverage(engine, jurisdiction, year, "allocation")
    if isinstance(rule, GrandfatheringRule):
        plan = _grandfathering(engine, jurisdiction, rules, rule, year, left_out, owed)
    elif isinstance(rule, EuBenchmarkRule):
        plan = _eu_benchmark(engine, jurisdiction, rules, rule, year, left_out, owed)
    else:
        assert isinstance(rule, BenchmarkOutputRule)
        plan = _preallocation(engine, jurisdiction, rules, rule, year, left_out, owed)
    if not notes:
        return replace(plan, owed=owed)
    table = _with_issues(plan.table, [*notes, *plan.table.issues])
    return Plan(plan.method, table, plan.items, (*notes, *plan.issues), owed)


def outside_coverage(
    engine: Engine, jurisdiction: Jurisdiction, year: int, what: str
) -> tuple[frozenset[str], list[Issue]]:
    """The companies whose sector is not covered in ``year``, each with a warning."""
    left_out = uncovered(jurisdiction.rulebook, year, company_sectors(engine, jurisdiction))
    notes = [
        Issue(
            "sector_not_covered",
            f"{company}'s sector {sector.code} is covered {sector.years()}, not in {year}: "
            f"no {what} for {year}",
            f"company {company}, {what} {year}",
            Severity.WARNING,
        )
        for company, sector in left_out.items()
    ]
    return frozenset(left_out), notes


def _grandfathering(
    engine: Engine,
    jurisdiction: Jurisdiction,
    rules: RulesInForce,
    rule: GrandfatheringRule,
    year: int,
    left_out: frozenset[str],
    owed: Mapping[str, int],
) -> Plan:
    history = {
        company: years
        for company, years in base_emissions(engine, jurisdiction, rule.base_years).items()
        if company not in left_out
    }
    table = grandfather(
        year, rule, rules.capped(), history, owed,
        sectors=company_sectors(engine, jurisdiction), auction_shares=rules.auction_shares,
    )  # fmt: skip
    return Plan(rule.method, table, issues=table.issues)


def _eu_benchmark(
    engine: Engine,
    jurisdiction: Jurisdiction,
    rules: RulesInForce,
    rule: EuBenchmarkRule,
    year: int,
    left_out: frozenset[str],
    owed: Mapping[str, int],
) -> Plan:
    found = [
        installation
        for installation in production.installations(
            engine, jurisdiction, rule.historical_activity_years
        )
        if installation.company not in left_out
    ]
    lines, issues = allocate_installations(year, rule, rules.benchmarks, rules.capped(), found)
    items = tuple(
        ItemLine(line.company, line.installation, line.allocated_t, {
            "benchmark_value": str(line.benchmark_value),
            "historical_activity": str(line.historical_activity),
            "leakage_factor": str(line.leakage_factor), "cbam_factor": str(line.cbam_factor),
            "cscf": str(line.cscf), "preliminary_t": str(line.preliminary_t),
            "correction": str(line.correction),
        })
        for line in lines
    )  # fmt: skip
    preliminary: dict[str, Decimal] = {}
    for line in lines:
        preliminary[line.company] = preliminary.get(line.company, Decimal(0)) + line.preliminary_t
    correction = lines[0].correction if lines else Decimal(1)
    table, carried = _company_table(
        year, rule.historical_activity_years, items, preliminary, correction,
        owed, available_t(rules.capped()),
    )  # fmt: skip
    return Plan(rule.method, _with_issues(table, [*issues, *carried]), items, tuple(issues))


def _preallocation(
    engine: Engine,
    jurisdiction: Jurisdiction,
    rules: RulesInForce,
    rule: BenchmarkOutputRule,
    year: int,
    left_out: frozenset[str],
    owed: Mapping[str, int],
) -> Plan:
    base = rule.preallocation_base_year
    sectors = company_sectors(engine, jurisdiction)
    # Companies allocated their verified emissions get it all at the true-up.
    at_verified = {c for c, s in sectors.items() if s in rule.verified_emissions_sectors}
    units = [
        unit
        for unit in production.generating_units(engine, jurisdiction, base)
        if unit.company not in left_out and unit.company not in at_verified
    ]
    shares, issues = preallocate(rule, rules.benchmarks, units)
    items = []
    preliminary: dict[str, Decimal] = {}
    for unit in units:
        key = (unit.company, unit.unit)
        if key not in shares:
            continue
        line, _ = allocate_unit(rule, rules.benchmarks, unit)
        assert line is not None, "preallocate skipped units without a benchmark"
        items.append(
            ItemLine(unit.company, unit.unit, shares[key], {
                "base_year": str(base), "output_mwh": str(unit.output_mwh),
                "heat_gj": str(unit.heat_gj), **unit_factors(line),
                "share": str(rule.preallocation_share),
            })
        )  # fmt: skip
        preliminary[unit.company] = preliminary.get(unit.company, Decimal(0)) + shares[key]
    table, carried = _company_table(
        year,
        (base,),
        tuple(items),
        preliminary,
        Decimal(1),
        owed,
        None,
    )
    return Plan(rule.method, _with_issues(table, [*issues, *carried]), tuple(items), tuple(issues))


def unit_factors(line: UnitAllocation) -> dict[str, str]:
    return {
        "electricity_benchmark": str(line.electricity_benchmark),
        "heat_benchmark": str(line.heat_benchmark),
        "cooling_factor": str(line.cooling_factor),
        "heat_factor": str(line.heat_factor),
        "load_correction": str(line.load_factor_correction),
        "electricity_t": str(line.electricity_t),
        "heat_t": str(line.heat_t),
        "allocation_on_output_t": str(line.allocated_t),
    }


def _company_table(
    year: int,
    years_used: tuple[int, ...],
    items: tuple[ItemLine, ...],
    preliminary: Mapping[str, Decimal],
    correction: Decimal,
    owed: Mapping[str, int],
    available: int | None,
) -> tuple[AllocationTable, list[Issue]]:
    """Company totals of item lines, less carried deductions (what is left is carried on)."""
    totals: dict[str, int] = {}
    for item in items:
        totals[item.company] = totals.get(item.company, 0) + item.allocated_t
    lines, issues, carried = [], [], {}
    for company in sorted(totals):
        deduction = owed.get(company, 0)
        lines.append(
            AllocationLine(
                company, year, years_used, preliminary.get(company, Decimal(0)),
                preliminary.get(company, Decimal(0)), correction,
                min(deduction, totals[company]), max(0, totals[company] - deduction),
            )
        )  # fmt: skip
        if deduction > totals[company]:
            carried[company] = deduction - totals[company]
            issues.append(
                Issue("deduction_exceeds_allocation",
                      f"the deduction of {deduction} t exceeds the allocation of "
                      f"{totals[company]} t; {carried[company]} t are carried to {year + 1}",
                      f"company {company}, allocation {year}", Severity.WARNING)
            )  # fmt: skip
    for company, deduction in owed.items():
        if company not in totals and deduction > 0:
            carried[company] = deduction
    table = AllocationTable(year, tuple(lines), correction, (), carried, available)
    return table, issues


def _with_issues(table: AllocationTable, issues: list[Issue]) -> AllocationTable:
    return AllocationTable(
        table.year, table.lines, table.correction_factor, tuple(issues),
        table.carried_deductions_t, table.available_t,
    )  # fmt: skip
