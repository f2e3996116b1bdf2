"""Seeded sealed bids of the demo's auction: the companies still short bid near the market.

The plan is pure data; the demo runner submits it through the bid book. A bidder asks for
part of what it still wants (at most the per-bidder limit, in whole lots) in one to three
bids priced a few per cent either side of the exchange's last close, never below the
reserve price, so the book is deeper than the volume and some bids end under the clearing
price.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

MAX_BIDDERS = 20  # the companies that want most; the rest keep to the exchange


@dataclass(frozen=True, slots=True)
class PlannedBid:
    company: str
    price_per_t: Decimal
    quantity_t: int


def plan_bids(
    rng: random.Random, wants_t: dict[str, int], market_per_t: Decimal, *, lot_t: int,
    limit_t: int, reserve_per_t: Decimal,
) -> list[PlannedBid]:  # fmt: skip
    """The bids of the companies that want at least a lot, most wanting first."""
    ranked = sorted(((want, company) for company, want in wants_t.items() if want >= lot_t),
                    reverse=True)[:MAX_BIDDERS]  # fmt: skip
    bids = []
    for want, company in sorted(ranked, key=lambda pair: pair[1]):
        share = Decimal(rng.randrange(75, 101)) / 100
        lots = int((min(want, limit_t) * share / lot_t).to_integral_value(ROUND_DOWN))
        parts = min(rng.randrange(1, 4), lots)
        for index in range(parts):
            quantity = (lots // parts + (1 if index < lots % parts else 0)) * lot_t
            offset = Decimal(rng.randrange(-800, 401)) / 10_000
            price = (market_per_t * (1 + offset)).quantize(Decimal("0.01"), ROUND_DOWN)
            bids.append(PlannedBid(company, max(price, reserve_per_t), quantity))
    return bids
