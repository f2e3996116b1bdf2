"""Opening and closing prices under each closing-price rule, with the arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime

from tanshi.market.closing import closing_price_fen, opening_price_fen, vwap_fen
from tanshi.market.venues import ClosingRule, ClosingRuleKind
from tanshi.resources import load_venue


def at(hour: int, minute: int) -> datetime:
    return datetime(2024, 12, 2, hour, minute, tzinfo=UTC)


CLOSE = at(7, 0)  # 15:00 in Shanghai
TRADES = [(at(1, 30), 9_700, 100), (at(5, 0), 9_800, 300), (at(6, 58), 9_900, 100)]


def rule(kind: ClosingRuleKind, minutes: int | None = None) -> ClosingRule:
    return ClosingRule(
        rule=kind,
        minutes=minutes,
        valid_from=2021,
        valid_to=2100,
        source="test",
        confidence="assumption",
    )


def test_ceex_closes_at_the_vwap_of_the_day() -> None:
    """(100 × 97.00 + 300 × 98.00 + 100 × 99.00) / 500 = 49,000 / 500 = 98.00."""
    ceex = load_venue("ceex").closing
    assert closing_price_fen(ceex, TRADES, 9_000, CLOSE) == 9_800
    assert opening_price_fen(TRADES) == 9_700


def test_vwap_rounds_half_up_to_the_fen() -> None:
    """(1 × 0.01 + 2 × 0.02) / 3 = 0.016… → 0.02; (1 × 0.01 + 1 × 0.02) / 2 = 0.015 → 0.02."""
    assert vwap_fen([(CLOSE, 1, 1), (CLOSE, 2, 2)]) == 2
    assert vwap_fen([(CLOSE, 1, 1), (CLOSE, 2, 1)]) == 2
    assert vwap_fen([]) is None


def test_last_minutes_rule() -> None:
    """Only the 14:58 trade is in the last 5 minutes: 99.00. With none there, the day's VWAP."""
    assert closing_price_fen(rule(ClosingRuleKind.VWAP_LAST_MINUTES, 5), TRADES, 1, CLOSE) == 9_900
    assert closing_price_fen(rule(ClosingRuleKind.VWAP_LAST_MINUTES, 1), TRADES, 1, CLOSE) == 9_800


def test_closing_call_rule_and_a_day_without_trades() -> None:
    call = rule(ClosingRuleKind.CLOSING_CALL)
    assert closing_price_fen(call, TRADES, 1, CLOSE, closing_call_fen=9_950) == 9_950
    assert closing_price_fen(call, TRADES, 1, CLOSE) == 9_800  # no closing-call trade
    assert closing_price_fen(call, [], 9_749, CLOSE) == 9_749  # the reference stays
    assert opening_price_fen([]) is None
