"""The demo's moment stays on the open trading day across restarts of the service, and
nothing in the demo is dated after it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, Engine, func, insert, select

from tanshi.core.moments import from_store
from tanshi.market.events import ExpireOrders, NewOrder, SetPhase
from tanshi.market.orders import Phase, Side, TimeInForce
from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services.compliance import run_compliance
from tanshi.services.demo import run_demo
from tanshi.services.demo_clock import demo_moment
from tanshi.services.demo_users import create_demo_users
from tanshi.services.exchange_log import command_row
from tanshi.services.jurisdiction import load_jurisdiction, open_jurisdiction, unit_class_id
from tanshi.services.registry import execute
from tanshi.store.schema import compliance_results, exchange_commands, metadata, transactions

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRODUCT = "DPEX:DPEA-2016"


def _log(engine: Engine, *rows: tuple[date, object]) -> None:
    with engine.begin() as connection:
        start = connection.execute(exchange_commands.select()).all()
        for seq, (day, command) in enumerate(rows, start=len(start) + 1):
            connection.execute(insert(exchange_commands), command_row("DPEX", day, seq, command))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def test_the_demo_moment_resumes_the_open_day_after_the_last_order(engine: Engine) -> None:
    rulebook, text = load_rulebook("demo-province")
    open_jurisdiction(engine, rulebook, text, datetime(2016, 6, 30, tzinfo=UTC), is_demo=True)
    assert demo_moment(engine) is None  # the exchange never traded
    friday, monday = date(2017, 6, 16), date(2017, 6, 19)
    order = NewOrder(_at(friday, 10), PRODUCT, 1, "DP-TR-X", Side.BUY, 10, 3000, TimeInForce.GTC)
    _log(engine, (friday, SetPhase(_at(friday, 9, 30), PRODUCT, Phase.CONTINUOUS)),
         (friday, order), (friday, ExpireOrders(_at(friday, 15), PRODUCT)))  # fmt: skip
    # Friday closed: the moment is 10:00 on the next trading day.
    assert demo_moment(engine) == _at(monday, 10)
    # Someone traded on Monday at 10:20, then the service stopped before the close: a
    # restart resumes Monday just after that order, not on Tuesday.
    later = NewOrder(_at(monday, 10, 20), PRODUCT, 2, "DP-TR-X", Side.SELL, 5, 3100,
                     TimeInForce.GTC)  # fmt: skip
    _log(engine, (monday, later))
    assert demo_moment(engine) == _at(monday, 10, 20).replace(second=1)
    # Once Monday closes, the next restart moves to Tuesday.
    _log(engine, (monday, ExpireOrders(_at(monday, 15), PRODUCT)))
    tuesday = date(2017, 6, 20)
    assert demo_moment(engine) == _at(tuesday, 10)
    # A registry entry booked on Tuesday at 10:30 (a surrender on the web, a CLI command):
    # a restart resumes after it, so the journal's moments keep their order.
    jurisdiction = load_jurisdiction(engine, "DP")
    allowances = unit_class_id(engine, jurisdiction, "DPEA", 2016)
    issued = execute(engine, TransactionRequest("issuance", "demo-clock/issue", (
        Movement(jurisdiction.issuance_account, jurisdiction.holding_account, allowances, 5),
    ), _at(tuesday, 10, 30)))  # fmt: skip
    assert issued.ok
    assert demo_moment(engine) == _at(tuesday, 10, 30).replace(second=1)


def test_nothing_in_the_demo_is_dated_after_its_moment(engine: Engine) -> None:
    """The served demo starts at its moment: every stored date and moment is at or before
    it, the 2016 deadline is ahead and no compliance is stored; the report's projected table
    is what the deadline then computes when nobody trades or surrenders more."""
    rulebook, text = load_rulebook("demo-province")
    result = run_demo(engine, rulebook, text, parameter_table(), seed=1, company_count=6)
    moment = demo_moment(engine)
    assert moment is not None and moment.date() < result.deadline == date(2017, 6, 30)
    jurisdiction = load_jurisdiction(engine, "DP")
    create_demo_users(engine, jurisdiction, 7, moment)
    latest: dict[str, object] = {}
    with engine.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(compliance_results)).scalar() == 0
        )
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, DateTime | Date):
                    found = connection.execute(select(func.max(column))).scalar()
                    if found is not None:
                        latest[f"{table.name}.{column.name}"] = found
    assert "transactions.booked_at" in latest and "users.created_at" in latest
    with engine.connect() as connection:  # the journal's moments follow its order
        booked = connection.execute(
            select(transactions.c.booked_at, transactions.c.memo).order_by(transactions.c.sequence)
        ).all()
    assert any(row.memo == "credits of the demo offset project" for row in booked)
    for earlier, later in pairwise(booked):
        assert earlier.booked_at <= later.booked_at, (earlier, later)
    for name, found in latest.items():
        if isinstance(found, datetime):
            assert from_store(found) <= moment, (name, found, moment)
        else:
            assert found <= moment.date(), (name, found, moment)
    # The deadline passes: the stored table is the projected one.
    after = datetime(2017, 7, 1, 9, tzinfo=SHANGHAI)
    stored = run_compliance(engine, jurisdiction, 2016, after)
    assert [(line.position.company, line.status, line.shortfall_t, line.penalty)
            for line in stored] == [(line.position.company, line.status, line.shortfall_t,
                                     line.penalty) for line in result.lines]  # fmt: skip
