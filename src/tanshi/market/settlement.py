"""Delivery versus payment, decided in pure code: what a trade owes, when, and the fees.

A ``Fill`` is a plain trade record, whatever made it: a fill of the matching engine, a
block or negotiated trade, a bilateral trade. ``plan_settlement`` turns it into a
``SettlementPlan`` — the value in fen, each side's fee, the settlement day — and the cash
movements that pay for it once the units are delivered. The shell
(services/settlement.py) executes both legs in one database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tanshi.core.issues import Issue
from tanshi.market.cash import CashMovement
from tanshi.market.settlement_rules import SettlementRules, fee_fen

MAX_TRADE_ID_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Fill:
    """A trade to settle: ``quantity_t`` units of a class at ``price_fen_per_t``.

    ``buyer`` and ``seller`` are registry account codes (e.g. ``DP-OH-C001``); ``trade_id``
    is unique within its ``venue`` and is the settlement's idempotency key.
    """

    trade_id: str
    venue: str
    buyer: str
    seller: str
    unit_class: str
    quantity_t: int
    price_fen_per_t: int
    traded_at: datetime

    @property
    def value_fen(self) -> int:
        return self.quantity_t * self.price_fen_per_t

    def fingerprint(self) -> str:
        """What makes a second report of the same trade id the same trade."""
        return "|".join(
            str(part)
            for part in (self.venue, self.trade_id, self.buyer, self.seller, self.unit_class,
                         self.quantity_t, self.price_fen_per_t)
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SettlementPlan:
    """What a trade owes: the buyer pays value + fee, the seller receives value − fee."""

    value_fen: int
    buyer_fee_fen: int
    seller_fee_fen: int
    settle_on: date

    @property
    def buyer_pays_fen(self) -> int:
        return self.value_fen + self.buyer_fee_fen

    @property
    def seller_receives_fen(self) -> int:
        return self.value_fen - self.seller_fee_fen

    @property
    def fees_fen(self) -> int:
        return self.buyer_fee_fen + self.seller_fee_fen

    def payment(self, clearing: int, seller: int, fees: int) -> tuple[CashMovement, ...]:
        """The cash movements of settlement, out of the funds set aside in ``clearing``."""
        legs = [(seller, self.seller_receives_fen), (fees, self.fees_fen)]
        return tuple(CashMovement(clearing, to, amount) for to, amount in legs if amount > 0)


def check_fill(fill: Fill) -> list[Issue]:
    """Every problem with a trade record on its own."""
    where = f"trade {fill.venue}/{fill.trade_id}"
    issues = []
    if not 1 <= len(fill.trade_id) <= MAX_TRADE_ID_LENGTH:
        issues.append(Issue("trade_id_must_be_1_to_100_characters",
                            "give the trade the venue's id, 1 to 100 characters", where))  # fmt: skip
    if fill.buyer == fill.seller:
        issues.append(Issue("same_counterparty", "buyer and seller must differ", where))
    if fill.quantity_t <= 0:
        issues.append(Issue("quantity_must_be_positive", "trade at least 1 t (one unit)", where))
    if fill.price_fen_per_t <= 0:
        issues.append(Issue("price_must_be_positive", "the price must be above zero", where))
    if fill.traded_at.tzinfo is None:
        issues.append(Issue("trade_time_without_zone",
                            "give the trade time with its UTC offset", where))  # fmt: skip
    return issues


def plan_settlement(
    fill: Fill, rules: SettlementRules, trade_day: date
) -> tuple[SettlementPlan | None, list[Issue]]:
    """The plan of ``fill`` traded on ``trade_day`` (local), or every problem found."""
    issues = check_fill(fill)
    where = f"trade {fill.venue}/{fill.trade_id}"
    venue = rules.venue(fill.venue)
    if venue is None:
        known = ", ".join(v.code for v in rules.venues)
        issues.append(Issue("unknown_venue", f"no venue {fill.venue}; use one of {known}", where))
    if issues or venue is None:
        return None, issues
    fee, problems = rules.fee_rule(venue.code, trade_day)
    if problems:
        return None, problems
    value = fill.value_fen
    buyer_fee = 0 if fee is None else fee_fen(value, fee.buyer_rate, fee.minimum_fen)
    seller_fee = 0 if fee is None else fee_fen(value, fee.seller_rate, fee.minimum_fen)
    if seller_fee > value:
        return None, [Issue("fee_exceeds_proceeds",
                            f"the seller's fee of {seller_fee} fen exceeds the trade's value of "
                            f"{value} fen; trade a larger quantity", where)]  # fmt: skip
    return SettlementPlan(
        value, buyer_fee, seller_fee, rules.settlement_day(trade_day, venue.cycle_days)
    ), []


def funds_needed(
    rules: SettlementRules, venue: str, day: date, quantity_t: int, price_fen_per_t: int
) -> int | None:
    """What a buyer must set aside to buy ``quantity_t`` at up to ``price_fen_per_t``.

    The value plus the buyer's fee on it; a fill at a lower price needs less, and the rest
    is released. None if the venue has no unambiguous fee rule that day.
    """
    fee, problems = rules.fee_rule(venue, day)
    if problems or rules.venue(venue) is None:
        return None
    value = quantity_t * price_fen_per_t
    return value + (0 if fee is None else fee_fen(value, fee.buyer_rate, fee.minimum_fen))
