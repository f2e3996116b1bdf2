"""A uniform-price sealed-bid auction, cleared as a pipeline of stages over bid records.

1. Admissible bids: quantity a whole number of lots, price a whole number of ticks; when
   the terms name eligible sectors and the bidders' sectors are known, only their bids.
2. Reserve price: bids below it are not accepted.
3. Bid guarantee: each bidder's bids, highest price first, are kept while their value
   (price × quantity) fits in the amount lodged; the bid that crosses it is cut to the lots
   that fit; the rest are not accepted. A bidder with no guarantee when one is required
   has no bid accepted.
4. Purchase limit: each bidder's bids, highest price first, are kept up to
   floor(limit share × volume / lot) lots; the bid that crosses it is cut.
5. Clearing: bids sorted by price, highest first. If they ask for no more than the volume,
   every bid is filled and the price is the reserve price (undersubscribed, as in California
   and RGGI). Otherwise the price is that of the bid at which the cumulative quantity first
   reaches the volume; bids above it are filled, and bids at it share what is left
   pro rata to their quantity, rounded down to whole lots; leftover lots go one at a time
   to the tied bids in a random order drawn from ``seed``.
6. What is not sold is rolled over to the next auction, withheld or cancelled, as the
   rule says.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from tanshi.auction.bids import Bid
from tanshi.core.errors import StepRefused, TanshiError
from tanshi.core.issues import Issue, Severity, Where
from tanshi.rulebook.model import AuctionRule

# Where a clearing's problems are: the terms themselves, or the auction as a whole.
TERMS = "auction terms"
AUCTION = "auction"


@dataclass(frozen=True, slots=True)
class AuctionTerms:
    """What one auction offers and under which limits (from the rulebook and the notice)."""

    volume_t: int
    reserve_price_per_t: Decimal
    purchase_limit_share: Decimal
    lot_size_t: int = 1
    price_tick: Decimal = Decimal("0.01")
    bid_guarantee_required: bool = False
    unsold: str = "roll_over"
    eligible_sectors: frozenset[str] = frozenset()  # empty: anyone may bid

    @classmethod
    def from_rule(
        cls, rule: AuctionRule, volume_t: int, reserve_price_per_t: Decimal | None = None
    ) -> AuctionTerms:
        """Terms of an auction under ``rule``; a reserve price given here overrides the rule's."""
        price = reserve_price_per_t if reserve_price_per_t is not None else rule.reserve_price_per_t
        if price is None:
            raise StepRefused(Issue.of("no_auction_terms", "the rulebook sets the reserve price "
                                       "for each auction: give it (--reserve-price)", "year"))  # fmt: skip
        if volume_t < 0:
            raise StepRefused(Issue.of("no_auction_terms", "the volume must not be negative, got "
                                       "{volume_t}", "year", volume_t=volume_t))  # fmt: skip
        return cls(
            volume_t, price, rule.purchase_limit_share, rule.lot_size_t, rule.price_tick,
            rule.bid_guarantee_required, rule.unsold, frozenset(rule.eligible_sectors),
        )  # fmt: skip

    @property
    def purchase_limit_t(self) -> int:
        lots = (self.purchase_limit_share * self.volume_t / self.lot_size_t).to_integral_value(
            ROUND_DOWN
        )
        return int(lots) * self.lot_size_t


@dataclass(frozen=True, slots=True)
class Award:
    """A bid as accepted (``accepted_t`` after the limits) and what it won."""

    bid: Bid
    accepted_t: int
    awarded_t: int


@dataclass(frozen=True, slots=True)
class AuctionResult:
    """The outcome of one auction: price, awards, what was not sold and why bids were cut."""

    terms: AuctionTerms
    clearing_price_per_t: Decimal | None  # None when nothing was sold
    awards: tuple[Award, ...]
    unsold_t: int
    issues: tuple[Issue, ...]
    seed: int
    by_bidder_t: dict[str, int] = field(default_factory=dict)

    @property
    def sold_t(self) -> int:
        return sum(award.awarded_t for award in self.awards)

    @property
    def rolled_over_t(self) -> int:
        return self.unsold_t if self.terms.unsold == "roll_over" else 0

    @property
    def proceeds(self) -> Decimal:
        price = self.clearing_price_per_t or Decimal(0)
        return price * self.sold_t


