"""The exchange's stored command log: writing it, reading it back, replaying it."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from tanshi.core.moments import from_store, to_utc
from tanshi.market.closing import TradePrint, closing_price_fen
from tanshi.market.events import (
    AmendOrder,
    CancelOrder,
    Command,
    Exchange,
    ExpireOrders,
    NewOrder,
    SetPhase,
    SetReference,
    replay,
)
from tanshi.market.orders import Phase, Side, TimeInForce
from tanshi.market.venues import Venue, venue_books
from tanshi.store.engine import reader
from tanshi.store.schema import exchange_commands


def command_row(
    venue: str, day: date, seq: int, command: Command,
    result_code: str | None = None, result_message: str | None = None,
) -> dict:  # fmt: skip
    """The log row of ``command``, with the engine's answer when given (``ok``, or a refusal's
    code and the sentence said with it)."""
    row = dict(venue=venue, seq=seq, trading_day=day, at=to_utc(command.at),
               kind=type(command).__name__, product=command.product, order_id=None, owner=None,
               side=None, quantity_t=None, price_fen=None, time_in_force=None, phase=None,
               reference_fen=None, result_code=result_code,
               result_message=result_message)  # fmt: skip
    if isinstance(command, NewOrder):
        row.update(order_id=command.order_id, owner=command.owner, side=int(command.side),
                   quantity_t=command.quantity_t, price_fen=command.price_fen,
                   time_in_force=int(command.time_in_force))  # fmt: skip
    elif isinstance(command, CancelOrder):
        row.update(order_id=command.order_id, owner=command.owner)
    elif isinstance(command, AmendOrder):
        row.update(order_id=command.order_id, owner=command.owner, price_fen=command.price_fen,
                   quantity_t=command.quantity_t)  # fmt: skip
    elif isinstance(command, SetPhase):
        row.update(phase=Phase(command.phase).value)
    elif isinstance(command, SetReference):
        row.update(reference_fen=command.reference_fen)
    return row


def _command(row) -> Command:
    at = from_store(row.at)
    match row.kind:
        case "NewOrder":
            return NewOrder(at, row.product, int(row.order_id), row.owner, Side(row.side),
                            int(row.quantity_t),
                            None if row.price_fen is None else int(row.price_fen),
                            TimeInForce(row.time_in_force))  # fmt: skip
        case "CancelOrder":
            return CancelOrder(at, row.product, int(row.order_id), row.owner)
        case "AmendOrder":
            return AmendOrder(at, row.product, int(row.order_id), row.owner,
                              int(row.price_fen), int(row.quantity_t))  # fmt: skip
        case "SetPhase":
            return SetPhase(at, row.product, Phase(row.phase))
        case "SetReference":
            reference = None if row.reference_fen is None else int(row.reference_fen)
            return SetReference(at, row.product, reference)
        case _:
            return ExpireOrders(at, row.product)


def stored_log(engine: Engine, venue: str, day: date | None = None) -> list[Command]:
    """The commands the venue's engine applied (of one trading day), in log order."""
    query = select(exchange_commands).where(exchange_commands.c.venue == venue)
    if day is not None:
        query = query.where(exchange_commands.c.trading_day == day)
    with reader(engine).connect() as connection:
        return [
            _command(row) for row in connection.execute(query.order_by(exchange_commands.c.seq))
        ]


def replay_stored(engine: Engine, venue: Venue, day: date | None = None) -> Exchange:
    """The books rebuilt from the stored log (of one day: day orders start each day empty)."""
    rules, references = venue_books(venue)
    return replay(rules, stored_log(engine, venue.venue.code, day), references)


def traded_days(engine: Engine, venue: str) -> tuple[date, date] | None:
    """The first and last trading day in the venue's stored log, if any."""
    with reader(engine).connect() as connection:
        first, last = connection.execute(
            select(func.min(exchange_commands.c.trading_day),
                   func.max(exchange_commands.c.trading_day))
            .where(exchange_commands.c.venue == venue)
        ).one()  # fmt: skip
    return None if first is None else (first, last)


def last_closed_day(engine: Engine, venue: str) -> date | None:
    """The last trading day whose orders expired at its close, if any."""
    with reader(engine).connect() as connection:
        return connection.execute(
            select(func.max(exchange_commands.c.trading_day)).where(
                exchange_commands.c.venue == venue,
                exchange_commands.c.kind == ExpireOrders.__name__,
            )
        ).scalar_one()


def last_command_after(engine: Engine, venue: str, day: date) -> datetime | None:
    """When the last command of a trading day after ``day`` was logged, if any."""
    with reader(engine).connect() as connection:
        at = connection.execute(
            select(func.max(exchange_commands.c.at))
            .where(exchange_commands.c.venue == venue, exchange_commands.c.trading_day > day)
        ).scalar_one()  # fmt: skip
    return None if at is None else from_store(at)


def stored_state(engine: Engine, venue: str) -> tuple[int, int]:
    """The last seq and the highest order id of the venue's stored log."""
    with reader(engine).connect() as connection:
        seq, order = connection.execute(
            select(func.max(exchange_commands.c.seq), func.max(exchange_commands.c.order_id))
            .where(exchange_commands.c.venue == venue)
        ).one()  # fmt: skip
    return int(seq or 0), int(order or 0)


def close_of_day(venue: Venue, key: str, commands: list[Command], reference_fen: int) -> int:
    """A day's close of book ``key``, from that day's commands replayed on empty books
    (day orders leave each day's books empty): the closing call's price, else the rule's."""
    rules, references = venue_books(venue)
    exchange = replay(rules, commands, references)
    zone = ZoneInfo(venue.venue.timezone)
    prints: list[TradePrint] = []
    closing_call = None
    for event in exchange.events:
        at = commands[event[1] - 1].at
        if event[0] == "fill" and event[2] == key:
            prints.append((at, event[3], event[4]))
        elif event[0] == "uncrossed" and event[2] == key and at.astimezone(zone).time() >= time(14):
            closing_call = event[3]
    end = max((c.at for c in commands), default=None)
    if end is None:
        return reference_fen
    return closing_price_fen(venue.closing, prints, reference_fen, end, closing_call)


def last_close(engine: Engine, venue: Venue, key: str) -> int | None:
    """The close of the last day in the stored log, or None without one."""
    logged = traded_days(engine, venue.venue.code)
    if logged is None:
        return None
    commands = stored_log(engine, venue.venue.code, logged[1])
    reference = next((c.reference_fen for c in commands
                      if isinstance(c, SetReference) and c.product == key), None)  # fmt: skip
    if reference is None:
        return None
    return close_of_day(venue, key, commands, reference)
