"""The demo's exchange on SQLite and PostgreSQL: every fill settles, the registry verifies,
cash is conserved, the stored log replays to the settled trades, and days trade once."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from tanshi.core.errors import TanshiError
from tanshi.resources import load_rulebook, load_settlement_rules, load_venue, parameter_table
from tanshi.services.audit import verify_registry
from tanshi.services.cash import balances, cash_discrepancies
from tanshi.services.demo import run_demo
from tanshi.services.exchange_log import replay_stored, traded_days
from tanshi.services.exchange_runs import simulate_days
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.services.market_data import exchange_tape
from tanshi.services.settlement import settlement_discrepancies
from tanshi.store.schema import exchange_commands, settlements

VENUE = load_venue("demo-province")


def _demo(engine: Engine) -> None:
    rulebook, text = load_rulebook("demo-province")
    run_demo(engine, rulebook, text, parameter_table(), seed=42, company_count=8)


def test_the_demo_trades_through_the_engine_and_settles_everything(engine: Engine) -> None:
    """One demo per store (they are slow): settlement, conservation, replay, trade-once."""
    _demo(engine)
    jurisdiction = load_jurisdiction(engine, "DP")
    with engine.connect() as connection:
        status = Counter(connection.execute(select(settlements.c.venue, settlements.c.status)))
        assert status[("listed", "settled")] > 0 and status[("block", "settled")] > 0
        assert {s for _, s in status} == {"settled"}  # every fill settled, nothing pending
        assert settlement_discrepancies(connection, jurisdiction) == []
        assert cash_discrepancies(connection) == []
        # Money is conserved: the bank's balance is minus everything held by the others.
        assert sum(balances(connection).values()) == 0
        commands = connection.execute(
            select(func.count()).select_from(exchange_commands)
        ).scalar_one()
    assert commands > 0
    assert verify_registry(engine).ok
    # The whole stored log replayed from empty books gives exactly the settled listed trades
    # (trade ids carry the command's seq and both order ids).
    replayed = replay_stored(engine, VENUE)
    ids = {f"DPEX-{e[1]}-{e[5]}-{e[6]}" for e in replayed.events if e[0] == "fill"}
    with engine.connect() as connection:
        settled = set(
            connection.execute(
                select(settlements.c.trade_id).where(settlements.c.venue == "listed")
            ).scalars()
        )
    assert ids == settled
    tape, label, market = exchange_tape(engine, VENUE, "DPEA-2016")
    assert "SYNTHETIC" in label and market.code == "dpex"
    with engine.connect() as connection:
        quantities = connection.execute(select(settlements.c.quantity_units)).scalars()
        assert sum(t.quantity_t for t in tape) == sum(int(q) for q in quantities)
    _a_day_replays_on_its_own_and_days_trade_once(engine, jurisdiction)


def _a_day_replays_on_its_own_and_days_trade_once(engine: Engine, jurisdiction) -> None:
    first, last = traded_days(engine, "DPEX")
    with engine.connect() as connection:
        busiest = connection.execute(
            select(exchange_commands.c.trading_day)
            .group_by(exchange_commands.c.trading_day)
            .order_by(func.count().desc(), exchange_commands.c.trading_day)
            .limit(1)
        ).scalar_one()
    whole = replay_stored(engine, VENUE)
    day = replay_stored(engine, VENUE, busiest)
    # Day orders: the day starts on empty books, so its fills are the same (renumbered).
    fills = Counter(e[3:7] for e in day.events if e[0] == "fill")
    with engine.connect() as connection:
        seqs = set(connection.execute(
            select(exchange_commands.c.seq).where(exchange_commands.c.trading_day == busiest)
        ).scalars())  # fmt: skip
    same_day = Counter(e[3:7] for e in whole.events if e[0] == "fill" and e[1] in seqs)
    assert fills == same_day and fills
    rules = load_settlement_rules("demo-province")
    with pytest.raises(TanshiError, match="already holds"):
        simulate_days(engine, jurisdiction, VENUE, rules, "DPEA-2016", first, last, 42)
    assert (first, last) == (date(2016, 7, 1), date(2017, 6, 20))