def check_terms(terms: AuctionTerms) -> list[Issue]:
    """Every problem with the terms themselves (errors): nothing is cleared on such terms."""
    at, error = Where.of(TERMS), Severity.ERROR
    problems = []
    if terms.volume_t < 0:
        problems.append(Issue.of("bad_volume", "the volume offered must not be negative, got "
                                 "{volume_t} t; nothing was cleared", at, error,
                                 volume_t=terms.volume_t))  # fmt: skip
    if not (terms.reserve_price_per_t.is_finite() and terms.reserve_price_per_t >= 0):
        problems.append(Issue.of("bad_reserve_price", "the reserve price must be a price of 0 "
                                 "or more per tonne, got {reserve}; nothing was cleared", at,
                                 error, reserve=terms.reserve_price_per_t))  # fmt: skip
    if terms.lot_size_t < 1:
        problems.append(Issue.of("bad_lot_size", "the lot size must be at least 1 t, got "
                                 "{lot_t}; nothing was cleared", at, error,
                                 lot_t=terms.lot_size_t))  # fmt: skip
    if not (terms.price_tick.is_finite() and terms.price_tick > 0):
        problems.append(Issue.of("bad_price_tick", "the price tick must be more than 0, got "
                                 "{tick}; nothing was cleared", at, error,
                                 tick=terms.price_tick))  # fmt: skip
    share = terms.purchase_limit_share
    if not (share.is_finite() and 0 < share <= 1):
        problems.append(Issue.of("bad_purchase_limit", "the per-bidder limit must be a share in "
                                 "(0, 1], got {share}; nothing was cleared", at, error,
                                 share=share))  # fmt: skip
    return problems


def clear_auction(
    terms: AuctionTerms,
    bids: Sequence[Bid],
    guarantees: Mapping[str, Decimal] | None = None,
    *,
    seed: int = 0,
    bidder_sectors: Mapping[str, str] | None = None,
) -> AuctionResult:
    """Clear one auction; every bid not accepted in full is explained by an Issue.

    Terms that make no sense (a negative reserve price or volume, a lot under 1 t, a tick or
    limit out of range) clear nothing: the result holds no award and the terms' errors.

    ``bidder_sectors`` (bidder → sector), when given, lets the terms' eligible sectors be
    checked; without it eligibility is not checked.
    """
    problems = check_terms(terms)
    if problems:
        return AuctionResult(terms, None, (), 0, tuple(problems), seed)
    issues: list[Issue] = []
    admissible = _eligible(terms, _admissible(terms, bids, issues), bidder_sectors, issues)
    accepted = {bid.bid_id: bid.quantity_t for bid in admissible}
    for bid in bids:
        if bid.bid_id in accepted and bid.price_per_t < terms.reserve_price_per_t:
            del accepted[bid.bid_id]
            issues.append(Issue.of(
                "below_reserve_price", "bid of {bidder} for {quantity_t} t at {price}: below "
                "the reserve price {reserve}", bid.bid_id, Severity.WARNING, **_bid(bid),
                reserve=terms.reserve_price_per_t))  # fmt: skip
    _apply_guarantees(terms, bids, guarantees, accepted, issues)
    _apply_purchase_limit(terms, bids, accepted, issues)
    live = sorted(
        (bid for bid in bids if accepted.get(bid.bid_id, 0) > 0),
        key=_price_then_file_order(bids),
    )
    demand = sum(accepted[bid.bid_id] for bid in live)
    awarded = dict.fromkeys(accepted, 0)
    if demand == 0:
        price = None
    elif demand <= terms.volume_t:
        price = terms.reserve_price_per_t
        awarded.update({bid.bid_id: accepted[bid.bid_id] for bid in live})
    else:
        price = _clear_oversubscribed(terms, live, accepted, awarded, random.Random(seed))
    sold = sum(awarded.values())
    unsold = terms.volume_t - sold
    if unsold and demand <= terms.volume_t:
        # ``unsold_rule`` names the rule (roll over); a page says it in its language (web/problems.py)
        issues.append(Issue.of(
            "undersubscribed", "bids at or above the reserve price asked for {demand_t} t of "
            "{volume_t} t; {unsold_t} t not sold ({unsold_rule})", Where.of(AUCTION),
            Severity.WARNING, demand_t=demand, volume_t=terms.volume_t, unsold_t=unsold,
            unsold_rule=terms.unsold.replace("_", " ")))  # fmt: skip
    awards = tuple(
        Award(bid, accepted.get(bid.bid_id, 0), awarded.get(bid.bid_id, 0)) for bid in bids
    )
    by_bidder: dict[str, int] = {}
    for award in awards:
        if award.awarded_t:
            by_bidder[award.bid.bidder] = by_bidder.get(award.bid.bidder, 0) + award.awarded_t
    return AuctionResult(
        terms, price if sold else None, awards, unsold, tuple(issues), seed, by_bidder
    )


