"""Daily and weekly statistics, zero-volume days included, with the arithmetic written out."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from market_text import SHANGHAI, tape

from tanshi.market.statistics import daily_statistics, summarise_period, trading_days
from tanshi.market.tape import ClosingRule, TradeKind, TradeRecord


def test_trading_days_skip_weekends() -> None:
    assert list(trading_days(date(2024, 11, 1), date(2024, 11, 5))) == [
        date(2024, 11, 1),
        date(2024, 11, 4),
        date(2024, 11, 5),
    ]


def test_daily_statistics_list_days_without_trades() -> None:
    days = daily_statistics(tape(), "national", date(2024, 11, 4), date(2024, 11, 8), SHANGHAI)
    assert [row.day.day for row in days] == [4, 5, 6, 7, 8]
    assert [row.zero_volume for row in days] == [False, False, True, True, True]
    monday, tuesday, wednesday = days[0], days[1], days[2]
    assert (monday.bar.close, monday.bar.vwap, monday.bar.trade_count) == (
        Decimal("100.20"),
        Decimal("95.19"),
        5,
    )
    assert (tuesday.bar.open, tuesday.bar.close, tuesday.bar.volume_t) == (
        Decimal("100.40"),
        Decimal("100.40"),
        700,
    )
    assert (wednesday.bar.close, wednesday.bar.volume_t) == (None, 0)
    assert wednesday.bar.turnover_cny == 0


def test_a_week_against_the_close_before_it() -> None:
    week = summarise_period(tape(), "national", date(2024, 11, 5), date(2024, 11, 8), SHANGHAI)
    assert week.previous_close == Decimal("100.20")  # Monday's last listed trade
    assert (week.open, week.high, week.low, week.close) == (Decimal("100.40"),) * 4
    assert week.change_pct == Decimal("0.20")  # (100.40 − 100.20) × 100 / 100.20 = 0.1996
    assert (week.trading_days, week.zero_volume_days) == (4, 3)


def test_block_share_and_vwap_of_a_week() -> None:
    week = summarise_period(tape(), "national", date(2024, 11, 4), date(2024, 11, 8), SHANGHAI)
    assert week.volume_t == 104500
    assert week.block_share == Decimal("0.9569")  # 100,000 / 104,500 = 0.95694
    assert week.vwap == Decimal("95.22")  # 9,950,690 / 104,500 = 95.2219…
    assert week.previous_close is None
    assert week.change_pct is None


def test_a_pilot_with_an_otc_trade_and_a_silent_monday() -> None:
    week = summarise_period(tape(), "hubei", date(2024, 11, 4), date(2024, 11, 8), SHANGHAI)
    assert week.previous_close == Decimal("40.00")
    assert week.close == Decimal("42.00")  # the OTC trade at 41.00 sets no price
    assert week.change_pct == Decimal("5.00")
    assert week.turnover_cny == Decimal("165000")  # 42,000 + 123,000
    assert (week.zero_volume_days, week.trading_days) == (4, 5)


def test_a_silent_week_carries_the_last_close() -> None:
    week = summarise_period(tape(), "hubei", date(2024, 11, 11), date(2024, 11, 15), SHANGHAI)
    assert (week.close, week.last_close, week.volume_t) == (None, Decimal("42.00"), 0)
    assert week.zero_volume_days == 5


@given(
    st.lists(
        st.tuples(
            st.integers(0, 20 * 24 * 60 - 1),
            st.integers(1, 99_999),
            st.integers(1, 100_000),
            st.sampled_from(list(TradeKind)),
        ),
        max_size=30,
    )
)
def test_days_add_up_to_the_period(rows: list[tuple[int, int, int, TradeKind]]) -> None:
    origin = datetime(2024, 11, 1, tzinfo=SHANGHAI)
    trades = [
        TradeRecord(
            "hubei", "HBEA", origin + timedelta(minutes=m), Decimal(c) / 100, quantity, kind
        )
        for m, c, quantity, kind in rows
    ]
    start, end = date(2024, 11, 4), date(2024, 11, 15)
    days = daily_statistics(trades, "hubei", start, end, SHANGHAI)
    period = summarise_period(trades, "hubei", start, end, SHANGHAI)
    assert sum(day.bar.volume_t for day in days) == period.volume_t
    assert sum((day.bar.turnover_cny for day in days), Decimal(0)) == period.turnover_cny
    weekdays = [day for day in days if day.day.weekday() < 5]
    assert period.trading_days == len(weekdays) == 10
    assert period.zero_volume_days == sum(1 for day in weekdays if day.zero_volume)
    closes = [day.bar.close for day in days if day.bar.close is not None]
    assert period.close == (closes[-1] if closes else None)


def test_previous_close_under_the_vwap_rule() -> None:
    week = summarise_period(
        tape(),
        "national",
        date(2024, 11, 5),
        date(2024, 11, 8),
        SHANGHAI,
        closing_rule=ClosingRule.VWAP_OF_DAY,
    )
    assert week.previous_close == Decimal("100.11")  # Monday's listed VWAP, 380,410 / 3,800
    assert week.close == Decimal("100.40")
    assert week.change_pct == Decimal("0.29")  # 0.29 × 100 / 100.11 = 0.2897
