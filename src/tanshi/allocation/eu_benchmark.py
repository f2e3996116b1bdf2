"""EU-style free allocation: benchmark × historical activity × leakage factor × CSCF.

For one installation (simplified to one product benchmark):

    HAL            = mean of its activity in the rule's historical years that it reported
    preliminary    = benchmark × HAL × CLEF × (1 − CBAM reduction for CBAM goods)
                     CLEF = leakage_factor_exposed or leakage_factor_not_exposed
    with CSCF      = preliminary × cross_sectoral_correction
    allocated      = fit Σ into cap − reserve − auctioned + released      (budget.py)

A total above the budget is scaled down uniformly on top of the rule's CSCF (that is how
the Commission derives the CSCF; here the rule's value applies first, the fit only if
still needed). Allocations are rounded as the rule says, by default down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tanshi.allocation.budget import available_t, fit_to_budget
from tanshi.core.issues import Issue, Severity
from tanshi.rulebook.model import BenchmarkRule, CapRule, EuBenchmarkRule


@dataclass(frozen=True, slots=True)
class Installation:
    """An installation's product, its activity by year and its carbon-leakage status."""

    company: str
    installation: str
    benchmark: str  # a [[benchmark]] code, e.g. grey_clinker
    activity_by_year: Mapping[int, Decimal]  # tonnes of product (or TJ of heat)
    leakage_exposed: bool = True
    cbam_good: bool = False


@dataclass(frozen=True, slots=True)
class InstallationAllocation:
    """One installation's allocation with every factor used."""

    company: str
    installation: str
    benchmark_value: Decimal
    historical_activity: Decimal
    leakage_factor: Decimal
    cbam_factor: Decimal
    cscf: Decimal
    preliminary_t: Decimal
    correction: Decimal
    allocated_t: int


def allocate_installations(
    year: int,
    rule: EuBenchmarkRule,
    benchmarks: Sequence[BenchmarkRule],
    cap: CapRule,
    installations: Sequence[Installation],
    *,
    released_t: int = 0,
) -> tuple[list[InstallationAllocation], list[Issue]]:
    """Allocate ``year`` to each installation; the total stays within the cap's budget."""
    issues: list[Issue] = []
    rows: dict[str, tuple[Installation, Decimal, Decimal, Decimal, Decimal, Decimal]] = {}
    for item in installations:
        where = f"company {item.company}, installation {item.installation}, allocation {year}"
        bench = next((b for b in benchmarks if b.code == item.benchmark), None)
        if bench is None:
            known = sorted(b.code for b in benchmarks)
            issues.append(
                Issue(
                    "unknown_benchmark", f"no benchmark {item.benchmark}; use one of {known}", where
                )
            )
            continue
        used = [y for y in rule.historical_activity_years if y in item.activity_by_year]
        if not used:
            issues.append(
                Issue(
                    "no_historical_activity",
                    f"no activity for any of {list(rule.historical_activity_years)}; the "
                    "installation gets no free allocation until it is reported",
                    where,
                )
            )
            continue
        if len(used) < len(rule.historical_activity_years):
            issues.append(
                Issue(
                    "missing_activity_year",
                    f"the historical activity level averages {used} only",
                    where,
                    Severity.WARNING,
                )
            )
        hal = sum((item.activity_by_year[y] for y in used), Decimal(0)) / len(used)
        clef = (
            rule.leakage_factor_exposed if item.leakage_exposed else rule.leakage_factor_not_exposed
        )
        cbam = 1 - rule.cbam_reduction if item.cbam_good else Decimal(1)
        preliminary = bench.value * hal * clef * cbam * rule.cross_sectoral_correction
        rows[item.installation] = (item, bench.value, hal, clef, cbam, preliminary)
    fitted = fit_to_budget(
        {key: row[5] for key, row in rows.items()},
        available_t(cap, released_t),
        rule.rounding,
        f"allocation {year}",
    )
    issues.extend(fitted.issues)
    lines = [
        InstallationAllocation(
            item.company, key, value, hal, clef, cbam, rule.cross_sectoral_correction,
            preliminary, fitted.correction, fitted.allocated_t[key],
        )
        for key, (item, value, hal, clef, cbam, preliminary) in rows.items()
    ]  # fmt: skip
    return lines, issues
