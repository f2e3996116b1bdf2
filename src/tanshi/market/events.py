"""The exchange as a pure function of an ordered command log: apply, replay, snapshot.

Every input the books see is a command record; the exchange numbers them in log order and
the books answer with event tuples (see ``book.py``). Nothing reads a clock or draws a
random number, so replaying the same log rebuilds the same books and the same events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from tanshi.market.book import BookRules, OrderBook
from tanshi.market.orders import (
    CALL_PHASES,
    Phase,
    ResultCode,
    Side,
    TimeInForce,
    cny_to_fen_exact,
)
from tanshi.market.venues import OrderValidity, Venue, book_key, schedule


@dataclass(frozen=True, slots=True)
class NewOrder:
    """Enter an order; ``price_fen`` None is a market order."""

    at: datetime
    product: str
    order_id: int
    owner: str
    side: Side
    quantity_t: int
    price_fen: int | None
    time_in_force: TimeInForce = TimeInForce.GTC


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Take a resting order off the book."""

    at: datetime
    product: str
    order_id: int
    owner: str


@dataclass(frozen=True, slots=True)
class AmendOrder:
    """Change a resting order's price and quantity (see ``OrderBook.amend`` for priority)."""

    at: datetime
    product: str
    order_id: int
    owner: str
    price_fen: int
    quantity_t: int


@dataclass(frozen=True, slots=True)
class SetPhase:
    """Move a product to a new phase; leaving a call auction runs its uncrossing."""

    at: datetime
    product: str
    phase: Phase


@dataclass(frozen=True, slots=True)
class SetReference:
    """Start a trading day: the reference price (previous close) and its price limits."""

    at: datetime
    product: str
    reference_fen: int | None


@dataclass(frozen=True, slots=True)
class ExpireOrders:
    """End a day of day orders: every resting order is cancelled (reason ``expired``)."""

    at: datetime
    product: str


Command = NewOrder | CancelOrder | AmendOrder | SetPhase | SetReference | ExpireOrders


def new_order_from_cny(
    at: datetime,
    product: str,
    order_id: int,
    owner: str,
    side: Side,
    quantity_t: int,
    price_cny_per_t: Decimal | None,
    time_in_force: TimeInForce = TimeInForce.GTC,
) -> NewOrder | ResultCode:
    """A NewOrder from a Decimal price at the edge, or PRICE_OFF_TICK if finer than a fen."""
    if price_cny_per_t is None:
        return NewOrder(at, product, order_id, owner, side, quantity_t, None, time_in_force)
    fen = cny_to_fen_exact(price_cny_per_t)
    if fen is None:
        return ResultCode.PRICE_OFF_TICK
    return NewOrder(at, product, order_id, owner, side, quantity_t, fen, time_in_force)


class Exchange:
    """The books of one or more venues' products, fed one command at a time."""

    def __init__(
        self, rules: Iterable[BookRules], references: Mapping[str, int | None] | None = None
    ):
        self.events: list[tuple] = []
        references = references or {}
        self.books = {
            r.product: OrderBook(r, self.events, references.get(r.product)) for r in rules
        }
        self.seq = 0

    def apply(self, command: Command) -> ResultCode:
        """Apply the next command of the log; returns its result code."""
        self.seq += 1
        book = self.books.get(command.product)
        if book is None:
            order_id = getattr(command, "order_id", None)
            code = ResultCode.UNKNOWN_PRODUCT
            self.events.append(("rejected", self.seq, command.product, order_id, code))
            return code
        book.seq = self.seq
        if isinstance(command, NewOrder):
            if command.price_fen is None:
                return book.market(
                    command.order_id,
                    command.owner,
                    command.side,
                    command.quantity_t,
                    command.time_in_force,
                )
            return book.limit(
                command.order_id,
                command.owner,
                command.side,
                command.price_fen,
                command.quantity_t,
                command.time_in_force,
            )
        if isinstance(command, CancelOrder):
            return book.cancel(command.order_id, command.owner)
        if isinstance(command, AmendOrder):
            return book.amend(
                command.order_id, command.owner, command.price_fen, command.quantity_t
            )
        if isinstance(command, SetPhase):
            # A call ends by uncrossing when trading continues or the session closes; a halt
            # keeps the collected orders for the call to resume.
            # The member itself, not an equal string: the hot path compares by identity.
            phase = Phase(command.phase)
            if book.phase in CALL_PHASES and phase in {Phase.CONTINUOUS, Phase.CLOSED}:
                book.uncross()
            book.phase = phase
            self.events.append(("phase", self.seq, command.product, phase.value))
            return ResultCode.OK
        if isinstance(command, ExpireOrders):
            book.expire()
            return ResultCode.OK
        book.set_reference(command.reference_fen)
        return ResultCode.OK

    def snapshot(self) -> dict[str, list[tuple[int, object, int, int, int]]]:
        """Every product's resting orders in priority order (the state replay must rebuild)."""
        return {product: book.resting() for product, book in sorted(self.books.items())}

    def digest(self) -> str:
        """A SHA-256 over the snapshot and the event stream, to compare two runs."""
        text = repr((self.snapshot(), self.events))
        return hashlib.sha256(text.encode()).hexdigest()


def session_commands(
    venue: Venue, day: date, references: Mapping[str, int | None]
) -> list[SetReference | SetPhase | ExpireOrders]:
    """A trading day's commands for every product of ``venue``'s listed books.

    Each book first gets its reference price (normally yesterday's close, from
    ``closing.closing_price_fen``), then the phase changes of the session table. Merge
    them with the order commands by time, phase changes first at equal times. A venue of
    day orders ends the day by expiring what still rests.
    """
    changes = schedule(venue, day)
    if not changes:
        return []
    keys = [book_key(venue, product.code) for product in venue.products]
    commands: list[SetReference | SetPhase | ExpireOrders] = [
        SetReference(changes[0][0], key, references.get(key)) for key in keys
    ]
    commands += [SetPhase(at, key, phase) for at, phase in changes for key in keys]
    if venue.venue.order_validity is OrderValidity.DAY:
        commands += [ExpireOrders(changes[-1][0], key) for key in keys]
    return commands


def replay(
    rules: Iterable[BookRules],
    commands: Iterable[Command],
    references: Mapping[str, int | None] | None = None,
) -> Exchange:
    """A fresh exchange with every command of the log applied in order."""
    exchange = Exchange(rules, references)
    for command in commands:
        exchange.apply(command)
    return exchange


__all__ = [
    "AmendOrder",
    "CancelOrder",
    "Command",
    "Exchange",
    "ExpireOrders",
    "NewOrder",
    "SetPhase",
    "SetReference",
    "new_order_from_cny",
    "replay",
    "session_commands",
]