def _bid(bid: Bid) -> dict[str, object]:
    """The params that name a bid in a warning's template (``bid of {bidder} for …``)."""
    return {"bidder": bid.bidder, "quantity_t": bid.quantity_t, "price": bid.price_per_t}


def _admissible(terms: AuctionTerms, bids: Sequence[Bid], issues: list[Issue]) -> list[Bid]:
    ids = [bid.bid_id for bid in bids]
    if len(set(ids)) != len(ids):
        raise TanshiError("bid ids must be unique")
    kept = []
    for bid in bids:
        if bid.quantity_t <= 0 or bid.quantity_t % terms.lot_size_t:
            issues.append(Issue.of(
                "not_whole_lots", "quantity {quantity_t} is not a whole number of lots of "
                "{lot_t} t", bid.bid_id, quantity_t=bid.quantity_t, lot_t=terms.lot_size_t))  # fmt: skip
        elif bid.price_per_t <= 0 or bid.price_per_t % terms.price_tick:
            issues.append(Issue.of(
                "not_whole_ticks", "price {price} is not a positive multiple of the tick {tick}",
                bid.bid_id, price=bid.price_per_t, tick=terms.price_tick))  # fmt: skip
        else:
            kept.append(bid)
    return kept


def _price_then_file_order(bids: Sequence[Bid]) -> Callable[[Bid], tuple[Decimal, int]]:
    """Sort key: highest price first, then the order the bids were given in."""
    position = {bid.bid_id: index for index, bid in enumerate(bids)}
    return lambda bid: (-bid.price_per_t, position[bid.bid_id])


def _eligible(
    terms: AuctionTerms,
    bids: list[Bid],
    bidder_sectors: Mapping[str, str] | None,
    issues: list[Issue],
) -> list[Bid]:
    if not terms.eligible_sectors or bidder_sectors is None:
        return bids
    kept = []
    for bid in bids:
        sector = bidder_sectors.get(bid.bidder)
        if sector in terms.eligible_sectors:
            kept.append(bid)
        else:
            eligible = sorted(terms.eligible_sectors)
            if sector is None:
                issues.append(Issue.of(
                    "bidder_not_eligible", "{bidder} (sector unknown) may not bid; eligible "
                    "sectors: {sectors}", bid.bid_id, bidder=bid.bidder, sectors=eligible))  # fmt: skip
            else:
                issues.append(Issue.of(
                    "bidder_not_eligible", "{bidder} (sector {sector}) may not bid; eligible "
                    "sectors: {sectors}", bid.bid_id, bidder=bid.bidder, sector=sector,
                    sectors=eligible))  # fmt: skip
    return kept


