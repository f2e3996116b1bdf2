"""The one rule of each kind that is in force in a given year."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.rulebook.model import (
    CAPPED_METHODS,
    AllocationRule,
    AnyPenaltyRule,
    AuctionRule,
    AuctionShareRule,
    BankingRule,
    BenchmarkRule,
    BorrowingRule,
    CapRule,
    CompliancePeriodRule,
    MrvRule,
    ObligationLimitRule,
    OffsetRule,
    PhaseRule,
    ReserveRule,
    Rulebook,
    Ruled,
    Sector,
    UnitType,
)

R = TypeVar("R", bound=Ruled)


class NoRuleInForce(TanshiError):
    """The rulebook has no rule of a kind for a year the caller asked about.

    ``year`` is that year and ``years`` the years the rulebook does rule on (empty when not
    known), so a shell can answer a person who chose the year with what to choose instead;
    ``issue`` says what is missing (``Issue.of``, so a page says it in its language).
    """

    def __init__(self, issue: Issue, year: int | None = None, years: tuple[int, ...] = ()) -> None:
        super().__init__(issue.message)
        self.issue, self.year, self.years = issue, year, years

    def advice(self) -> Issue:
        """One sentence for the person who chose the year: what is missing for it (``issue``),
        the years the rulebook has rules for and what to do, e.g. ``the rulebook has no rules
        for 2099; it has rules for 2016-2020: choose one of those years``. Without the year
        or the years there is nothing to choose from, and it is ``issue`` itself."""
        issue = self.issue
        if self.year is None or not self.years or not issue.template:
            return issue
        return Issue.of(issue.code, issue.template + CHOOSE_A_YEAR, issue.where, issue.severity,
                        **dict(issue.params), years=year_spans(self.years))  # fmt: skip


# What follows a year's missing rule in NoRuleInForce.advice (``years``: the years with rules).
CHOOSE_A_YEAR = "; it has rules for {years}: choose one of those years"


def _no_cap(year: int) -> Issue:
    return Issue.of("no_rule_in_force", "the rulebook has no cap for {year}", year=year)


def rule_for(rules: Sequence[R], year: int, kind: str) -> R:
    """The single rule of ``rules`` in force in ``year``; checks guarantee at most one."""
    matching = [rule for rule in rules if rule.in_force(year)]
    if not matching:
        ruled = {y for rule in rules for y in range(rule.valid_from, rule.valid_to + 1)}
        raise NoRuleInForce(Issue.of("no_rule_in_force", "the rulebook has no {section} rule in "
                                     "force in {year}", section=kind, year=year),
                            year, tuple(sorted(ruled)))  # fmt: skip
    assert len(matching) == 1, "check_rulebook rejects overlapping rules"
    return matching[0]


def optional_rule(rules: Sequence[R], year: int) -> R | None:
    """The rule of ``rules`` in force in ``year``, or None."""
    matching = [rule for rule in rules if rule.in_force(year)]
    assert len(matching) <= 1, "check_rulebook rejects overlapping rules"
    return matching[0] if matching else None


@dataclass(frozen=True, slots=True)
class RulesInForce:
    """Every rule that applies to one compliance year.

    ``cap`` is None only for a method without an absolute cap (``benchmark_output``).
    """

    year: int
    compliance: CompliancePeriodRule
    cap: CapRule | None
    allocation: AllocationRule
    offsets: OffsetRule | None
    penalty: AnyPenaltyRule
    mrv: MrvRule
    allowance_unit_type: UnitType
    phase: PhaseRule | None = None
    reserves: tuple[ReserveRule, ...] = ()
    benchmarks: tuple[BenchmarkRule, ...] = ()
    auction_shares: tuple[AuctionShareRule, ...] = ()
    auction: AuctionRule | None = None
    banking: BankingRule | None = None
    borrowing: BorrowingRule | None = None
    obligation_limits: ObligationLimitRule | None = None
    sectors: tuple[Sector, ...] = ()  # the sectors covered in the year

    def capped(self) -> CapRule:
        """The cap of the year; raises NoRuleInForce for a year without one."""
        if self.cap is None:
            raise NoRuleInForce(_no_cap(self.year))
        return self.cap


def rules_in_force(rulebook: Rulebook, year: int) -> RulesInForce:
    """The rules for ``year``; raises NoRuleInForce (with the years there are rules for) when
    a required kind is missing."""
    try:
        return _rules_in_force(rulebook, year)
    except NoRuleInForce as error:
        issue = error.issue if _rules_some(rulebook, year) else Issue.of(
            "no_rule_in_force", "the rulebook has no rules for {year}", year=year)  # fmt: skip
        raise NoRuleInForce(issue, year, years_in_force(rulebook)) from None


def _rules_some(rulebook: Rulebook, year: int) -> bool:
    """Whether any rule a year needs is in force in ``year``: if so, the one missing is named
    (``no penalty rule in force``); if none is, the year is outside the rulebook, and naming
    the first kind looked for (allocation) would mislead a surrender or an auction notice."""
    required: tuple[Sequence[Ruled], ...] = (
        rulebook.allocation, rulebook.compliance, rulebook.penalty, rulebook.mrv,
    )  # fmt: skip
    return cap_rule(rulebook, year) is not None or any(
        rule.in_force(year) for rules in required for rule in rules
    )


def years_in_force(rulebook: Rulebook) -> tuple[int, ...]:
    """The years ``rules_in_force`` answers for: allocation years with every required rule."""
    candidates = sorted({year for rule in rulebook.allocation
                         for year in range(rule.valid_from, rule.valid_to + 1)})  # fmt: skip
    found = []
    for year in candidates:
        try:
            _rules_in_force(rulebook, year)
        except NoRuleInForce:
            continue
        found.append(year)
    return tuple(found)


def year_spans(years: Sequence[int]) -> str:
    """Years as runs, e.g. ``2013-2020, 2022``; ``none`` for no years."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) or "none"


