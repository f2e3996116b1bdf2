"""Free allocation on historical emissions: the average of base years times a factor.

    preliminary_i = average(base-year verified emissions of i) × reduction_factor
    correction    = min(1, (cap − reserve) / Σ preliminary)      (uniform, like the EU CSCF)
    allocated_i   = round(preliminary_i × correction) − deduction_i   (never below zero)

``deduction_i`` is a shortfall carried from the previous year's compliance; what an
allocation cannot absorb (or a company without an allocation line owes) is returned in
``carried_deductions_t`` for the next year. If rounding half up would exceed the cap less
reserve, every allocation is rounded down instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from tanshi.core.issues import Issue, Severity
from tanshi.rulebook.model import CapRule, GrandfatheringRule

_ROUNDING = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP}


@dataclass(frozen=True, slots=True)
class AllocationLine:
    """One company's free allocation for a year, with each step of the calculation."""

    company: str
    year: int
    base_years_used: tuple[int, ...]
    base_average_tco2: Decimal
    preliminary_t: Decimal
    correction_factor: Decimal
    deduction_t: int
    allocated_t: int


@dataclass(frozen=True, slots=True)
class AllocationTable:
    """The allocation of a year for every company, and the problems met on the way."""

    year: int
    lines: tuple[AllocationLine, ...]
    correction_factor: Decimal
    issues: tuple[Issue, ...]
    carried_deductions_t: dict[str, int] = field(default_factory=dict)

    @property
    def total_t(self) -> int:
        return sum(line.allocated_t for line in self.lines)


def grandfather(
    year: int,
    rule: GrandfatheringRule,
    cap: CapRule,
    base_emissions_tco2: Mapping[str, Mapping[int, Decimal]],
    deductions_t: Mapping[str, int] | None = None,
) -> AllocationTable:
    """Allocate ``year`` to every company of ``base_emissions_tco2`` (company → year → t)."""
    deductions_t = deductions_t or {}
    issues: list[Issue] = []
    preliminary: dict[str, tuple[tuple[int, ...], Decimal, Decimal]] = {}
    for company in sorted(base_emissions_tco2):
        history = base_emissions_tco2[company]
        used = tuple(year_ for year_ in rule.base_years if year_ in history)
        missing = [year_ for year_ in rule.base_years if year_ not in history]
        if not used:
            issues.append(
                Issue(
                    "no_base_year_emissions",
                    f"no verified emissions for any base year {list(rule.base_years)}; "
                    "the company gets no free allocation until they are recorded",
                    f"company {company}, allocation {year}",
                )
            )
            continue
        if missing:
            issues.append(
                Issue(
                    "missing_base_year",
                    f"no verified emissions for base years {missing}; the average uses "
                    f"{list(used)} only",
                    f"company {company}, allocation {year}",
                    Severity.WARNING,
                )
            )
        average = sum((history[year_] for year_ in used), Decimal(0)) / len(used)
        preliminary[company] = (used, average, average * rule.reduction_factor)
    total = sum((value for _, _, value in preliminary.values()), Decimal(0))
    available = Decimal(cap.cap_t - cap.reserve_t)
    correction = min(Decimal(1), available / total) if total > 0 else Decimal(1)
    if correction < 1:
        issues.append(
            Issue(
                "correction_applied",
                f"preliminary allocation {total:.0f} t exceeds the cap less reserve "
                f"({available} t); every allocation is scaled by {correction:.6f}",
                f"allocation {year}",
                Severity.WARNING,
            )
        )
    rounding = _ROUNDING[rule.rounding]
    rounded = {
        company: int((value * correction).to_integral_value(rounding))
        for company, (_, _, value) in preliminary.items()
    }
    if sum(rounded.values()) > available:
        # Rounding half up can push the total past the cap; rounding down never can, as
        # the correction already keeps the unrounded total within it.
        rounded = {
            company: int((value * correction).to_integral_value(ROUND_DOWN))
            for company, (_, _, value) in preliminary.items()
        }
        issues.append(
            Issue(
                "rounded_down_to_fit_cap",
                "rounding half up would allocate more than the cap less reserve; every "
                "allocation is rounded down instead",
                f"allocation {year}",
                Severity.WARNING,
            )
        )
    lines = []
    carried: dict[str, int] = {}
    for company, (used, average, value) in preliminary.items():
        deduction = deductions_t.get(company, 0)
        lines.append(
            AllocationLine(
                company=company,
                year=year,
                base_years_used=used,
                base_average_tco2=average,
                preliminary_t=value,
                correction_factor=correction,
                deduction_t=min(deduction, rounded[company]),
                allocated_t=max(0, rounded[company] - deduction),
            )
        )
        if deduction > rounded[company]:
            carried[company] = deduction - rounded[company]
            issues.append(
                Issue(
                    "deduction_exceeds_allocation",
                    f"the deduction of {deduction} t exceeds the allocation of "
                    f"{rounded[company]} t; {carried[company]} t are carried to {year + 1}",
                    f"company {company}, allocation {year}",
                    Severity.WARNING,
                )
            )
    for company, deduction in deductions_t.items():
        if company not in preliminary and deduction > 0:
            carried[company] = deduction
    return AllocationTable(year, tuple(lines), correction, tuple(issues), carried)