def _by_bidder(bids: Sequence[Bid], accepted: Mapping[str, int]) -> dict[str, list[Bid]]:
    groups: dict[str, list[Bid]] = {}
    for bid in sorted(bids, key=_price_then_file_order(bids)):
        if accepted.get(bid.bid_id, 0) > 0:
            groups.setdefault(bid.bidder, []).append(bid)
    return groups


def _apply_guarantees(
    terms: AuctionTerms,
    bids: Sequence[Bid],
    guarantees: Mapping[str, Decimal] | None,
    accepted: dict[str, int],
    issues: list[Issue],
) -> None:
    guarantees = guarantees or {}
    for bidder, group in _by_bidder(bids, accepted).items():
        if bidder not in guarantees:
            if terms.bid_guarantee_required:
                for bid in group:
                    accepted[bid.bid_id] = 0
                    issues.append(Issue.of(
                        "no_bid_guarantee", "bid of {bidder} for {quantity_t} t at {price}: the "
                        "bidder lodged no bid guarantee", bid.bid_id, Severity.WARNING,
                        **_bid(bid)))  # fmt: skip
            continue
        left = guarantees[bidder]
        for bid in group:
            quantity = accepted[bid.bid_id]
            lots = int((left / bid.price_per_t / terms.lot_size_t).to_integral_value(ROUND_DOWN))
            fits = min(quantity, lots * terms.lot_size_t)
            if fits < quantity:
                issues.append(Issue.of(
                    "exceeds_bid_guarantee", "bid of {bidder} for {quantity_t} t at {price}: cut "
                    "to {fits_t} t, what the guarantee still covers", bid.bid_id,
                    Severity.WARNING, **_bid(bid), fits_t=fits))  # fmt: skip
            accepted[bid.bid_id] = fits
            left -= fits * bid.price_per_t


def _apply_purchase_limit(
    terms: AuctionTerms, bids: Sequence[Bid], accepted: dict[str, int], issues: list[Issue]
) -> None:
    limit = terms.purchase_limit_t
    for group in _by_bidder(bids, accepted).values():
        left = limit
        for bid in group:
            fits = min(accepted[bid.bid_id], left)
            if fits < accepted[bid.bid_id]:
                issues.append(Issue.of(
                    "exceeds_purchase_limit", "bid of {bidder} for {quantity_t} t at {price}: "
                    "cut to {fits_t} t by the per-bidder limit of {limit_t} t", bid.bid_id,
                    Severity.WARNING, **_bid(bid), fits_t=fits, limit_t=limit))  # fmt: skip
            accepted[bid.bid_id] = fits
            left -= fits


def _clear_oversubscribed(
    terms: AuctionTerms,
    live: Sequence[Bid],
    accepted: Mapping[str, int],
    awarded: dict[str, int],
    rng: random.Random,
) -> Decimal:
    cumulative = 0
    price = live[-1].price_per_t
    for bid in live:
        cumulative += accepted[bid.bid_id]
        if cumulative >= terms.volume_t:
            price = bid.price_per_t
            break
    above = [bid for bid in live if bid.price_per_t > price]
    tied = [bid for bid in live if bid.price_per_t == price]
    for bid in above:
        awarded[bid.bid_id] = accepted[bid.bid_id]
    remaining = terms.volume_t - sum(awarded.values())
    tied_total = sum(accepted[bid.bid_id] for bid in tied)
    lot = terms.lot_size_t
    for bid in tied:
        awarded[bid.bid_id] = accepted[bid.bid_id] * remaining // tied_total // lot * lot
    leftover_lots = (remaining - sum(awarded[bid.bid_id] for bid in tied)) // lot
    order = list(tied)
    rng.shuffle(order)
    while leftover_lots > 0:
        progressed = False
        for bid in order:
            if leftover_lots and awarded[bid.bid_id] + lot <= accepted[bid.bid_id]:
                awarded[bid.bid_id] += lot
                leftover_lots -= 1
                progressed = True
        if not progressed:
            break
    return price
