"""An exchange trades its own jurisdiction's accounts only: the pure check, then the library's
order entry, trade recording and bilateral trades on both stores (DP's exchange, SZ beside)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select

from service_world import NOW, TRADER_ACCOUNT, build_world
from tanshi.market import Trade
from tanshi.market.membership import ACCOUNT_NOT_IN_EXCHANGE_JURISDICTION, Party, outside_exchange
from tanshi.market.orders import Side, TimeInForce
from tanshi.market.settlement import Fill
from tanshi.resources import load_settlement_rules
from tanshi.services import market, reservations, trading
from tanshi.services.jurisdiction import load_jurisdiction, local_date
from tanshi.services.settlement import SettlementRun, record_trade, settle_due
from tanshi.store.schema import settlements, trades, unit_reservations
from two_jurisdictions import add_shenzhen

CODE = ACCOUNT_NOT_IN_EXCHANGE_JURISDICTION


def test_only_parties_of_the_exchanges_jurisdiction_pass() -> None:
    parties = [Party("DP-OH-A1", "DP"), Party("SZ-OH-S1", "SZ"), Party("SZ-OH-S1", "SZ"),
               Party("GD-TR-X", "GD")]  # fmt: skip
    issues = outside_exchange("DP", parties, "order 7")
    assert [(i.code, i.where) for i in issues] == [(CODE, "order 7"), (CODE, "order 7")]
    assert "SZ-OH-S1 is in jurisdiction SZ" in issues[0].message
    assert "DP's exchange trades only accounts opened in DP" in issues[0].message
    assert "GD-TR-X" in issues[1].message
    assert outside_exchange("DP", parties[:1], "order 7") == []


def _count(engine: Engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_library_refuses_another_jurisdictions_account_everywhere(engine: Engine) -> None:
    world = build_world(engine)
    add_shenzhen(world)
    dp = load_jurisdiction(engine, "DP")
    venue = trading.venue_of(dp)
    assert venue is not None
    placed = trading.place_order(engine, dp, venue, "DPEA-2016", "SZ-OH-S1", Side.SELL, 100,
                                 2850, TimeInForce.GTC, NOW)  # fmt: skip
    assert (placed.order_id, [i.code for i in placed.issues]) == (None, [CODE])
    reserved = reservations.reserve_funds(engine, dp, "SZ-OH-S1", 100, "k/funds", NOW)
    assert [i.code for i in reserved[1]] == [CODE]
    rules = load_settlement_rules("demo-province")
    # Both sides are checked, and every problem is given at once.
    fill = Fill("B-1", "block", "SZ-OH-S2", "SZ-OH-S1", "DPEA-2016", 100, 2800, NOW)
    recorded, issues = record_trade(engine, dp, rules, fill, NOW)
    assert recorded is None
    assert [(i.code, i.message.split()[1]) for i in issues] == [(CODE, "SZ-OH-S1"),
                                                                (CODE, "SZ-OH-S2")]  # fmt: skip
    mixed = Fill("B-2", "block", TRADER_ACCOUNT, "SZ-OH-S1", "DPEA-2016", 100, 2800, NOW)
    assert [i.code for i in record_trade(engine, dp, rules, mixed, NOW)[1]] == [CODE]
    agreed = Trade("S1", "A1", "DPEA-2016", 10, Decimal("28.00"), local_date(dp, NOW))
    for terms in (None, rules):  # free of payment, and delivery versus payment
        outcome, issues = market.bilateral_trade(engine, dp, agreed, f"bt/{terms}", NOW, terms)
        assert outcome is None and [i.code for i in issues] == [CODE]
        assert "SZ-OH-S1" in issues[0].message
    assert [_count(engine, t) for t in (unit_reservations, settlements, trades)] == [0, 0, 0]


def test_each_exchange_settles_its_own_pending_trades(engine: Engine) -> None:
    world = build_world(engine)
    add_shenzhen(world)
    dp, sz = load_jurisdiction(engine, "DP"), load_jurisdiction(engine, "SZ")
    rules = load_settlement_rules("demo-province")
    block = Fill("B-9", "block", TRADER_ACCOUNT, "DP-OH-A1", "DPEA-2016", 100, 2800, NOW)
    recorded, issues = record_trade(engine, dp, rules, block, NOW)
    assert recorded is not None and not recorded.settled, issues
    due, later = recorded.plan.settle_on, NOW + timedelta(days=1)
    assert settle_due(engine, sz, due, later) == SettlementRun((), ())  # not SZ's to settle
    assert settle_due(engine, dp, due, later).settled == ("block/B-9",)
