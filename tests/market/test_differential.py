"""The engine against a plain reference book on random streams; invariants; replay."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from reference_book import ReferenceBook

from tanshi.market.book import BookRules, OrderBook
from tanshi.market.events import (
    AmendOrder,
    CancelOrder,
    Exchange,
    NewOrder,
    SetPhase,
    SetReference,
    replay,
)
from tanshi.market.orders import BUY, FOK, GTC, IOC, SELL, Phase, ResultCode, Side, TimeInForce

RULES = BookRules("P", tick_fen=5, lot_t=2, max_quantity_t=60, band_bp=1000)
REFERENCE = 1000  # limits 900 to 1100
OWNERS = ["a", "b", "c", "d"]

# Mostly a few levels near the reference, so queues form; some off the tick (5 fen) and
# some outside the limits (900 to 1100).
prices = st.one_of(st.integers(985, 1015), st.integers(985, 1015), st.integers(880, 1120))
quantities = st.integers(-2, 70)  # some off the lot (2 t) and some above the maximum
new_order = st.tuples(
    st.just("new"),
    st.sampled_from(OWNERS),
    st.sampled_from([BUY, SELL]),
    st.one_of(prices.map(lambda p: p - p % 5), prices, st.none()),  # None: market order
    st.one_of(quantities.map(lambda q: q - q % 2), quantities),
    st.sampled_from([GTC, GTC, GTC, IOC, FOK]),
)
# Cancels and amends name a recent order by how far back it came (often a live one).
recent = st.integers(1, 6)
cancel = st.tuples(st.just("cancel"), st.sampled_from(OWNERS), recent)
amend = st.tuples(
    st.just("amend"),
    st.sampled_from(OWNERS),
    recent,
    prices.map(lambda p: p - p % 5),
    quantities.map(lambda q: q - q % 2),
)
# An amend at the order's own price (looked up when the stream runs): a pure size change.
resize = st.tuples(st.just("resize"), st.sampled_from(OWNERS), recent, st.integers(1, 30))
streams = st.lists(st.one_of(new_order, new_order, cancel, amend, resize), max_size=60)


def resolve(order_id: int, message: tuple, reference: ReferenceBook) -> tuple:
    """Cancels and amends with their target's id; a resize as an amend at its own price.

    The owner of a live target is used three times in four, so most of them are allowed.
    """
    if message[0] == "new":
        return message
    target = order_id - message[2]
    found = next((o for o in reference.book if o.order_id == target), None)
    owner = found.owner if found and message[2] % 4 else message[1]
    if message[0] == "cancel":
        return ("cancel", owner, target)
    if message[0] == "amend":
        return ("amend", owner, target, message[3], message[4])
    return ("amend", owner, target, found.price if found else 1000, message[3])


def run_both(stream: list[tuple]) -> tuple[OrderBook, ReferenceBook, list[ResultCode]]:
    engine = OrderBook(RULES, [], REFERENCE)
    reference = ReferenceBook(5, 2, 60, 900, 1100)
    codes = []
    for order_id, raw in enumerate(stream):
        message = resolve(order_id, raw, reference)
        kind, owner = message[0], message[1]
        if kind == "new":
            _, _, side, price, quantity, tif = message
            if price is None:
                got = engine.market(order_id, owner, side, quantity, tif)
            else:
                got = engine.limit(order_id, owner, side, price, quantity, tif)
            expected = reference.new(order_id, owner, side, price, quantity, tif)
        elif kind == "cancel":
            got = engine.cancel(message[2], owner)
            expected = reference.cancel(message[2], owner)
        else:
            _, _, target, price, quantity = message
            got = engine.amend(target, owner, price, quantity)
            expected = reference.amend(target, owner, price, quantity)
        assert got is expected, (order_id, message)
        codes.append(got)
    return engine, reference, codes


@settings(max_examples=300, deadline=None)
@given(streams)
def test_engine_matches_the_reference_book(stream: list[tuple]) -> None:
    engine, reference, _ = run_both(stream)
    fills = [(e[3], e[4], e[5], e[6]) for e in engine.events if e[0] == "fill"]
    assert fills == reference.fills
    assert engine.resting() == reference.resting()


@settings(max_examples=200, deadline=None)
@given(streams)
def test_the_book_is_never_crossed_and_quantity_is_conserved(stream: list[tuple]) -> None:
    engine = OrderBook(RULES, [], REFERENCE)
    accepted_new: dict[int, int] = {}
    for order_id, message in enumerate(stream):
        if message[0] != "new":
            continue
        _, owner, side, price, quantity, tif = message
        if price is None:
            code = engine.market(order_id, owner, side, quantity, tif)
        else:
            code = engine.limit(order_id, owner, side, price, quantity, tif)
        if code is ResultCode.OK:
            accepted_new[order_id] = quantity
        bid, ask = engine.best(BUY), engine.best(SELL)
        assert bid is None or ask is None or bid < ask
    # Every accepted tonne is filled (counted on both sides), cancelled, or resting.
    filled: dict[int, int] = {}
    for event in engine.events:
        if event[0] == "fill":
            for order_id in (event[5], event[6]):
                filled[order_id] = filled.get(order_id, 0) + event[4]
    cancelled = {e[3]: e[4] for e in engine.events if e[0] == "cancelled"}
    resting = {row[4]: row[3] for row in engine.resting()}
    for order_id, quantity in accepted_new.items():
        out = filled.get(order_id, 0) + cancelled.get(order_id, 0) + resting.get(order_id, 0)
        assert out == quantity, order_id


def _log(stream: list[tuple]) -> list:
    """The stream as exchange commands, with call phases and a new reference day mixed in."""
    reference = ReferenceBook(5, 2, 60, 900, 1100)
    stream = [resolve(i, message, reference) for i, message in enumerate(stream)]
    at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    commands: list = [SetPhase(at, "P", Phase.OPENING_CALL)]
    for order_id, message in enumerate(stream):
        if order_id == len(stream) // 3:
            commands.append(SetPhase(at, "P", Phase.CONTINUOUS))
        if order_id == 2 * len(stream) // 3:
            commands.append(SetPhase(at, "P", Phase.CLOSING_CALL))
        kind, owner = message[0], message[1]
        if kind == "new":
            _, _, side, price, quantity, tif = message
            commands.append(
                NewOrder(at, "P", order_id, owner, Side(side), quantity, price, TimeInForce(tif))
            )
        elif kind == "cancel":
            commands.append(CancelOrder(at, "P", message[2], owner))
        elif kind == "amend":
            commands.append(AmendOrder(at, "P", message[2], owner, message[3], message[4]))
    commands.append(SetPhase(at, "P", Phase.CLOSED))
    commands.append(SetReference(at, "P", 1050))
    commands.append(NewOrder(at, "Q", 999, "a", Side.BUY, 2, 1000))  # unknown product
    return commands


@settings(max_examples=100, deadline=None)
@given(streams)
def test_replaying_the_log_rebuilds_the_same_state(stream: list[tuple]) -> None:
    log = _log(stream)
    first = replay([RULES], log, {"P": REFERENCE})
    second = Exchange([RULES], {"P": REFERENCE})
    codes = [second.apply(command) for command in log]
    assert first.digest() == second.digest()
    assert first.events == second.events
    assert codes[-1] is ResultCode.UNKNOWN_PRODUCT
    # After the closing call the book is uncrossed as well.
    book = second.books["P"]
    bid, ask = book.best(BUY), book.best(SELL)
    assert bid is None or ask is None or bid < ask


@settings(max_examples=150, deadline=None)
@given(st.lists(new_order, max_size=50))
def test_quantity_is_conserved_through_call_auctions(orders: list[tuple]) -> None:
    """Orders entered across an opening call, continuous trading and a closing call: every
    accepted tonne ends filled (on each side), cancelled or resting, and fills balance."""
    at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    exchange = Exchange([RULES], {"P": REFERENCE})
    exchange.apply(SetPhase(at, "P", Phase.OPENING_CALL))
    accepted: dict[int, int] = {}
    for order_id, (_, owner, side, price, quantity, tif) in enumerate(orders):
        if order_id == len(orders) // 3:
            exchange.apply(SetPhase(at, "P", Phase.CONTINUOUS))
        if order_id == 2 * len(orders) // 3:
            exchange.apply(SetPhase(at, "P", Phase.CLOSING_CALL))
        command = NewOrder(at, "P", order_id, owner, Side(side), quantity, price, TimeInForce(tif))
        if exchange.apply(command) is ResultCode.OK:
            accepted[order_id] = quantity
    exchange.apply(SetPhase(at, "P", Phase.CLOSED))
    filled: dict[int, int] = {}
    for event in exchange.events:
        if event[0] == "fill":
            assert event[7] != event[8]  # never a self-trade
            for order_id in (event[5], event[6]):
                filled[order_id] = filled.get(order_id, 0) + event[4]
    cancelled = {e[3]: e[4] for e in exchange.events if e[0] == "cancelled"}
    resting = {row[4]: row[3] for row in exchange.books["P"].resting()}
    for order_id, quantity in accepted.items():
        out = filled.get(order_id, 0) + cancelled.get(order_id, 0) + resting.get(order_id, 0)
        assert out == quantity, order_id
    book = exchange.books["P"]
    bid, ask = book.best(BUY), book.best(SELL)
    assert bid is None or ask is None or bid < ask
