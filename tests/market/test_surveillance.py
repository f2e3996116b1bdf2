"""Surveillance flags on crafted cases; thresholds from data/market/surveillance-demo.toml
(position limit 500,000 t for trading accounts, large holders from 5%, round trips within
60 minutes and 1%)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from tanshi.market.surveillance import (
    FLAG_KINDS,
    MESSAGES,
    Holding,
    OrderSeen,
    TradeSeen,
    large_holder_flags,
    parse_surveillance_rules,
    position_flags,
    price_limit_flags,
    wash_trade_flags,
)
from tanshi.resources import surveillance_rules

RULES = surveillance_rules()
DAY = date(2017, 6, 9)
AT = datetime(2017, 6, 9, 2, 0, tzinfo=UTC)


def test_position_limit_applies_to_trading_accounts_only() -> None:
    held = [
        Holding("DP-TR-S01", "trading", "DPEA-2016", 500_001),
        Holding("DP-TR-S02", "trading", "DPEA-2016", 500_000),  # at the limit: allowed
        Holding("DP-OH-C001", "operator_holding", "DPEA-2016", 3_000_000),  # covered company
    ]
    flags = position_flags(held, RULES, DAY)
    assert [(f.kind, f.account) for f in flags] == [("position_limit_exceeded", "DP-TR-S01")]


def test_large_holders_from_five_percent_of_units_in_accounts() -> None:
    """Units in accounts: 940 + 50 + 10 = 1,000 (the jurisdiction's 10,000 do not count).
    5% of 1,000 = 50: C002 at exactly 50 reports, C003 at 10 does not."""
    held = [
        Holding("DP-OH-C001", "operator_holding", "DPEA-2016", 940),
        Holding("DP-OH-C002", "operator_holding", "DPEA-2016", 50),
        Holding("DP-TR-S01", "trading", "DPEA-2016", 10),
        Holding("DP-HOLDING", "jurisdiction_holding", "DPEA-2016", 10_000),
    ]
    flags = large_holder_flags(held, RULES, DAY, frozenset({"jurisdiction_holding"}))
    assert [f.account for f in flags] == ["DP-OH-C001", "DP-OH-C002"]
    assert "94.0%" in flags[0].message and "5.0%" in flags[1].message


def test_a_round_trip_within_the_hour_is_a_suspected_wash_trade() -> None:
    trades = [
        TradeSeen("L1", AT, "A", "B", 1000, 3000),
        TradeSeen("L2", AT + timedelta(minutes=30), "B", "A", 1000, 3020),  # back, +0.67%
        TradeSeen("L3", AT + timedelta(minutes=40), "C", "D", 500, 3000),
        TradeSeen("L4", AT + timedelta(minutes=200), "D", "C", 500, 3000),  # too late
        TradeSeen("L5", AT, "E", "F", 700, 3000),
        TradeSeen("L6", AT + timedelta(minutes=5), "F", "E", 700, 3100),  # 3.3% apart
        TradeSeen("L7", AT, "G", "H", 700, 3000),
        TradeSeen("L8", AT + timedelta(minutes=5), "H", "G", 600, 3000),  # not the same size
    ]
    flags = wash_trade_flags(trades, RULES)
    assert [(f.kind, f.message.split("(")[1]) for f in flags] == [
        ("wash_trade_suspected", "L1, L2)")
    ]


def test_orders_at_the_daily_limit_are_flagged() -> None:
    """Reference 28.00, band 10%: limits 25.20 and 30.80."""
    orders = [
        OrderSeen(1, AT, "A", 0, 100, 3080, 2800),
        OrderSeen(2, AT, "B", 1, 100, 2520, 2800),
        OrderSeen(3, AT, "C", 0, 100, 3079, 2800),
        OrderSeen(4, AT, "D", 0, 100, None, 2800),  # a market order has no price
    ]
    flags = price_limit_flags(orders, 1000, 1, {o.order_id: DAY for o in orders})
    assert [(f.account, "upper" in f.message) for f in flags] == [("A", True), ("B", False)]
    assert "30.80" in flags[0].message
    # The flag is a kind and values; the English message is written from them.
    assert flags[0].values == {"side": "buy", "order_id": 1, "quantity_t": 100,
                               "limit": "upper", "price": "30.80"}  # fmt: skip
    assert flags[1].message == "sell order 2 of 100 t at the lower limit 25.20"


def test_every_kind_has_a_message_written_from_its_params() -> None:
    """Each message names exactly the params its checks give (a missing one would raise)."""
    held = [Holding("A", "trading", "DPEA-2016", 600_000), Holding("B", "trading", "X", 1)]
    trades = [TradeSeen("L1", AT, "A", "B", 10, 3000), TradeSeen("L2", AT, "B", "A", 10, 3000)]
    orders = [OrderSeen(1, AT, "A", 0, 100, 3080, 2800)]
    flags = [*position_flags(held, RULES, DAY), *large_holder_flags(held, RULES, DAY, frozenset()),
             *wash_trade_flags(trades, RULES), *price_limit_flags(orders, 1000, 1, {1: DAY})]  # fmt: skip
    assert sorted({f.kind for f in flags}) == sorted(FLAG_KINDS) == sorted(MESSAGES)
    for flag in flags:
        named = set(re.findall(r"{(\w+)", MESSAGES[flag.kind]))
        assert named == set(flag.values), flag
    assert flags[0].message == "holds 600,000 t of DPEA-2016, above the limit of 500,000 t"
    assert "(report from 5%)" in flags[1].message
    assert flags[-2].message == "A and B traded 10 t back and forth (L1, L2)"


def test_a_broken_surveillance_file_lists_its_problems() -> None:
    rules, issues = parse_surveillance_rules("[position_limit_t]\nvalue = 1\n", "s.toml")
    assert rules is None and issues
    assert any("source" in issue.where for issue in issues)
