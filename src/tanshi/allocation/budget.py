"""Fitting preliminary allocations into what the cap leaves for free allocation.

    available  = cap − reserve − auctioned volume + released reserve      (whole units)
    correction = min(1, available / Σ preliminary)      (uniform, like the EU CSCF)
    allocated  = round(preliminary × correction)        (the rule's rounding, per company)

Rounding half up can push the total past ``available``; every company is then rounded
down instead, which never can, because the correction already keeps the exact total within
it. So Σ allocated ≤ available always holds.

Then the auction share of each company's sector is taken out of its allocation:

    free       = floor(allocated × (1 − share))      (down: the auctioned part is never less
    auctioned  = allocated − free                      than the share, as "at least" says)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue, Severity
from tanshi.rulebook.model import AuctionShareRule, CapRule

ROUNDING = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP}


def available_t(cap: CapRule, released_t: int = 0) -> int:
    """Units free allocation may total: the cap's free budget plus released reserve units."""
    if released_t < 0:
        raise TanshiError(f"released_t must not be negative, got {released_t}")
    if cap.free_allocation_budget_t < 0:
        raise TanshiError(
            f"the {cap.year} cap holds back more (reserve_t + auction_t) than cap_t; "
            "check_rulebook reports it as reserve_exceeds_cap"
        )
    return cap.free_allocation_budget_t + released_t


@dataclass(frozen=True, slots=True)
class Fitted:
    """Preliminary allocations scaled into the budget and rounded to whole units."""

    allocated_t: dict[str, int]
    correction: Decimal
    issues: tuple[Issue, ...]


def fit_to_budget(
    preliminary: Mapping[str, Decimal], available: int, rounding: str, where: str
) -> Fitted:
    """Scale ``preliminary`` (company → t) uniformly into ``available`` and round."""
    issues: list[Issue] = []
    total = sum(preliminary.values(), Decimal(0))
    correction = min(Decimal(1), Decimal(available) / total) if total > 0 else Decimal(1)
    if correction < 1:
        issues.append(
            Issue(
                "correction_applied",
                f"preliminary allocation {total:.0f} t exceeds what the cap leaves for free "
                f"allocation ({available} t); every allocation is scaled by {correction:.6f}",
                where,
                Severity.WARNING,
            )
        )
    mode = ROUNDING[rounding]
    rounded = {
        key: int((value * correction).to_integral_value(mode)) for key, value in preliminary.items()
    }
    if sum(rounded.values()) > available:
        rounded = {
            key: int((value * correction).to_integral_value(ROUND_DOWN))
            for key, value in preliminary.items()
        }
        issues.append(
            Issue(
                "rounded_down_to_fit_cap",
                "rounding half up would allocate more than the cap leaves for free "
                "allocation; every allocation is rounded down instead",
                where,
                Severity.WARNING,
            )
        )
    return Fitted(rounded, correction, tuple(issues))


def auction_share_of(
    sector: str | None, shares: Sequence[AuctionShareRule]
) -> tuple[Decimal, AuctionShareRule | None]:
    """The share of ``sector``'s allocation that is auctioned, and the rule saying so."""
    for rule in shares:
        if sector is not None and sector in rule.sectors:
            return rule.share, rule
    return Decimal(0), None


def split_auctioned(allocated: int, share: Decimal) -> tuple[int, int]:
    """(free, auctioned) of an allocation: free rounded down, the rest auctioned."""
    free = int((allocated * (1 - share)).to_integral_value(ROUND_DOWN))
    return free, allocated - free
