"""The surveillance report of one trading day on both stores: the orders entered that day
and the round trips begun that day, not those of other days, read without the rest of the
history (each day here: B buys 100 t from C at 10:00 and sells them back at 10:30, a
suspected wash trade, and B bids at the day's upper price limit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from settlement_setup import RULES, setup, trade
from sqlalchemy import Engine, event

from tanshi.market.book import price_limits
from tanshi.market.events import NewOrder, SetReference
from tanshi.market.orders import Side
from tanshi.market.surveillance import Flag
from tanshi.market.venues import book_key, book_rules
from tanshi.resources import load_venue, surveillance_rules
from tanshi.services.exchange_log import command_row
from tanshi.services.settlement import record_trade
from tanshi.services.surveillance import surveillance_report
from tanshi.store.engine import reader
from tanshi.store.schema import exchange_commands

VENUE = load_venue("demo-province")
ZONE = ZoneInfo(VENUE.venue.timezone)
KEY = book_key(VENUE, "DPEA-2016")
LISTED = book_rules(VENUE, VENUE.products[0].code)
MON, TUE, WED, THU = (date(2016, 10, d) for d in (10, 11, 12, 13))
REPORTED = ("wash_trade_suspected", "order_at_price_limit")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


class Log:
    """Commands written to the stored log as the exchange writes them, seq by seq."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.seq, self.order_id = engine, 0, 0

    def day(self, day: date, reference_fen: int | None, price_fen: int) -> int:
        """The day's reference (unless None) and a buy order of B at ``price_fen``."""
        self.order_id += 1
        commands = [] if reference_fen is None else [SetReference(_at(day, 9, 15), KEY,
                                                                  reference_fen)]  # fmt: skip
        commands.append(NewOrder(_at(day, 10), KEY, self.order_id, "DP-OH-B", Side.BUY, 100,
                                 price_fen))  # fmt: skip
        rows = []
        for command in commands:
            self.seq += 1
            rows.append(command_row(VENUE.venue.code, day, self.seq, command))
        with self.engine.begin() as connection:
            connection.execute(exchange_commands.insert(), rows)
        return self.order_id


def _upper(reference_fen: int) -> int:
    return price_limits(reference_fen, LISTED.band_bp or 0, LISTED.tick_fen)[1]


def _round_trip(engine: Engine, w, name: str, first: datetime, back: datetime) -> None:  # type: ignore[no-untyped-def]
    for trade_id, buyer, seller, at in ((f"{name}a", "B", "C", first),
                                        (f"{name}b", "C", "B", back)):  # fmt: skip
        recorded, issues = record_trade(engine, w.j, RULES, trade(trade_id, 100, 3000,
                                        buyer=buyer, seller=seller, at=at), at)  # fmt: skip
        assert issues == [] and recorded is not None, issues


def _trading_day(engine: Engine, w, log: Log, day: date) -> int:  # type: ignore[no-untyped-def]
    _round_trip(engine, w, day.isoformat(), _at(day, 10), _at(day, 10, 30))
    return log.day(day, 3000, _upper(3000))


def _report(engine: Engine, w, day: date) -> list[Flag]:  # type: ignore[no-untyped-def]
    flags = surveillance_report(engine, w.j.id, VENUE, surveillance_rules(), day)
    return [f for f in flags if f.kind in REPORTED]


def _seen(flags: list[Flag]) -> set[tuple[str, date, int | str]]:
    return {(f.kind, f.day, f.values.get("order_id", f.values.get("first_trade", "")))
            for f in flags}  # fmt: skip


def _rows_read(engine: Engine, work: Callable[[], object]) -> tuple[int, int]:
    """How many statements ``work`` runs and how many rows its reads return (each read run
    again, as the driver ran it, to count its rows)."""
    reads: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        reads.append((statement, parameters))

    watched = {engine, reader(engine)}  # reads go through the read-only engine on SQLite
    for one in watched:
        event.listen(one, "before_cursor_execute", record)
    try:
        work()
    finally:
        for one in watched:
            event.remove(one, "before_cursor_execute", record)
    with engine.connect() as connection:
        rows = sum(len(connection.exec_driver_sql(s, p).all())  # type: ignore[arg-type]
                   for s, p in reads if s.lstrip().upper().startswith(("SELECT", "WITH")))  # fmt: skip
    return len(reads), rows


def test_a_days_report_has_that_days_alerts_only(engine: Engine) -> None:
    w, log = setup(engine), Log(engine)
    orders = {day: _trading_day(engine, w, log, day) for day in (MON, TUE, WED)}
    for day, order_id in orders.items():
        seen = _seen(_report(engine, w, day))
        assert seen == {("wash_trade_suspected", day, f"listed/{day.isoformat()}a"),
                        ("order_at_price_limit", day, order_id)}, day  # fmt: skip
    assert _report(engine, w, THU) == []


def test_what_a_day_reads_does_not_grow_with_the_other_days(engine: Engine) -> None:
    w, log = setup(engine), Log(engine)
    _trading_day(engine, w, log, TUE)
    alone = _rows_read(engine, lambda: _report(engine, w, TUE))
    assert alone[0] > 0  # its statements were seen
    for day in (MON, WED, THU):  # a day before and days after, in the log and the trades
        _trading_day(engine, w, log, day)
    assert _rows_read(engine, lambda: _report(engine, w, TUE)) == alone
    assert len(_report(engine, w, TUE)) == 2


def test_a_round_trip_over_midnight_is_the_alert_of_the_day_it_began(engine: Engine) -> None:
    """Within the wash window (60 minutes) across the end of Monday: Monday's alert only."""
    w = setup(engine)
    _round_trip(engine, w, "late", _at(MON, 23, 50), _at(TUE, 0, 20))
    assert _seen(_report(engine, w, MON)) == {("wash_trade_suspected", MON, "listed/latea")}
    assert _report(engine, w, TUE) == []


def test_a_day_without_its_own_reference_uses_the_last_one_before_it(engine: Engine) -> None:
    w, log = setup(engine), Log(engine)
    log.day(MON, 3000, 1000)
    log.day(TUE, 3100, 1000)  # the last reference before Wednesday: 31.00
    at_the_old_limit = log.day(WED, None, _upper(3000))
    at_the_limit = log.day(WED, None, _upper(3100))
    flagged = [f.values["order_id"] for f in _report(engine, w, WED)]
    assert flagged == [at_the_limit] and at_the_old_limit not in flagged
