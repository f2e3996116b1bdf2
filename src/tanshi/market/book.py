"""One product's limit order book: price-time priority, price limits, STP and call auctions.

The hot path works on plain ints (prices in fen, quantities in whole tonnes) and appends
one tuple per event to a list the caller owns; records and Decimals live at the edges
(``events.py``). Each side is a dict of price -> deque of resting orders in time order,
with a heap of prices for the best level. Both are cleaned lazily: a cancelled order stays
in its deque with quantity 0 until it reaches the front (removing it from the middle of a
deep queue would cost O(queue)), and a heap entry whose level has gone is skipped.

Event tuples appended to ``events``:

- ``("fill", seq, product, price_fen, quantity_t, buy_order_id, sell_order_id, buyer,
  seller, aggressor)`` where aggressor is BUY, SELL or -1 for a call-auction match;
- ``("cancelled", seq, product, order_id, quantity_t, reason)`` when a remainder leaves the
  book without trading (IOC/market remainder, self-trade prevention, owner's cancel);
- ``("rejected", seq, product, order_id, code)`` for a refused order, cancel or amend;
- ``("amended", seq, product, order_id, price_fen, quantity_t)`` before an amended order
  keeps its place or re-enters;
- ``("uncrossed", seq, product, price_fen, volume_t)`` after a call auction.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from heapq import heappop, heappush

from tanshi.market.call_auction import uncross_price
from tanshi.market.orders import (
    BUY,
    CALL_PHASES,
    CANCEL_BY_OWNER,
    CANCEL_EXPIRED,
    CANCEL_IOC_REMAINDER,
    CANCEL_SELF_TRADE,
    FOK,
    GTC,
    ORDER_ENTRY_PHASES,
    SELL,
    Phase,
    ResultCode,
)

_OK = ResultCode.OK
_CONTINUOUS = Phase.CONTINUOUS


@dataclass(frozen=True, slots=True)
class BookRules:
    """The integer rules of one product's continuous book (from the venue file)."""

    product: str
    tick_fen: int = 1
    lot_t: int = 1
    max_quantity_t: int | None = None  # the largest listed order; above it, block trades
    band_bp: int | None = None  # price limit around the reference, in basis points


def price_limits(reference_fen: int, band_bp: int, tick_fen: int) -> tuple[int, int]:
    """The lowest and highest accepted prices: reference × (1 ∓ band), half up to the tick."""
    denominator = 10_000 * tick_fen
    lower = (2 * reference_fen * (10_000 - band_bp) + denominator) // (2 * denominator)
    upper = (2 * reference_fen * (10_000 + band_bp) + denominator) // (2 * denominator)
    return max(lower * tick_fen, tick_fen), upper * tick_fen


# A resting order is a list [order_id, owner, side, price_fen, quantity_t]: building a list
# is several times cheaper than calling a class's __init__, and the hot loops index it with
# literals. quantity_t is what is left to trade; 0 marks an order cancelled in place.
Order = list
ID, OWNER, SIDE, PRICE, QTY = range(5)


