"""The order vocabulary of the exchange: sides, time in force, phases and result codes."""

from __future__ import annotations

import enum
from decimal import Decimal

# Plain ints on the hot path: an IntEnum member compares equal to its value, so callers
# may pass Side.BUY or 0 alike.
BUY = 0
SELL = 1
GTC = 0  # good till cancelled: the remainder rests on the book
IOC = 1  # immediate or cancel: fill what crosses now, cancel the rest
FOK = 2  # fill or kill: fill the whole quantity now, or nothing


class Side(enum.IntEnum):
    """The side of an order."""

    BUY = BUY
    SELL = SELL


class TimeInForce(enum.IntEnum):
    """How long an order's unfilled remainder lives."""

    GTC = GTC
    IOC = IOC
    FOK = FOK


class Phase(enum.StrEnum):
    """What a product's book does with orders now (set by the venue's session table)."""

    CLOSED = "closed"
    OPENING_CALL = "opening_call"
    CONTINUOUS = "continuous"
    CLOSING_CALL = "closing_call"
    HALTED = "halted"


CALL_PHASES = frozenset({Phase.OPENING_CALL, Phase.CLOSING_CALL})
ORDER_ENTRY_PHASES = frozenset({Phase.OPENING_CALL, Phase.CONTINUOUS, Phase.CLOSING_CALL})


class ResultCode(enum.StrEnum):
    """The outcome of an order, cancel or amend.

    Listed in order of descending precedence: when several apply, the first one listed is
    returned (docs/market.md, "Result codes").
    """

    OK = "ok"
    UNKNOWN_PRODUCT = "unknown_product"
    MARKET_CLOSED = "market_closed"
    DUPLICATE_ORDER_ID = "duplicate_order_id"
    UNKNOWN_ORDER = "unknown_order"
    NOT_ORDER_OWNER = "not_order_owner"
    MARKET_ORDER_IN_CALL_AUCTION = "market_order_not_accepted_in_call_auction"
    TIME_IN_FORCE_NOT_ALLOWED = "time_in_force_not_allowed_in_this_phase"
    QUANTITY_MUST_BE_POSITIVE = "quantity_must_be_positive"
    QUANTITY_OFF_LOT = "quantity_not_a_multiple_of_the_lot"
    QUANTITY_ABOVE_MAXIMUM = "quantity_above_the_listed_maximum_use_a_block_trade"
    PRICE_MUST_BE_POSITIVE = "price_must_be_positive"
    PRICE_OFF_TICK = "price_not_a_multiple_of_the_tick"
    PRICE_OUTSIDE_LIMITS = "price_outside_the_daily_price_limits"
    AMEND_CHANGES_NOTHING = "amend_changes_nothing"
    SELF_TRADE_IN_CALL = "order_would_cross_own_order_in_call_auction"
    FOK_NOT_FILLABLE = "fill_or_kill_order_cannot_fill_completely"


PRECEDENCE: tuple[ResultCode, ...] = tuple(ResultCode)

# Reasons an order's remainder leaves the book without trading (in "cancelled" events).
CANCEL_BY_OWNER = "by_owner"
CANCEL_IOC_REMAINDER = "ioc_remainder"
CANCEL_SELF_TRADE = "self_trade_prevention"
CANCEL_EXPIRED = "expired"  # a day order still resting at the close


def cny_to_fen_exact(price_cny_per_t: Decimal) -> int | None:
    """A price in CNY as whole fen, or None when it is finer than one fen (off the tick)."""
    scaled = price_cny_per_t * 100
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)
