"""Positions and large holders of a past trading day on both stores: as they stood at the end
of that day in the venue's time zone, not as held now. A and C hold 600,000 t of DPEA-2016
each; on Monday A moves 550,000 t to the market maker M's trading account (above the
500,000 t position limit) and 100,000 t of C's are frozen by order; at Tuesday's first
moment (Monday's end) M gives 100,000 t back to A."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from settlement_setup import setup
from sqlalchemy import Engine, event, text

from tanshi.core.moments import day_bounds
from tanshi.market.events import NewOrder
from tanshi.market.orders import Side
from tanshi.market.venues import book_key
from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_venue, surveillance_rules
from tanshi.services.exchange_log import command_row
from tanshi.services.jurisdiction import open_trading_account
from tanshi.services.registry import execute
from tanshi.services.surveillance import positions, surveillance_report
from tanshi.services.unit_freezes import freeze_units
from tanshi.store.engine import reader
from tanshi.store.schema import exchange_commands

VENUE = load_venue("demo-province")
ZONE = ZoneInfo(VENUE.venue.timezone)
LISTED = [product.code for product in VENUE.products]
MON, TUE = date(2016, 10, 10), date(2016, 10, 11)
HELD = ("position_limit_exceeded", "large_holder")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


def _world(engine: Engine):  # type: ignore[no-untyped-def]
    w = setup(engine, units=600_000)
    maker = open_trading_account(engine, w.j, "DP-TR-M", "Market maker M")
    moves = (("to-m", w.accounts["A"], maker, 550_000, _at(MON, 10)),
             ("back", maker, w.accounts["A"], 100_000, _at(TUE, 0)))  # fmt: skip
    for key, source, target, quantity, at in moves:
        move = Movement(source, target, w.allowances, quantity)
        done = execute(engine, TransactionRequest("transfer", key, (move,), at))
        assert done.ok, done
    frozen = freeze_units(engine, "DP-OH-C", "DPEA-2016", 100_000, "court 1", "claim",
                          "regulator", "f1", _at(MON, 11))  # fmt: skip
    assert frozen.freeze_id is not None
    return w


def _held(engine: Engine, w, day: date) -> list[tuple[str, str, int | str]]:  # type: ignore[no-untyped-def]
    flags = surveillance_report(engine, w.j.id, VENUE, surveillance_rules(), day)
    return [(f.kind, f.account, f.values.get("percent", f.values["quantity_t"]))
            for f in flags if f.kind in HELD]  # fmt: skip


def test_a_past_days_report_has_the_positions_at_its_end(engine: Engine) -> None:
    """Monday: M above the limit, A (50,000 t of 1,200,000) no large holder; as held now
    (M 450,000 t, A 150,000 t) it would be the other way round."""
    w = _world(engine)
    assert _held(engine, w, MON) == [
        ("position_limit_exceeded", "DP-TR-M", 550_000),
        ("large_holder", "DP-OH-C", "50.0"),  # 100,000 t of it frozen, still C's
        ("large_holder", "DP-TR-M", "45.8"),
    ]
    assert _held(engine, w, TUE) == [
        ("large_holder", "DP-OH-C", "50.0"),
        ("large_holder", "DP-TR-M", "37.5"),
        ("large_holder", "DP-OH-A", "12.5"),
    ]
    before = _held(engine, w, date(2016, 9, 29))  # before the allocation: nothing held
    assert before == []


def test_today_is_as_held_now(engine: Engine) -> None:
    w = _world(engine)
    today = datetime.now(ZONE).date()
    with engine.connect() as connection:
        now = positions(connection, w.j.id, classes=LISTED)
        at_end = {day: positions(connection, w.j.id, classes=LISTED,
                                 at=day_bounds(day, ZONE)[1])
                  for day in (TUE, today)}  # fmt: skip
        monday = positions(connection, w.j.id, classes=LISTED, at=day_bounds(MON, ZONE)[1])
    held = {(h.account, h.quantity_t) for h in now if h.account_kind != "issuance"}
    assert held == {("DP-OH-A", 150_000), ("DP-OH-C", 600_000), ("DP-TR-M", 450_000)}
    assert at_end[TUE] == now and at_end[today] == now
    assert monday != now


def test_a_past_days_reads_go_through_indexes(engine: Engine) -> None:
    """The journal since the day's end by moment, a frozen-units account's holder by its id,
    and the last reference of a book never given one (an order on Monday before any)
    through the SetReference rows' index: none of them reads the history before the day."""
    w = _world(engine)
    order = NewOrder(_at(MON, 10), book_key(VENUE, "DPEA-2017"), 1, "DP-OH-C", Side.BUY, 10, 3000)
    with engine.begin() as connection:
        connection.execute(exchange_commands.insert(), [command_row("DPEX", MON, 1, order)])
    reads: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        reads.append((statement, parameters))

    watched = {engine, reader(engine)}  # reads go through the read-only engine on SQLite
    for one in watched:
        event.listen(one, "before_cursor_execute", record)
    try:
        surveillance_report(engine, w.j.id, VENUE, surveillance_rules(), MON)
    finally:
        for one in watched:
            event.remove(one, "before_cursor_execute", record)
    plans = []
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            explain = "EXPLAIN QUERY PLAN "
        else:  # the tables are tiny: ask whether the indexes can serve, not what is cheapest
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            explain = "EXPLAIN "
        for statement, parameters in reads:
            rows = connection.exec_driver_sql(explain + statement, parameters)  # type: ignore[arg-type]
            plans.append(" ".join(str(row[-1]) for row in rows))
    plan = "\n".join(plans)
    for index in ("ix_transactions_booked_at", "ix_unit_freezes_frozen_account_id",
                  "ix_exchange_commands_references"):  # fmt: skip
        assert index in plan, (index, plan)
