"""The limits a rulebook puts on an obligation: offsets, obligation caps, banking, borrowing.

Every limit is a whole number of tonnes. Shares of a quantity are rounded down (a limit is
never more than the share allows); the cap on China's gap is rounded as the obligation is.
Refusals are ``Issue`` records with a result code; nothing here raises for a user's mistake.

    offsets cap         floor(obligation × cap_share_of_obligation)
    international cap   floor(obligation × international_max_share_of_obligation), inside
                        the offsets cap; 0 when the rule does not give that share
    obligation limits   gas units: min(obligation, allocation);
                        others: min(obligation, allocation + round(share × verified))
    banking             none: unlimited; share_of_average_allocation: floor(share × average
                        annual allocation of the phase) + plus_t; multiple_of_net_sales:
                        floor(multiple × max(0, sold − bought)) + plus_t
    borrowing           max_share_of_obligation: floor(share × obligation); or, with
                        min_gap_share_of_allocation, only when gap > share × allocation,
                        then floor(max_share_of_gap × gap)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from tanshi.core.issues import Issue
from tanshi.rulebook.model import (
    BankingRule,
    BorrowingRule,
    ObligationLimitRule,
    OffsetRule,
    PhaseRule,
)

_ROUNDING = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_DOWN}


def floor_share(quantity: int | Decimal, share: Decimal) -> int:
    """``quantity × share`` rounded down to whole tonnes."""
    return int((quantity * share).to_integral_value(ROUND_DOWN))


def offsets_cap_t(obligation: int, offsets: OffsetRule | None) -> int:
    """The most offsets that count towards an obligation (rounded down; 0 without a rule)."""
    return floor_share(obligation, offsets.cap_share_of_obligation) if offsets else 0


def international_cap_t(obligation: int, offsets: OffsetRule | None) -> int:
    """The most international offsets that count (inside the offsets cap); 0 unless the rule
    gives ``international_max_share_of_obligation``."""
    if offsets is None or offsets.international_max_share_of_obligation is None:
        return 0
    share = offsets.international_max_share_of_obligation
    return min(floor_share(obligation, share), offsets_cap_t(obligation, offsets))


def offsets_counted_t(
    obligation: int, offsets: OffsetRule | None, domestic_t: int, international_t: int
) -> int:
    """Offsets surrendered that count: international within their cap, all within the cap."""
    international = min(international_t, international_cap_t(obligation, offsets))
    return min(domestic_t + international, offsets_cap_t(obligation, offsets))


def limited_obligation_t(
    obligation: int,
    verified_tco2: Decimal,
    allocated_t: int,
    rule: ObligationLimitRule | None,
    gas_unit: bool,
    rounding: str,
) -> int:
    """The obligation after the rulebook's caps on what must be surrendered (China)."""
    if rule is None:
        return obligation
    if gas_unit and rule.gas_units_capped_at_allocation:
        return min(obligation, allocated_t)
    if rule.max_gap_share_of_verified is not None:
        gap_cap = int(
            (verified_tco2 * rule.max_gap_share_of_verified).to_integral_value(_ROUNDING[rounding])
        )
        return min(obligation, allocated_t + gap_cap)
    return obligation


def same_phase(phases: Sequence[PhaseRule], year: int, other: int) -> bool:
    """Whether two years fall in one phase (years outside every phase share none)."""
    return any(phase.in_force(year) and phase.in_force(other) for phase in phases)


@dataclass(frozen=True, slots=True)
class BankingRoom:
    """How many allowances of a vintage may still be carried over, or why none."""

    limit_t: int | None  # None: unlimited
    already_t: int

    def refusal(self, quantity_t: int, where: str) -> list[Issue]:
        if self.limit_t is not None and self.already_t + quantity_t > self.limit_t:
            return [
                Issue(
                    "banking_limit_exceeded",
                    f"at most {self.limit_t} t may be banked; {self.already_t} t already are, "
                    f"so at most {max(0, self.limit_t - self.already_t)} t more",
                    where,
                )
            ]
        return []


def banking_limit_t(
    rule: BankingRule, average_allocation_t: Decimal, sold_t: int, bought_t: int
) -> int | None:
    """The most a company may bank of one vintage under ``rule`` (None: unlimited)."""
    if rule.limit == "none":
        return None
    if rule.limit == "share_of_average_allocation":
        assert rule.share_of_average_allocation is not None, "checked with the rulebook"
        return floor_share(average_allocation_t, rule.share_of_average_allocation) + rule.plus_t
    assert rule.net_sales_multiple is not None, "checked with the rulebook"
    return floor_share(max(0, sold_t - bought_t), rule.net_sales_multiple) + rule.plus_t


def banking_refusals(
    rule: BankingRule | None,
    phases: Sequence[PhaseRule],
    from_year: int,
    where: str,
) -> list[Issue]:
    """Why allowances of ``from_year`` may not be carried over at all, if they may not."""
    if rule is None or not rule.allowed:
        return [Issue("banking_not_allowed", f"no banking rule allows it in {from_year}", where)]
    if not rule.across_phases and not same_phase(phases, from_year, from_year + 1):
        return [
            Issue(
                "banking_across_phases",
                f"{from_year} allowances cannot be banked into the next phase ({rule.source})",
                where,
            )
        ]
    return []


def borrowing_limit_t(
    rule: BorrowingRule, obligation_t: int, allocated_t: int
) -> tuple[int, list[Issue]]:
    """The most a company may borrow for a year's obligation, with why it may not, if so."""
    if rule.max_share_of_obligation is not None:
        return floor_share(obligation_t, rule.max_share_of_obligation), []
    assert rule.min_gap_share_of_allocation is not None, "checked with the rulebook"
    gap = max(0, obligation_t - allocated_t)
    threshold = allocated_t * rule.min_gap_share_of_allocation
    if gap <= threshold:
        return 0, [
            Issue(
                "borrowing_gap_too_small",
                f"the gap of {gap} t does not exceed {rule.min_gap_share_of_allocation:%} of the "
                f"allocation ({threshold} t), so no borrowing is allowed ({rule.source})",
                "",
            )
        ]
    return floor_share(gap, rule.max_share_of_gap or Decimal(0)), []


def lend_year(rule: BorrowingRule, year: int) -> int:
    """The vintage lent for ``year``: the rule's ``lend_from_year`` or the next year."""
    return rule.lend_from_year if rule.lend_from_year is not None else year + 1


def freely_banked(rules: Sequence[BankingRule], vintage: int, year: int) -> bool:
    """Whether allowances of ``vintage`` count for ``year`` without a carry-over.

    They do unless a banking rule of a year from ``vintage`` to ``year − 1`` forbids banking
    or limits it: then only units carried over within the limit reach ``year``.
    """
    for held in range(vintage, year):
        for rule in rules:
            if rule.in_force(held) and (not rule.allowed or rule.limit != "none"):
                return False
    return True
