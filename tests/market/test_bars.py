"""OHLCV bars with the arithmetic written out."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from market_text import SHANGHAI, UTC, tape

from tanshi.market.bars import Interval, bars, period_start, vwap
from tanshi.market.tape import ClosingRule, TradeKind, TradeRecord


def national() -> list[TradeRecord]:
    return [trade for trade in tape() if trade.exchange == "national"]


def test_hourly_bars_of_one_morning_and_afternoon() -> None:
    hourly = [bar for bar in bars(national(), Interval.HOUR, SHANGHAI) if bar.start.day == 4]
    assert [bar.start.hour for bar in hourly] == [9, 10, 13, 14]
    nine, ten, one, two = hourly
    # 09:31 1,000 t at 100.00 and 09:45 500 t at 101.50
    assert (nine.open, nine.high, nine.low, nine.close) == (
        Decimal("100.00"),
        Decimal("101.50"),
        Decimal("100.00"),
        Decimal("101.50"),
    )
    assert nine.volume_t == 1500
    assert nine.turnover_cny == Decimal("150750.0000")  # 100,000 + 50,750
    assert nine.vwap == Decimal("100.50")  # 150,750 / 1,500
    assert (ten.open, ten.close, ten.volume_t) == (Decimal("99.80"), Decimal("99.80"), 2000)
    # a block trade makes volume but no price
    assert (one.open, one.close, one.volume_t, one.block_volume_t) == (None, None, 100000, 100000)
    assert one.turnover_cny == Decimal("9500000.00")
    assert (two.close, two.turnover_cny) == (Decimal("100.20"), Decimal("30060.00"))


def test_daily_bar_counts_every_trade_and_prices_from_listed_ones() -> None:
    day = bars(national(), Interval.DAY, SHANGHAI)[0]
    assert day.start == datetime(2024, 11, 4, tzinfo=SHANGHAI)
    assert (day.open, day.high, day.low, day.close) == (
        Decimal("100.00"),
        Decimal("101.50"),
        Decimal("99.80"),
        Decimal("100.20"),
    )
    assert day.volume_t == 103800  # 1,000 + 500 + 2,000 + 100,000 + 300
    assert day.listed_volume_t == 3800
    # 100,000 + 50,750 + 199,600 + 9,500,000 + 30,060
    assert day.turnover_cny == Decimal("9880410")
    assert day.vwap == Decimal("95.19")  # 9,880,410 / 103,800 = 95.18699…
    assert day.trade_count == 5


def test_block_prices_count_when_asked() -> None:
    day = bars(national(), Interval.DAY, SHANGHAI, frozenset(TradeKind))[0]
    assert day.low == Decimal("95.00")


def test_weekly_bar_runs_monday_to_sunday() -> None:
    (week,) = bars(national(), Interval.WEEK, SHANGHAI)
    assert week.start == datetime(2024, 11, 4, tzinfo=SHANGHAI)  # a Monday
    assert (week.open, week.close) == (Decimal("100.00"), Decimal("100.40"))
    assert week.volume_t == 104500  # 103,800 + 700
    assert week.turnover_cny == Decimal("9950690")  # + 700 × 100.40 = 70,280


def test_minute_bars_start_on_the_minute() -> None:
    minutes = bars(national(), Interval.MINUTE, SHANGHAI)
    assert minutes[1].start == datetime(2024, 11, 4, 9, 45, tzinfo=SHANGHAI)


def test_days_are_counted_in_the_market_zone() -> None:
    late = TradeRecord(
        "national",
        "CEA",
        datetime(2024, 11, 4, 17, 30, tzinfo=UTC),  # 01:30 on 5 November in Shanghai
        Decimal("100.00"),
        10,
        TradeKind.LISTED,
    )
    assert bars([late], Interval.DAY, SHANGHAI)[0].start.date().day == 5
    assert bars([late], Interval.DAY, UTC)[0].start.date().day == 4


def test_one_bar_per_exchange_and_product() -> None:
    weekly = bars(tape(), Interval.WEEK, SHANGHAI)
    assert [(bar.exchange, bar.start.day) for bar in weekly] == [
        ("hubei", 28),
        ("hubei", 4),
        ("national", 4),
    ]
    assert weekly[1].otc_volume_t == 3000


def test_vwap_rounds_half_up_to_the_tick() -> None:
    assert vwap(Decimal("10.005"), 1) == Decimal("10.01")
    assert vwap(Decimal(0), 0) is None


@given(
    st.lists(
        st.tuples(
            st.integers(0, 7 * 24 * 60 - 1),
            st.integers(1, 99_999),
            st.integers(1, 1_000_000),
            st.sampled_from(list(TradeKind)),
        ),
        max_size=40,
    ),
    st.sampled_from(list(Interval)),
)
def test_bars_keep_every_tonne_and_yuan(
    rows: list[tuple[int, int, int, TradeKind]], interval: Interval
) -> None:
    start = datetime(2024, 11, 4, tzinfo=SHANGHAI)
    trades = [
        TradeRecord(
            "national",
            "CEA",
            start + timedelta(minutes=minute),
            Decimal(cents) / 100,
            quantity,
            kind,
        )
        for minute, cents, quantity, kind in rows
    ]
    made = bars(trades, interval, SHANGHAI)
    assert sum(bar.volume_t for bar in made) == sum(trade.quantity_t for trade in trades)
    assert sum(bar.turnover_cny for bar in made) == sum(
        (trade.turnover_cny for trade in trades), Decimal(0)
    )
    for bar in made:
        assert period_start(bar.start, interval, SHANGHAI) == bar.start
        if bar.low is not None:
            assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high


def test_the_national_close_is_the_vwap_of_the_day_s_listed_trades() -> None:
    day = bars(national(), Interval.DAY, SHANGHAI, closing_rule=ClosingRule.VWAP_OF_DAY)[0]
    # listed: 100,000 + 50,750 + 199,600 + 30,060 = 380,410 over 3,800 t = 100.1078…
    assert day.close == Decimal("100.11")
    assert (day.open, day.high, day.low) == (Decimal("100.00"), Decimal("101.50"), Decimal("99.80"))
    (week,) = bars(national(), Interval.WEEK, SHANGHAI, closing_rule=ClosingRule.VWAP_OF_DAY)
    assert week.close == Decimal("100.40")  # Tuesday, the week's last day with a listed trade
    hour = bars(national(), Interval.HOUR, SHANGHAI, closing_rule=ClosingRule.VWAP_OF_DAY)[0]
    assert hour.close == Decimal("101.50")  # intraday bars close at their last trade
