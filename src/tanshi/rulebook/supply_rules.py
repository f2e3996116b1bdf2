"""Supply rules: phases, annual caps, reserves and how allowances are auctioned."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from tanshi.rulebook.records import Code, Confidence, Ruled, Share, Sourced, Text, Year


class PhaseRule(Ruled):
    """A named trading phase or allocation plan, e.g. K-ETS phase 1 (2015-2017)."""

    code: Code
    name: Text


class CapRule(Sourced):
    """The total allowances of one year and how they are split.

    ``cap_t`` = ``pre_allocated_t`` (when given) + ``reserve_t`` + ``auction_t``: the
    reserve and the auctioned volume are held back from free allocation. ``source`` and
    ``confidence`` are the cap's; when the year's reserve comes from another text or is
    less sure (a phase's reserve split by year), ``reserve_source`` and
    ``reserve_confidence`` say so for ``reserve_t``.
    """

    year: Year
    cap_t: Annotated[int, Field(ge=0)]
    reserve_t: Annotated[int, Field(ge=0)] = 0
    auction_t: Annotated[int, Field(ge=0)] = 0
    pre_allocated_t: Annotated[int, Field(ge=0)] | None = None
    reserve_source: Text | None = None
    reserve_confidence: Confidence | None = None

    @model_validator(mode="after")
    def _reserve_citation_whole(self) -> CapRule:
        if (self.reserve_source is None) != (self.reserve_confidence is None):
            raise ValueError(
                "give reserve_source and reserve_confidence together (the reserve's own "
                "citation), or neither (the cap's citation covers the reserve)"
            )
        return self

    @property
    def reserve_citation(self) -> Sourced | None:
        """The reserve's own source and confidence, when it has them."""
        if self.reserve_source is None or self.reserve_confidence is None:
            return None
        return Sourced(source=self.reserve_source, confidence=self.reserve_confidence)

    @property
    def free_allocation_budget_t(self) -> int:
        """The most the year's free allocation may total before any reserve is released."""
        return self.cap_t - self.reserve_t - self.auction_t


ReservePurpose = Literal["new_entrant", "early_action", "market_stability", "market_maker", "other"]


class ReserveRule(Ruled):
    """A named reserve of a phase: inside the cap (held back from it) or on top of it."""

    code: Code
    purposes: Annotated[tuple[ReservePurpose, ...], Field(min_length=1)]
    quantity_t: Annotated[int, Field(ge=0)]
    inside_cap: bool


class AuctionRule(Ruled):
    """How allowances are auctioned: a uniform-price sealed-bid auction and its limits.

    Prices are in the rulebook's currency. Without ``reserve_price_per_t`` the reserve
    price is set for each auction (e.g. from recent market prices) and must be given.
    """

    format: Literal["uniform_price_sealed_bid"]
    reserve_price_per_t: Annotated[Decimal, Field(ge=0)] | None = None
    purchase_limit_share: Share
    lot_size_t: Annotated[int, Field(ge=1)] = 1
    price_tick: Annotated[Decimal, Field(gt=0)] = Decimal("0.01")
    bid_guarantee_required: bool = False
    unsold: Literal["roll_over", "withhold", "cancel"]
    volume_per_auction_t: Annotated[int, Field(gt=0)] | None = None
    # Sectors whose companies may bid; empty: anyone (K-ETS: only sectors with an auction share).
    eligible_sectors: tuple[Code, ...] = ()
