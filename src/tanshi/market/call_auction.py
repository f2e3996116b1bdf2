"""The uncrossing price of a call auction: most volume, least imbalance, nearest reference."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True, slots=True)
class Candidate:
    """One price the auction could clear at, with what would trade there."""

    price_fen: int
    demand_t: int  # bid quantity priced at or above this price
    supply_t: int  # ask quantity priced at or below this price

    @property
    def volume_t(self) -> int:
        return min(self.demand_t, self.supply_t)

    @property
    def imbalance_t(self) -> int:
        return abs(self.demand_t - self.supply_t)


def candidates(
    bids: Sequence[tuple[int, int]],
    asks: Sequence[tuple[int, int]],
    reference_fen: int | None,
    tick_fen: int = 1,
) -> list[Candidate]:
    """Demand and supply at every price that can win, in ascending order.

    Demand and supply only change at limit prices, so between two neighbouring limit prices
    they are constant, and such a gap can beat both its ends on imbalance. Within a gap
    only its first and last tick and the ticks either side of the reference can win (the
    third rule prefers the price nearest the reference, the fourth the lower price).
    """
    limits = sorted({p for p, _ in bids} | {p for p, _ in asks})
    prices = set(limits)
    for low, high in pairwise(limits):
        if high - low > tick_fen:
            prices.update((low + tick_fen, high - tick_fen))
            if reference_fen is not None and low < reference_fen < high:
                below = reference_fen - reference_fen % tick_fen
                prices.update(p for p in (below, below + tick_fen) if low < p < high)
    bid_prices = sorted(p for p, _ in bids)
    bid_cumulative = _suffix_sums(sorted(bids))  # quantity at or above bid_prices[i]
    ask_prices = sorted(p for p, _ in asks)
    ask_cumulative = _prefix_sums(sorted(asks))  # quantity at or below ask_prices[i]
    found = []
    for price in sorted(prices):
        i = bisect_left(bid_prices, price)
        demand = bid_cumulative[i] if i < len(bid_prices) else 0
        j = bisect_right(ask_prices, price)
        supply = ask_cumulative[j - 1] if j else 0
        found.append(Candidate(price, demand, supply))
    return found


def uncross_price(
    bids: Sequence[tuple[int, int]],
    asks: Sequence[tuple[int, int]],
    reference_fen: int | None,
    tick_fen: int = 1,
) -> tuple[int, int] | None:
    """The (price, volume) of the auction, or None when nothing crosses.

    Rules, in order: the most executable volume; then the smallest imbalance between demand
    and supply at that price; then the price nearest the reference price; then the lower
    price (an assumption: no source fixes the last tie for carbon venues).
    """
    best: tuple[tuple[int, int, int, int], Candidate] | None = None
    for candidate in candidates(bids, asks, reference_fen, tick_fen):
        if candidate.volume_t == 0:
            continue
        distance = 0 if reference_fen is None else abs(candidate.price_fen - reference_fen)
        key = (-candidate.volume_t, candidate.imbalance_t, distance, candidate.price_fen)
        if best is None or key < best[0]:
            best = (key, candidate)
    if best is None:
        return None
    return best[1].price_fen, best[1].volume_t


def _prefix_sums(levels: Sequence[tuple[int, int]]) -> list[int]:
    total, sums = 0, []
    for _, quantity in levels:
        total += quantity
        sums.append(total)
    return sums


def _suffix_sums(levels: Sequence[tuple[int, int]]) -> list[int]:
    total, sums = 0, []
    for _, quantity in reversed(levels):
        total += quantity
        sums.append(total)
    return sums[::-1]
