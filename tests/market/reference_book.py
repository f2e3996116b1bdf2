"""A plain, obviously correct order book for differential tests: a list scanned every time.

It implements the same rules as ``tanshi.market.book`` in the continuous phase, written
the slow way: every match searches the whole list for the best (price, arrival) order.
"""

from __future__ import annotations

from dataclasses import dataclass

from tanshi.market.orders import BUY, FOK, GTC, ResultCode


@dataclass
class Resting:
    order_id: int
    owner: str
    side: int
    price: int
    quantity: int
    arrival: int


class ReferenceBook:
    def __init__(self, tick: int, lot: int, max_quantity: int, lower: int, upper: int):
        self.tick, self.lot, self.max_quantity = tick, lot, max_quantity
        self.lower, self.upper = lower, upper
        self.book: list[Resting] = []
        self.fills: list[tuple[int, int, int, int]] = []  # price, quantity, buy id, sell id
        self.arrivals = 0

    def _find(self, order_id: int) -> Resting | None:
        return next((o for o in self.book if o.order_id == order_id), None)

    def _size_and_price(self, price: int | None, quantity: int) -> ResultCode:
        if quantity <= 0:
            return ResultCode.QUANTITY_MUST_BE_POSITIVE
        if quantity % self.lot != 0:
            return ResultCode.QUANTITY_OFF_LOT
        if quantity > self.max_quantity:
            return ResultCode.QUANTITY_ABOVE_MAXIMUM
        if price is not None:
            if price <= 0:
                return ResultCode.PRICE_MUST_BE_POSITIVE
            if price % self.tick != 0:
                return ResultCode.PRICE_OFF_TICK
            if not self.lower <= price <= self.upper:
                return ResultCode.PRICE_OUTSIDE_LIMITS
        return ResultCode.OK

    def _acceptable(self, side: int, limit: int) -> list[Resting]:
        """Opposite orders an incoming order at ``limit`` may trade with, best first."""
        if side == BUY:
            found = [o for o in self.book if o.side != BUY and o.price <= limit]
            return sorted(found, key=lambda o: (o.price, o.arrival))
        found = [o for o in self.book if o.side == BUY and o.price >= limit]
        return sorted(found, key=lambda o: (-o.price, o.arrival))

    def new(
        self, order_id: int, owner: str, side: int, price: int | None, quantity: int, tif: int
    ) -> ResultCode:
        if self._find(order_id) is not None:
            return ResultCode.DUPLICATE_ORDER_ID
        code = self._size_and_price(price, quantity)
        if code is not ResultCode.OK:
            return code
        limit = price if price is not None else (self.upper if side == BUY else self.lower)
        if tif == FOK:
            possible = 0
            for other in self._acceptable(side, limit):
                if other.owner == owner:
                    break
                possible += other.quantity
            if possible < quantity:
                return ResultCode.FOK_NOT_FILLABLE
        left = quantity
        while left > 0:
            candidates = self._acceptable(side, limit)
            if not candidates:
                break
            maker = candidates[0]
            if maker.owner == owner:  # cancel newest: the incoming remainder goes
                return ResultCode.OK
            traded = min(left, maker.quantity)
            buy, sell = (order_id, maker.order_id) if side == BUY else (maker.order_id, order_id)
            self.fills.append((maker.price, traded, buy, sell))
            maker.quantity -= traded
            left -= traded
            if maker.quantity == 0:
                self.book.remove(maker)
        if left > 0 and price is not None and tif == GTC:
            self.arrivals += 1
            self.book.append(Resting(order_id, owner, side, price, left, self.arrivals))
        return ResultCode.OK

    def cancel(self, order_id: int, owner: str) -> ResultCode:
        order = self._find(order_id)
        if order is None:
            return ResultCode.UNKNOWN_ORDER
        if order.owner != owner:
            return ResultCode.NOT_ORDER_OWNER
        self.book.remove(order)
        return ResultCode.OK

    def amend(self, order_id: int, owner: str, price: int, quantity: int) -> ResultCode:
        order = self._find(order_id)
        if order is None:
            return ResultCode.UNKNOWN_ORDER
        if order.owner != owner:
            return ResultCode.NOT_ORDER_OWNER
        code = self._size_and_price(price, quantity)
        if code is not ResultCode.OK:
            return code
        if price == order.price and quantity == order.quantity:
            return ResultCode.AMEND_CHANGES_NOTHING
        if price == order.price and quantity < order.quantity:
            order.quantity = quantity
            return ResultCode.OK
        self.book.remove(order)
        return self.new(order_id, owner, order.side, price, quantity, GTC)

    def resting(self) -> list[tuple[int, str, int, int, int]]:
        """(side, owner, price, quantity, id) in priority order, bids then asks."""
        bids = sorted((o for o in self.book if o.side == BUY), key=lambda o: (-o.price, o.arrival))
        asks = sorted((o for o in self.book if o.side != BUY), key=lambda o: (o.price, o.arrival))
        return [(o.side, o.owner, o.price, o.quantity, o.order_id) for o in bids + asks]
