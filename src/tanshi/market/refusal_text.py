"""Why the book refused an order, said with the figures that fix it (limits, tick, lot).

The result codes stay as documented (orders.ResultCode); these are the English sentences an
Issue carries beside them. web/sentences.py reads the same sentences back in Chinese, so a
change here needs the pattern there.
"""

from __future__ import annotations

from tanshi.core.quantities import fen_to_cny
from tanshi.market.book import OrderBook
from tanshi.market.orders import ResultCode

NO_LIMIT_FEN = 1 << 62  # the book's upper limit when its product has no price band


def cny(fen: int) -> str:
    """Fen as ``CNY 1,234.50``."""
    return f"CNY {fen_to_cny(fen):,}"


def order_refusal(code: str, book: OrderBook) -> str:
    """The sentence for result ``code`` of an order on ``book``, as of now."""
    rules = book.rules
    if code == ResultCode.PRICE_OUTSIDE_LIMITS:
        if book.upper_fen >= NO_LIMIT_FEN:
            return f"the price must be at least {cny(book.lower_fen)} per tonne"
        return (f"the price must be between {cny(book.lower_fen)} and {cny(book.upper_fen)} "
                f"per tonne today (the daily price limits)")  # fmt: skip
    if code == ResultCode.PRICE_OFF_TICK:
        return f"the price must be a multiple of {cny(rules.tick_fen)} per tonne (the tick)"
    if code == ResultCode.PRICE_MUST_BE_POSITIVE:
        return "the price must be above zero"
    if code == ResultCode.QUANTITY_OFF_LOT:
        return f"the quantity must be a multiple of {rules.lot_t:,} t (the lot)"
    if code == ResultCode.QUANTITY_ABOVE_MAXIMUM and rules.max_quantity_t is not None:
        return (f"an order on the book may be at most {rules.max_quantity_t:,} t; trade more "
                f"as a block trade")  # fmt: skip
    if code == ResultCode.QUANTITY_MUST_BE_POSITIVE:
        return "the quantity must be above zero"
    return f"the engine refused the order ({code})"
