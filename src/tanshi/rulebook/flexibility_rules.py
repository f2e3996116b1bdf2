"""Compliance-side rules held as data: banking, borrowing, obligation limits and penalties.

The compliance engine reads these; the rulebook only validates and shows them. Every limit
is a share or a quantity named after its unit, so the engine needs no literals.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AliasChoices, Field

from tanshi.rulebook.records import Ruled, Share, Text, Year


class BankingRule(Ruled):
    """Whether allowances of this period may be kept for later, and how many.

    ``limit``: ``none`` (unlimited); ``share_of_average_allocation`` (at most
    ``share_of_average_allocation`` × the average annual allocation of the phase +
    ``plus_t``); ``multiple_of_net_sales`` (at most ``net_sales_multiple`` × units sold
    less units bought in the period).
    """

    allowed: bool
    limit: Literal["none", "share_of_average_allocation", "multiple_of_net_sales"] = "none"
    share_of_average_allocation: Share | None = None
    plus_t: Annotated[int, Field(ge=0)] = 0
    net_sales_multiple: Annotated[Decimal, Field(gt=0)] | None = None
    across_phases: bool = True


class BorrowingRule(Ruled):
    """Whether allowances of a later year may be surrendered now, and how many.

    Borrowing is allowed up to ``max_share_of_obligation`` of the obligation; or, with
    ``min_gap_share_of_allocation``, only by entities whose gap exceeds that share of
    their allocation, up to ``max_share_of_gap`` of the gap, from ``lend_from_year``.
    """

    allowed: bool
    max_share_of_obligation: Share | None = None
    min_gap_share_of_allocation: Share | None = None
    max_share_of_gap: Share | None = None
    lend_from_year: Year | None = None
    within_phase_only: bool = True


class ObligationLimitRule(Ruled):
    """Caps on what must be surrendered (China: gas units; others' gap ≤ 20% of emissions)."""

    max_gap_share_of_verified: Share | None = None
    gas_units_capped_at_allocation: bool = False


class PriceWindow(enum.StrEnum):
    COMPLIANCE_YEAR = "compliance_year"
    MONTHS_BEFORE_DEADLINE = "months_before_deadline"


class PenaltyRule(Ruled):
    """A missing tonne costs a multiple of the average price (a range if ``multiple_max``).

    ``max_per_t`` caps the charge per tonne (K-ETS: KRW 100,000). Prices are in the
    rulebook's currency; ``fallback_price_cny_per_t`` is also accepted as the field name.
    """

    kind: Literal["multiple_of_average_price"]
    multiple: Annotated[Decimal, Field(gt=0)]
    multiple_max: Annotated[Decimal, Field(gt=0)] | None = None
    price_window: PriceWindow
    window_months: Annotated[int, Field(ge=1, le=24)] | None = None
    fallback_price_per_t: Annotated[Decimal, Field(gt=0)] = Field(
        validation_alias=AliasChoices("fallback_price_per_t", "fallback_price_cny_per_t")
    )
    max_per_t: Annotated[Decimal, Field(gt=0)] | None = None
    deduct_shortfall_from_next_allocation: bool
    surrender_still_owed: bool = False

    @property
    def fallback_price_cny_per_t(self) -> Decimal:
        """The fallback price under its original (CNY) name."""
        return self.fallback_price_per_t


class FixedPenaltyRule(Ruled):
    """A fixed amount per missing tonne (EU: EUR 100, CPI-indexed), surrender still owed."""

    kind: Literal["fixed_per_tonne"]
    amount_per_t: Annotated[Decimal, Field(gt=0)]
    indexed_to: Text | None = None
    surrender_still_owed: bool
    deduct_shortfall_from_next_allocation: bool


class LumpSumPenaltyRule(Ruled):
    """A fine within a range whatever the shortfall (China 2021: CNY 20,000-30,000)."""

    kind: Literal["lump_sum_fine"]
    fine_min: Annotated[Decimal, Field(gt=0)]
    fine_max: Annotated[Decimal, Field(gt=0)]
    deduct_shortfall_from_next_allocation: bool


AnyPenaltyRule = Annotated[
    PenaltyRule | FixedPenaltyRule | LumpSumPenaltyRule, Field(discriminator="kind")
]
