"""Free allocation on historical emissions: the average of base years times a factor.

    preliminary_i = average(base-year verified emissions of i) × reduction_factor
    entitled_i    = fit into cap − reserve − auctioned + released  (allocation/budget.py)
    free_i        = entitled_i less the auction share of i's sector, then − deduction_i
                    (never below zero)

``deduction_i`` is a shortfall carried from the previous year's compliance; what an
allocation cannot absorb (or a company without an allocation line owes) is returned in
``carried_deductions_t`` for the next year. Rounding is the rule's (``down`` or ``half_up``),
per company, as ``budget.fit_to_budget`` documents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tanshi.allocation.budget import auction_share_of, available_t, fit_to_budget, split_auctioned
from tanshi.core.issues import Issue, Severity
from tanshi.rulebook.model import AuctionShareRule, CapRule, GrandfatheringRule


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
    auctioned_t: int = 0  # the sector's auction share, sold instead of given


@dataclass(frozen=True, slots=True)
class AllocationTable:
    """The allocation of a year for every company, and the problems met on the way."""

    year: int
    lines: tuple[AllocationLine, ...]
    correction_factor: Decimal
    issues: tuple[Issue, ...]
    carried_deductions_t: dict[str, int] = field(default_factory=dict)
    available_t: int | None = None  # what the cap left for free allocation, if capped

    @property
    def total_t(self) -> int:
        return sum(line.allocated_t for line in self.lines)

    @property
    def auctioned_t(self) -> int:
        return sum(line.auctioned_t for line in self.lines)


def grandfather(
    year: int,
    rule: GrandfatheringRule,
    cap: CapRule,
    base_emissions_tco2: Mapping[str, Mapping[int, Decimal]],
    deductions_t: Mapping[str, int] | None = None,
    *,
    released_t: int = 0,
    sectors: Mapping[str, str] | None = None,
    auction_shares: Sequence[AuctionShareRule] = (),
) -> AllocationTable:
    """Allocate ``year`` to every company of ``base_emissions_tco2`` (company → year → t).

    ``released_t`` reserve units are added to what the cap leaves for free allocation;
    ``sectors`` (company → sector) selects each company's ``auction_shares`` rule.
    """
    deductions_t = deductions_t or {}
    sectors = sectors or {}
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
    available = available_t(cap, released_t)
    fitted = fit_to_budget(
        {company: value for company, (_, _, value) in preliminary.items()},
        available,
        rule.rounding,
        f"allocation {year}",
    )
    issues.extend(fitted.issues)
    correction = fitted.correction
    rounded: dict[str, int] = {}
    auctioned: dict[str, int] = {}
    for company, entitled in fitted.allocated_t.items():
        share, _ = auction_share_of(sectors.get(company), auction_shares)
        rounded[company], auctioned[company] = split_auctioned(entitled, share)
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
                auctioned_t=auctioned[company],
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
    return AllocationTable(year, tuple(lines), correction, tuple(issues), carried, available)
