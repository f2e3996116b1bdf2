"""What a missing tonne costs, for every penalty kind a rulebook can hold.

    multiple_of_average_price  per tonne = min(multiple × price, max_per_t); the multiple is
                               the regulator's choice within multiple..multiple_max (the
                               minimum unless chosen);          penalty = shortfall × per tonne
    fixed_per_tonne            penalty = shortfall × amount_per_t
    lump_sum_fine              penalty = the fine the regulator chooses within
                               fine_min..fine_max (the minimum unless chosen), when short

Amounts are in the rulebook's currency, rounded half up to the hundredth only at the end
(never per tonne), so the total is the exact product rounded once. A company with no
shortfall owes nothing under every kind.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tanshi.core.issues import Issue
from tanshi.rulebook.model import (
    AnyPenaltyRule,
    FixedPenaltyRule,
    LumpSumPenaltyRule,
    PenaltyRule,
)

CENT = Decimal("0.01")


def choice_range(rule: AnyPenaltyRule) -> tuple[Decimal, Decimal] | None:
    """The range the regulator chooses in (a multiple or a fine), or None for a fixed rule."""
    if isinstance(rule, PenaltyRule):
        return rule.multiple, rule.multiple_max or rule.multiple
    if isinstance(rule, LumpSumPenaltyRule):
        return rule.fine_min, rule.fine_max
    return None


def check_choice(rule: AnyPenaltyRule, choice: Decimal | None, where: str) -> list[Issue]:
    """``penalty_choice_out_of_range`` or ``penalty_choice_not_applicable``, or nothing."""
    if choice is None:
        return []
    bounds = choice_range(rule)
    if bounds is None:
        return [
            Issue(
                "penalty_choice_not_applicable",
                f"the {rule.kind} penalty leaves the regulator no choice; give none",
                where,
            )
        ]
    low, high = bounds
    if not low <= choice <= high:
        what = "multiple" if isinstance(rule, PenaltyRule) else "fine"
        return [
            Issue(
                "penalty_choice_out_of_range",
                f"the {what} must be from {low} to {high} ({rule.source}); {choice} is not",
                where,
            )
        ]
    return []


def per_tonne(rule: PenaltyRule, price_per_t: Decimal, multiple: Decimal | None = None) -> Decimal:
    """The charge per missing tonne of a price-based rule, capped at ``max_per_t``."""
    charge = (multiple if multiple is not None else rule.multiple) * price_per_t
    if rule.max_per_t is not None:
        charge = min(charge, rule.max_per_t)
    return charge


def penalty_amount(
    rule: AnyPenaltyRule,
    shortfall_t: int,
    price_per_t: Decimal,
    choice: Decimal | None = None,
) -> Decimal:
    """The penalty for ``shortfall_t`` missing tonnes, rounded half up to the hundredth.

    ``choice`` is the regulator's multiple (price-based rules) or fine (lump sums); it must
    already have passed ``check_choice``. Without one the minimum of the range applies.
    """
    assert shortfall_t >= 0, "a shortfall is never negative"
    assert not check_choice(rule, choice, ""), "check_choice first"
    if shortfall_t == 0:
        return Decimal(0).quantize(CENT)
    if isinstance(rule, PenaltyRule):
        amount = shortfall_t * per_tonne(rule, price_per_t, choice)
    elif isinstance(rule, FixedPenaltyRule):
        amount = shortfall_t * rule.amount_per_t
    else:
        amount = choice if choice is not None else rule.fine_min
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def still_owed(rule: AnyPenaltyRule) -> bool:
    """Whether the missing units must still be surrendered the following year."""
    return bool(getattr(rule, "surrender_still_owed", False))