class OrderBook:
    """The book of one product. Single-threaded and deterministic: same calls, same events."""

    __slots__ = (
        "_ask_heap",
        "_bid_heap",
        "_lot",
        "_max_qty",
        "_tick",
        "asks",
        "bids",
        "events",
        "lower_fen",
        "orders",
        "phase",
        "product",
        "reference_fen",
        "rules",
        "seq",
        "upper_fen",
    )

    def __init__(self, rules: BookRules, events: list[tuple], reference_fen: int | None = None):
        self.rules = rules
        self.product = rules.product
        self.events = events
        self.seq = 0  # the sequence number of the command being applied (set by the caller)
        self.phase = Phase.CONTINUOUS
        self.bids: dict[int, deque[Order]] = {}
        self.asks: dict[int, deque[Order]] = {}
        self._bid_heap: list[int] = []  # negated prices
        self._ask_heap: list[int] = []
        self.orders: dict[int, Order] = {}
        self._tick = rules.tick_fen
        self._lot = rules.lot_t
        self._max_qty = rules.max_quantity_t if rules.max_quantity_t is not None else 1 << 62
        self.reference_fen: int | None = None
        self.lower_fen = 1
        self.upper_fen = 1 << 62
        self.set_reference(reference_fen)

    def set_reference(self, reference_fen: int | None) -> None:
        """Set the reference price (normally the previous close) and the limits around it."""
        self.reference_fen = reference_fen
        if reference_fen is None or self.rules.band_bp is None:
            self.lower_fen, self.upper_fen = self._tick, 1 << 62
        else:
            self.lower_fen, self.upper_fen = price_limits(
                reference_fen, self.rules.band_bp, self._tick
            )

    # -- order entry -------------------------------------------------------------------

    def check(
        self, order_id: int, price_fen: int | None, quantity_t: int, tif: int = GTC
    ) -> ResultCode:
        """The first result code that refuses a new order, by precedence (OK if none)."""
        if self.phase not in ORDER_ENTRY_PHASES:
            return ResultCode.MARKET_CLOSED
        if order_id in self.orders:
            return ResultCode.DUPLICATE_ORDER_ID
        if self.phase in CALL_PHASES:
            if price_fen is None:
                return ResultCode.MARKET_ORDER_IN_CALL_AUCTION
            if tif != GTC:
                return ResultCode.TIME_IN_FORCE_NOT_ALLOWED
        return self._check_size_and_price(price_fen, quantity_t)

    def _check_size_and_price(self, price_fen: int | None, quantity_t: int) -> ResultCode:
        if quantity_t <= 0:
            return ResultCode.QUANTITY_MUST_BE_POSITIVE
        if quantity_t % self._lot:
            return ResultCode.QUANTITY_OFF_LOT
        if quantity_t > self._max_qty:
            return ResultCode.QUANTITY_ABOVE_MAXIMUM
        if price_fen is not None:
            if price_fen <= 0:
                return ResultCode.PRICE_MUST_BE_POSITIVE
            if price_fen % self._tick:
                return ResultCode.PRICE_OFF_TICK
            if price_fen < self.lower_fen or price_fen > self.upper_fen:
                return ResultCode.PRICE_OUTSIDE_LIMITS
        return _OK

    def limit(
        self, order_id: int, owner: object, side: int, price_fen: int, quantity_t: int, tif=GTC
    ) -> ResultCode:
        """Enter a limit order; matches what crosses, then rests (GTC) or cancels the rest."""
        # The common case is checked inline; anything unusual goes to the full check.
        if (
            tif
            or self.phase is not _CONTINUOUS
            or order_id in self.orders
            or quantity_t <= 0
            or quantity_t % self._lot
            or quantity_t > self._max_qty
            or price_fen % self._tick
            or not self.lower_fen <= price_fen <= self.upper_fen
        ):
            code = self.check(order_id, price_fen, quantity_t, tif)
            if code is not _OK:
                self.events.append(("rejected", self.seq, self.product, order_id, code))
                return code
            if self.phase is not _CONTINUOUS:
                return self._enter_call(order_id, owner, side, price_fen, quantity_t)
            if tif == FOK and self._fillable(owner, side, price_fen, quantity_t) < quantity_t:
                code = ResultCode.FOK_NOT_FILLABLE
                self.events.append(("rejected", self.seq, self.product, order_id, code))
                return code
        if side == BUY:
            heap = self._ask_heap
            if heap and heap[0] <= price_fen:
                quantity_t = self._buy(order_id, owner, price_fen, quantity_t)
                if not quantity_t:
                    return _OK
            if tif:
                self._cancel_remainder(order_id, quantity_t, CANCEL_IOC_REMAINDER)
                return _OK
            order = [order_id, owner, BUY, price_fen, quantity_t]
            self.orders[order_id] = order
            level = self.bids.get(price_fen)
            if level is None:
                self.bids[price_fen] = deque((order,))
                heappush(self._bid_heap, -price_fen)
            else:
                level.append(order)
        else:
            heap = self._bid_heap
            if heap and -heap[0] >= price_fen:
                quantity_t = self._sell(order_id, owner, price_fen, quantity_t)
                if not quantity_t:
                    return _OK
            if tif:
                self._cancel_remainder(order_id, quantity_t, CANCEL_IOC_REMAINDER)
                return _OK
            order = [order_id, owner, SELL, price_fen, quantity_t]
            self.orders[order_id] = order
            level = self.asks.get(price_fen)
            if level is None:
                self.asks[price_fen] = deque((order,))
                heappush(self._ask_heap, price_fen)
            else:
                level.append(order)
        return _OK

    def market(
        self, order_id: int, owner: object, side: int, quantity_t: int, tif=GTC
    ) -> ResultCode:
        """A market order: trades up to the price limit, the remainder is cancelled (never rests).

        ``tif`` FOK makes it all-or-nothing; GTC and IOC both mean immediate-or-cancel.
        """
        code = self.check(order_id, None, quantity_t, tif)
        bound = self.upper_fen if side == BUY else self.lower_fen
        if (
            code is _OK
            and tif == FOK
            and self._fillable(owner, side, bound, quantity_t) < quantity_t
        ):
            code = ResultCode.FOK_NOT_FILLABLE
        if code is not _OK:
            self.events.append(("rejected", self.seq, self.product, order_id, code))
            return code
        if side == BUY:
            left = self._buy(order_id, owner, bound, quantity_t)
        else:
            left = self._sell(order_id, owner, bound, quantity_t)
        if left:
            self._cancel_remainder(order_id, left, CANCEL_IOC_REMAINDER)
        return _OK

    def _cancel_remainder(self, order_id: int, quantity_t: int, reason: str) -> None:
        self.events.append(("cancelled", self.seq, self.product, order_id, quantity_t, reason))

    # -- matching ----------------------------------------------------------------------

    def _buy(self, order_id: int, owner: object, limit_fen: int, quantity_t: int) -> int:
        """Match an incoming buy against asks up to ``limit_fen``; returns what is left."""
        asks = self.asks
        heap = self._ask_heap
        orders = self.orders
        append = self.events.append
        seq = self.seq
        product = self.product
        while heap:
            price = heap[0]
            if price > limit_fen:
                break
            level = asks.get(price)
            if level is None:  # a stale heap entry of an emptied level
                heappop(heap)
                continue
            while level:
                maker = level[0]
                available = maker[4]
                if not available:  # cancelled in place earlier
                    level.popleft()
                    continue
                if maker[1] == owner:  # self-trade prevention: cancel the newest (incoming)
                    self._cancel_remainder(order_id, quantity_t, CANCEL_SELF_TRADE)
                    return 0
                if available <= quantity_t:
                    level.popleft()
                    del orders[maker[0]]
                    maker[4] = 0
                    quantity_t -= available
                    append(
                        (
                            "fill", seq, product, price, available,
                            order_id, maker[0], owner, maker[1], BUY,
                        )
                    )  # fmt: skip
                    if not quantity_t:
                        break
                else:
                    maker[4] = available - quantity_t
                    append(
                        (
                            "fill", seq, product, price, quantity_t,
                            order_id, maker[0], owner, maker[1], BUY,
                        )
                    )  # fmt: skip
                    return 0
            if not level:
                del asks[price]
                heappop(heap)
            if not quantity_t:
                return 0
        return quantity_t

    def _sell(self, order_id: int, owner: object, limit_fen: int, quantity_t: int) -> int:
        """Match an incoming sell against bids down to ``limit_fen``; returns what is left."""
        bids = self.bids
        heap = self._bid_heap
        orders = self.orders
        append = self.events.append
        seq = self.seq
        product = self.product
        while heap:
            price = -heap[0]
            if price < limit_fen:
                break
            level = bids.get(price)
            if level is None:
                heappop(heap)
                continue
            while level:
                maker = level[0]
                available = maker[4]
                if not available:  # cancelled in place earlier
                    level.popleft()
                    continue
                if maker[1] == owner:
                    self._cancel_remainder(order_id, quantity_t, CANCEL_SELF_TRADE)
                    return 0
                if available <= quantity_t:
                    level.popleft()
                    del orders[maker[0]]
                    maker[4] = 0
                    quantity_t -= available
                    append(
                        (
                            "fill", seq, product, price, available,
                            maker[0], order_id, maker[1], owner, SELL,
                        )
                    )  # fmt: skip
                    if not quantity_t:
                        break
                else:
                    maker[4] = available - quantity_t
                    append(
                        (
                            "fill", seq, product, price, quantity_t,
                            maker[0], order_id, maker[1], owner, SELL,
                        )
                    )  # fmt: skip
                    return 0
            if not level:
                del bids[price]
                heappop(heap)
            if not quantity_t:
                return 0
        return quantity_t

    def _fillable(self, owner: object, side: int, limit_fen: int, wanted_t: int) -> int:
        """How much an incoming order could fill now, stopping at the owner's own order."""
        if side == BUY:
            prices = sorted(p for p in self.asks if p <= limit_fen)
            book = self.asks
        else:
            prices = sorted((p for p in self.bids if p >= limit_fen), reverse=True)
            book = self.bids
        total = 0
        for price in prices:
            for order in book[price]:
                if not order[QTY]:
                    continue
                if order[OWNER] == owner:
                    return total
                total += order[QTY]
                if total >= wanted_t:
                    return total
        return total

    # -- cancel and amend --------------------------------------------------------------

    def cancel(self, order_id: int, owner: object) -> ResultCode:
        """Take a resting order off the book."""
        order = self.orders.get(order_id)
        code = self._check_own(order, owner)
        if code is not _OK:
            self.events.append(("rejected", self.seq, self.product, order_id, code))
            return code
        assert order is not None
        self._cancel_remainder(order_id, order[QTY], CANCEL_BY_OWNER)
        self._remove(order)
        return _OK

    def _check_own(self, order: Order | None, owner: object) -> ResultCode:
        if self.phase not in ORDER_ENTRY_PHASES:
            return ResultCode.MARKET_CLOSED
        if order is None:
            return ResultCode.UNKNOWN_ORDER
        if order[OWNER] != owner:
            return ResultCode.NOT_ORDER_OWNER
        return _OK

    def _remove(self, order: Order) -> None:
        """Take an order off the book in place; its deque slot is dropped when reached."""
        del self.orders[order[ID]]
        order[QTY] = 0
        book = self.bids if order[SIDE] == BUY else self.asks
        level = book[order[PRICE]]
        while level and not level[0][QTY]:
            level.popleft()
        if not level:
            del book[order[PRICE]]  # its heap entry goes stale and is skipped later

    def amend(self, order_id: int, owner: object, price_fen: int, quantity_t: int) -> ResultCode:
        """Change a resting order's price or quantity.

        Reducing the quantity at the same price keeps the order's place in the queue;
        raising it or changing the price re-enters the order at the back (it may trade).
        """
        order = self.orders.get(order_id)
        code = self._check_own(order, owner)
        if code is _OK:
            assert order is not None
            code = self._check_size_and_price(price_fen, quantity_t)
            if code is _OK and price_fen == order[PRICE] and quantity_t == order[QTY]:
                code = ResultCode.AMEND_CHANGES_NOTHING
            if code is _OK and self.phase in CALL_PHASES:
                code = self._check_call_self_trade(owner, order[SIDE], price_fen, order_id)
        if code is not _OK:
            self.events.append(("rejected", self.seq, self.product, order_id, code))
            return code
        assert order is not None
        self.events.append(("amended", self.seq, self.product, order_id, price_fen, quantity_t))
        if price_fen == order[PRICE] and quantity_t < order[QTY]:
            order[QTY] = quantity_t
            return _OK
        side = order[SIDE]
        self._remove(order)
        if self.phase in CALL_PHASES:
            self._rest([order_id, owner, side, price_fen, quantity_t])
            return _OK
        return self.limit(order_id, owner, side, price_fen, quantity_t)

    # -- call auctions -----------------------------------------------------------------

    def _rest(self, order: Order) -> None:
        self.orders[order[ID]] = order
        if order[SIDE] == BUY:
            book, heap, key = self.bids, self._bid_heap, -order[PRICE]
        else:
            book, heap, key = self.asks, self._ask_heap, order[PRICE]
        level = book.get(order[PRICE])
        if level is None:
            book[order[PRICE]] = deque((order,))
            heappush(heap, key)
        else:
            level.append(order)

    def _check_call_self_trade(
        self, owner: object, side: int, price_fen: int, except_id: int = -1
    ) -> ResultCode:
        # In a call, an order crossing its owner's own opposite order is refused at entry,
        # so the uncrossing can never pair an owner with itself.
        opposite = self.asks if side == BUY else self.bids
        for level_price, level in opposite.items():
            crosses = level_price <= price_fen if side == BUY else level_price >= price_fen
            if crosses and any(o[QTY] and o[OWNER] == owner and o[ID] != except_id for o in level):
                return ResultCode.SELF_TRADE_IN_CALL
        return _OK

    def _enter_call(
        self, order_id: int, owner: object, side: int, price_fen: int, quantity_t: int
    ) -> ResultCode:
        code = self._check_call_self_trade(owner, side, price_fen)
        if code is not _OK:
            self.events.append(("rejected", self.seq, self.product, order_id, code))
            return code
        self._rest([order_id, owner, side, price_fen, quantity_t])
        return _OK

    def expire(self) -> None:
        """Cancel every resting order (day orders at the close), in priority order."""
        for *_, quantity, order_id in self.resting():
            self.events.append(
                ("cancelled", self.seq, self.product, order_id, quantity, CANCEL_EXPIRED)
            )
        self.bids.clear()
        self.asks.clear()
        self._bid_heap.clear()
        self._ask_heap.clear()
        self.orders.clear()

    def depth(self, side: int) -> list[tuple[int, int]]:
        """(price, total quantity) per level, best first."""
        book = self.bids if side == BUY else self.asks
        prices = sorted(book, reverse=side == BUY)
        levels = [(price, sum(o[QTY] for o in book[price])) for price in prices]
        return [(price, quantity) for price, quantity in levels if quantity]

    def uncross(self) -> tuple[int, int] | None:
        """Run the call auction: execute at the uncrossing price; returns (price, volume)."""
        found = uncross_price(self.depth(BUY), self.depth(SELL), self.reference_fen, self._tick)
        if found is None:
            return None
        price, volume = found
        left = volume
        while left:
            bid = self.bids[-self._clean_top(BUY)][0]
            ask = self.asks[self._clean_top(SELL)][0]
            traded = min(left, bid[QTY], ask[QTY])
            self.events.append(
                (
                    "fill", self.seq, self.product, price, traded,
                    bid[ID], ask[ID], bid[OWNER], ask[OWNER], -1,
                )
            )  # fmt: skip
            for order in (bid, ask):
                order[QTY] -= traded
                if not order[QTY]:
                    self._remove(order)
            left -= traded
        self.events.append(("uncrossed", self.seq, self.product, price, volume))
        return price, volume

    def _clean_top(self, side: int) -> int:
        """The heap key of the best live level of ``side`` (dropping stale entries)."""
        heap, book, sign = (
            (self._bid_heap, self.bids, -1) if side == BUY else (self._ask_heap, self.asks, 1)
        )
        while True:
            level = book.get(sign * heap[0])
            while level and not level[0][QTY]:
                level.popleft()
            if level:
                return heap[0]
            if level is not None:
                del book[sign * heap[0]]
            heappop(heap)

    def best(self, side: int) -> int | None:
        """The best price on ``side``, or None when that side is empty."""
        book = self.bids if side == BUY else self.asks
        if not book:
            return None
        key = self._clean_top(side)
        return -key if side == BUY else key

    def resting(self) -> list[tuple[int, object, int, int, int]]:
        """Every resting order as (side, owner, price, quantity, id), in priority order."""
        rows: list[tuple[int, object, int, int, int]] = []
        for side in (BUY, SELL):
            book = self.bids if side == BUY else self.asks
            for price in sorted(book, reverse=side == BUY):
                rows.extend((side, o[OWNER], price, o[QTY], o[ID]) for o in book[price] if o[QTY])
        return rows
