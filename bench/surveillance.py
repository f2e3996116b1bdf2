"""Benchmark: one trading day's surveillance report ÷ the bare reads of that day, same run.

A SQLite registry with an exchange log of DAYS trading days (ORDERS_PER_DAY orders each),
TRADES_PER_DAY trades a day and TRANSFERS_PER_DAY registry transfers a day; the report of a
day in the middle against the same day's rows read with plain sqlite3 (the day's log in seq
order, the day's trades, the holdings and the journal's movements since the day's end, from
which the positions at its end are taken). Both should stay the size of a day and of the
journal since: the report at 10 and at DAYS days of history is printed beside the time of
reading the whole log (what every report read before migration 0023_surveillance_window).
Prints one JSON object; ratio = baseline ÷ report, higher is better.
"""

from __future__ import annotations

import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy
from sqlalchemy import Engine, insert, select

from tanshi.market.book import price_limits
from tanshi.market.events import NewOrder, SetReference
from tanshi.market.orders import Side
from tanshi.market.settlement import Fill
from tanshi.market.venues import book_key, book_rules
from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook, load_settlement_rules, load_venue, surveillance_rules
from tanshi.services import cash
from tanshi.services.exchange_log import command_row, stored_log
from tanshi.services.jurisdiction import (
    account_id,
    open_jurisdiction,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import execute
from tanshi.services.settlement import record_trade
from tanshi.services.surveillance import surveillance_report
from tanshi.store.engine import open_database
from tanshi.store.schema import exchange_commands, settlements

DAYS = 100
ORDERS_PER_DAY = 1000
TRADES_PER_DAY = 200
TRANSFERS_PER_DAY = 10
COMPANIES = 20
REPEATS = 15
VENUE = load_venue("demo-province")
ZONE = ZoneInfo(VENUE.venue.timezone)
KEY = book_key(VENUE, "DPEA-2016")
NOW = datetime(2016, 9, 30, 2, tzinfo=UTC)
FIRST_DAY = date(2016, 10, 10)


def trading_days(count: int) -> list[date]:
    days, day = [], FIRST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def world(path: Path) -> tuple[Engine, int, dict]:  # type: ignore[type-arg]
    """A jurisdiction of COMPANIES companies holding allowances, and one real settled trade
    whose row the history's trades copy (as pending trades: no registry work per row)."""
    engine = open_database(f"sqlite:///{path}")
    rulebook, text = load_rulebook("demo-province")
    j = open_jurisdiction(engine, rulebook, text, NOW, is_demo=True)
    codes = [f"C{i:02d}" for i in range(COMPANIES)]
    for code in codes:
        register_company(engine, j, code, code, "power")
    with engine.connect() as connection:
        ids = [account_id(connection, f"DP-OH-{code}") for code in codes]
    unit = unit_class_id(engine, j, "DPEA", 2016)
    issue = Movement(j.issuance_account, j.holding_account, unit, 1000 * COMPANIES)
    assert execute(engine, TransactionRequest("issuance", "issue", (issue,), NOW)).ok
    for code, account in zip(codes, ids, strict=True):
        move = Movement(j.holding_account, account, unit, 1000)
        assert execute(engine, TransactionRequest("allocation", f"a-{code}", (move,), NOW)).ok
    assert cash.transfer_with_bank(engine, "DP", "CNY", "DP-OH-C01", 10**7, "deposit", NOW,
                                   deposit=True).ok  # fmt: skip
    at = datetime(2016, 10, 10, 2, tzinfo=UTC)
    fill = Fill("seed", "listed", "DP-OH-C01", "DP-OH-C00", "DPEA-2016", 10, 3000, at)
    recorded, issues = record_trade(engine, j, load_settlement_rules("demo-province"), fill, at)
    assert recorded is not None and not issues, issues
    with engine.connect() as connection:
        template = (
            connection.execute(select(settlements).where(settlements.c.trade_id == "seed"))
            .one()
            ._asdict()
        )
    return engine, j.id, template


def add_history(engine: Engine, template: dict, days: list[date], seq: int) -> int:  # type: ignore[type-arg]
    """Each day: its reference, ORDERS_PER_DAY orders around it (some at the limit),
    TRADES_PER_DAY pending trades and TRANSFERS_PER_DAY one-unit registry transfers between
    the companies; the log's seq goes on from ``seq``."""
    rng = random.Random(7)
    with engine.connect() as connection:
        ids = [account_id(connection, f"DP-OH-C{i:02d}") for i in range(COMPANIES)]
    unit = template["unit_class_id"]
    listed = book_rules(VENUE, VENUE.products[0].code)
    lower, upper = price_limits(3000, listed.band_bp or 0, listed.tick_fen)
    for day in days:
        opening = datetime.combine(day, datetime.min.time(), ZONE) + timedelta(hours=9, minutes=15)
        rows = []
        seq += 1
        rows.append(command_row(VENUE.venue.code, day, seq, SetReference(opening, KEY, 3000)))
        for n in range(ORDERS_PER_DAY):
            seq += 1
            price = rng.choice((lower, upper)) if n % 100 == 0 else rng.randint(lower, upper)
            order = NewOrder(opening + timedelta(seconds=15 + n * 5), KEY, seq,
                             f"DP-OH-C{rng.randrange(COMPANIES):02d}", Side(n % 2), 10, price)  # fmt: skip
            rows.append(command_row(VENUE.venue.code, day, seq, order))
        trades = []
        for n in range(TRADES_PER_DAY):
            at = opening + timedelta(minutes=20, seconds=n * 60)
            copy = template | {"trade_id": f"{day}-{n}", "traded_at": at, "status": "pending",
                               "transaction_id": None, "cash_entry_id": None,
                               "settled_at": None}  # fmt: skip
            trades.append({k: v for k, v in copy.items() if k != "id"})
        with engine.begin() as connection:
            connection.execute(insert(exchange_commands), rows)
            connection.execute(insert(settlements), trades)
        for n in range(TRANSFERS_PER_DAY):
            source, target = rng.sample(ids, 2)
            move = Movement(source, target, unit, 1)
            at = opening + timedelta(hours=1, minutes=n)
            assert execute(engine, TransactionRequest("transfer", f"{day}-t{n}", (move,), at)).ok
    return seq


def bare_reads(path: Path, day: date) -> float:
    """The day's rows with plain sqlite3: its log in seq order, its trades, the holdings and
    the movements booked since its end."""
    start = datetime.combine(day, datetime.min.time(), ZONE).astimezone(UTC)
    end = start + timedelta(days=1, minutes=60)
    day_end = start + timedelta(days=1)
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    connection.execute(
        "SELECT kind, product, at, order_id, owner, side, quantity_t, price_fen, reference_fen"
        " FROM exchange_commands WHERE venue = ? AND trading_day = ? ORDER BY seq",
        (VENUE.venue.code, day.isoformat()),
    ).fetchall()
    connection.execute(
        "SELECT venue, trade_id, traded_at, buyer_account_id, seller_account_id, quantity_units,"
        " price_fen_per_t FROM settlements WHERE traded_at >= ? AND traded_at < ?",
        (start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S")),
    ).fetchall()
    connection.execute("SELECT account_id, unit_class_id, quantity_units FROM holdings").fetchall()
    connection.execute(
        "SELECT m.from_account_id, m.to_account_id, m.unit_class_id, m.quantity_units"
        " FROM movements m JOIN transactions t ON t.id = m.transaction_id WHERE t.booked_at >= ?",
        (day_end.strftime("%Y-%m-%d %H:%M:%S.%f"),),
    ).fetchall()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def timed(work) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    load = os.getloadavg()[0]
    rules = surveillance_rules()
    days = trading_days(DAYS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tanshi.sqlite"
        engine, jurisdiction, template = world(path)
        seq = add_history(engine, template, days[:10], 0)
        short_day = days[5]

        def report(day: date) -> int:
            return len(surveillance_report(engine, jurisdiction, VENUE, rules, day))

        short = statistics.median(timed(lambda: report(short_day)) for _ in range(REPEATS))
        add_history(engine, template, days[10:], seq)
        day = days[DAYS // 2]
        flags = report(day)
        ours, theirs, ratios = [], [], []
        for _ in range(REPEATS):  # interleaved, so drift hits both sides
            baseline = bare_reads(path, day)
            candidate = timed(lambda: report(day))
            theirs.append(baseline)
            ours.append(candidate)
            ratios.append(baseline / candidate)
        whole_log = timed(lambda: stored_log(engine, VENUE.venue.code))
        engine.dispose()
    print(
        json.dumps(
            {
                "benchmark": "surveillance report of one trading day / bare sqlite3 reads",
                "days_of_history": DAYS,
                "orders_per_day": ORDERS_PER_DAY,
                "trades_per_day": TRADES_PER_DAY,
                "registry_transfers_per_day": TRANSFERS_PER_DAY,
                "flags_of_the_day": flags,
                "report_s_at_10_days": round(short, 4),
                "report_s": round(statistics.median(ours), 4),
                "baseline_s": round(statistics.median(theirs), 4),
                "ratio_median": round(statistics.median(ratios), 3),
                "ratio_min": round(min(ratios), 3),
                "ratio_max": round(max(ratios), 3),
                "whole_log_read_s": round(whole_log, 3),
                "load_average": {"start": round(load, 2), "end": round(os.getloadavg()[0], 2)},
                "python": sys.version.split()[0],
                "sqlite": sqlite3.sqlite_version,
                "sqlalchemy": sqlalchemy.__version__,
                "machine": platform.machine(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