def _rules_in_force(rulebook: Rulebook, year: int) -> RulesInForce:
    allocation = rule_for(rulebook.allocation, year, "allocation")
    cap = cap_rule(rulebook, year)
    if cap is None and allocation.method in CAPPED_METHODS:
        raise NoRuleInForce(_no_cap(year))
    compliance = rule_for(rulebook.compliance, year, "compliance")
    units = {unit.code: unit for unit in rulebook.unit_types}
    return RulesInForce(
        year=year,
        compliance=compliance,
        cap=cap,
        allocation=allocation,
        offsets=optional_rule(rulebook.offsets, year),
        penalty=rule_for(rulebook.penalty, year, "penalty"),
        mrv=rule_for(rulebook.mrv, year, "mrv"),
        allowance_unit_type=units[compliance.allowance_unit_type],
        phase=optional_rule(rulebook.phase, year),
        reserves=tuple(rule for rule in rulebook.reserve if rule.in_force(year)),
        benchmarks=tuple(rule for rule in rulebook.benchmark if rule.in_force(year)),
        auction_shares=tuple(rule for rule in rulebook.auction_share if rule.in_force(year)),
        auction=optional_rule(rulebook.auction, year),
        banking=optional_rule(rulebook.banking, year),
        borrowing=optional_rule(rulebook.borrowing, year),
        obligation_limits=optional_rule(rulebook.obligation_limits, year),
        sectors=sectors_in_force(rulebook, year),
    )


def sectors_in_force(rulebook: Rulebook, year: int) -> tuple[Sector, ...]:
    """The sectors covered in ``year``, in the rulebook's order."""
    return tuple(sector for sector in rulebook.sectors if sector.in_force(year))


def sector_covered(rulebook: Rulebook, year: int, sector: str) -> bool:
    """Whether sector code ``sector`` is covered in ``year``: a declared sector in the years it
    is in force; a code the rulebook does not declare always (nothing says when it is not, and
    registration refuses such codes anyway). ``compliance.coverage.covered`` builds on it."""
    declared = next((found for found in rulebook.sectors if found.code == sector), None)
    return declared is None or declared.in_force(year)


def sectors_not_in_force(rulebook: Rulebook, year: int) -> frozenset[str]:
    """The codes of the declared sectors not covered in ``year`` (``sector_covered`` false):
    what a query may filter companies by instead of asking ``sector_covered`` row by row."""
    return frozenset(
        sector.code
        for sector in rulebook.sectors
        if not sector_covered(rulebook, year, sector.code)
    )


def uncovered(rulebook: Rulebook, year: int, sectors: Mapping[str, str]) -> dict[str, Sector]:
    """Of ``sectors`` (company → sector code), the companies whose sector is not covered in
    ``year``, with that sector. A code the rulebook does not declare is left out: nothing
    says when it is covered, and registration refuses such codes anyway."""
    declared = {sector.code: sector for sector in rulebook.sectors}
    return {
        company: declared[code]
        for company, code in sorted(sectors.items())
        if not sector_covered(rulebook, year, code)
    }


def cap_rule(rulebook: Rulebook, year: int) -> CapRule | None:
    """The cap of ``year``, if the rulebook has one."""
    return next((cap for cap in rulebook.cap if cap.year == year), None)
