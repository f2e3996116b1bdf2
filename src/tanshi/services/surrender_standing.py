"""Where a company stands for a year before it surrenders: owed, surrendered, still to give.

Surrendering more than the obligation is lawful (the surplus is cancelled like the rest),
so nothing here refuses; the web's surrender form shows these figures and asks before a
surrender goes beyond what is still owed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine

from tanshi.compliance import Position, PriceBasis, reconcile
from tanshi.rulebook import rules_in_force
from tanshi.services.compliance import deadline_of, positions
from tanshi.services.jurisdiction import Jurisdiction


@dataclass(frozen=True, slots=True)
class Standing:
    """A company's year as the compliance run would see it now (before the deadline too)."""

    year: int
    obligation_t: int  # units owed for verified emissions (and any still owed from before)
    surrendered_t: int  # allowances and credits surrendered for the year
    still_owed_t: int  # what is left to surrender (credits beyond their cap do not count)

    def beyond_t(self, quantity_t: int) -> int:
        """How much of a surrender of ``quantity_t`` would go beyond what is still owed."""
        return max(0, quantity_t - self.still_owed_t)


def standing_of(
    jurisdiction: Jurisdiction, year: int, position: Position | None
) -> Standing | None:
    """The standing a position gives; None without verified emissions (nothing known owed)."""
    if position is None or not position.covered or position.verified_tco2 is None:
        return None
    rules = rules_in_force(jurisdiction.rulebook, year)
    deadline = deadline_of(jurisdiction, year)
    no_price = PriceBasis(Decimal(0), deadline, deadline, from_trades=False)  # no penalty shown
    line = reconcile(year, [position], rules.compliance, rules.offsets, rules.penalty, no_price,
                     rules.obligation_limits)[0]  # fmt: skip
    assert line.obligation_t is not None and line.shortfall_t is not None
    surrendered = position.surrendered_allowances_t + position.surrendered_offsets_t
    return Standing(year, line.obligation_t, surrendered, line.shortfall_t)


def standing(
    engine: Engine, jurisdiction: Jurisdiction, company: str, year: int
) -> Standing | None:
    """``company``'s standing for ``year`` (raises NoRuleInForce for a year without rules)."""
    found = next((p for p in positions(engine, jurisdiction, year) if p.company == company), None)
    return standing_of(jurisdiction, year, found)
