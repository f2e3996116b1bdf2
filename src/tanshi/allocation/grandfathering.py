"""Free allocation on historical emissions: the average of base years times a factor.

    preliminary_i = average(base-year verified emissions of i) × reduction_factor
    correction    = min(1, (cap − reserve) / Σ preliminary)      (uniform, like the EU CSCF)
    allocated_i   = round(preliminary_i × correction) − deduction_i   (never below zero)

``deduction_i`` is a shortfall carried from the previous year's compliance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    lines = []
    for company, (used, average, value) in preliminary.items():
        rounded = int((value * correction).to_integral_value(_ROUNDING[rule.rounding]))
        deduction = deductions_t.get(company, 0)
        lines.append(
            AllocationLine(
                company=company,
                year=year,
                base_years_used=used,
                base_average_tco2=average,
                preliminary_t=value,
                correction_factor=correction,
                deduction_t=min(deduction, rounded),
                allocated_t=max(0, rounded - deduction),
            )
        )
        if deduction > rounded:
            issues.append(
                Issue(
                    "deduction_exceeds_allocation",
                    f"the deduction of {deduction} t exceeds the allocation of {rounded} t; "
                    f"{deduction - rounded} t remain owed",
                    f"company {company}, allocation {year}",
                    Severity.WARNING,
                )
            )
    return AllocationTable(year, tuple(lines), correction, tuple(issues))
