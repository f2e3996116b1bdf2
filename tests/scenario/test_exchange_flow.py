"""The synthetic exchanges meet their calibration targets, read from the sourced table."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tanshi.market.statistics import summarise_period
from tanshi.market.tape import ClosingRule, Market, TradeKind, TradeRecord
from tanshi.market.venues import MethodKind
from tanshi.resources import exchange_calibration, exchange_markets, load_venue
from tanshi.scenario.exchange_calibration import parse_calibration, parse_markets
from tanshi.scenario.exchange_flow import simulate_exchanges
from tanshi.scenario.exchange_volumes import apportion

ZONE = ZoneInfo("Asia/Shanghai")
START, END = date(2017, 1, 1), date(2024, 12, 31)


@functools.cache
def markets() -> dict[str, Market]:
    return {market.code: market for market in exchange_markets()}


@functools.cache
def simulated(seed: int = 7) -> tuple[TradeRecord, ...]:
    return tuple(
        simulate_exchanges(seed, list(markets().values()), exchange_calibration(), START, END, ZONE)
    )


def national_year(year: int) -> list[TradeRecord]:
    return [t for t in simulated() if t.exchange == "national" and t.traded_at.year == year]


def test_every_target_has_a_source_and_a_confidence() -> None:
    for target in exchange_calibration().targets:
        assert target.source and target.confidence in {"V", "V3", "M", "assumption"}


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024])
@pytest.mark.parametrize("rule", list(ClosingRule))
def test_national_year_end_closes_are_the_published_ones(year: int, rule: ClosingRule) -> None:
    national = markets()["national"]
    assert national.closing_rule is ClosingRule.VWAP_OF_DAY
    target = exchange_calibration().by_year(national, "year_end_close")[year]
    last_week = summarise_period(
        simulated(), "national", date(year, 12, 25), date(year, 12, 31), ZONE, closing_rule=rule
    )
    assert last_week.close == target.number


def test_national_order_sizes_keep_the_listed_and_block_limits() -> None:
    national = markets()["national"]
    assert (national.listed_max_t, national.block_min_t) == (99_999, 100_000)
    for trade in simulated():
        if trade.exchange == "national" and trade.kind is TradeKind.LISTED:
            assert trade.quantity_t <= 99_999
        elif trade.exchange == "national" and trade.kind is TradeKind.BLOCK:
            assert trade.quantity_t >= 100_000


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024])
def test_national_volume_exact_and_value_within_one_percent(year: int) -> None:
    calibration = exchange_calibration()
    national = markets()["national"]
    trades = national_year(year)
    volume = calibration.by_year(national, "annual_volume_t")[year].number
    value = calibration.by_year(national, "annual_turnover_cny")[year].number
    assert sum(t.quantity_t for t in trades) == volume
    turnover = sum((t.turnover_cny for t in trades), Decimal(0))
    assert abs(turnover - value) / value < Decimal("0.01")


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024])
def test_season_and_block_shares(year: int) -> None:
    national = markets()["national"]
    calibration = exchange_calibration()
    trades = national_year(year)
    total = sum(t.quantity_t for t in trades)
    season = sum(t.quantity_t for t in trades if t.traded_at.month >= 11)
    block = sum(t.quantity_t for t in trades if t.kind is TradeKind.BLOCK)
    assert abs(Decimal(season) / total - calibration.number(national, "season_share")) < Decimal(
        "0.001"
    )
    assert abs(Decimal(block) / total - calibration.number(national, "block_share")) < Decimal(
        "0.01"
    )


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024])
def test_block_prices_stay_near_listed_prices(year: int) -> None:
    def average(kind: TradeKind) -> Decimal:
        chosen = [t for t in national_year(year) if t.kind is kind]
        return sum((t.turnover_cny for t in chosen), Decimal(0)) / sum(t.quantity_t for t in chosen)

    # the average-price anchor keeps the turnover correction small
    assert abs(average(TradeKind.BLOCK) / average(TradeKind.LISTED) - 1) < Decimal("0.15")


def test_the_national_market_opens_on_its_first_day_at_its_first_price() -> None:
    first = next(t for t in simulated() if t.exchange == "national")
    assert first.traded_at.date() == date(2021, 7, 16)
    assert first.price_cny_per_t == Decimal("48.00")


@pytest.mark.parametrize(
    "code", ["beijing", "tianjin", "shanghai", "hubei", "guangdong", "shenzhen", "chongqing"]
)
def test_pilots_close_2020_at_the_published_close_and_have_silent_weeks(code: str) -> None:
    market = markets()[code]
    calibration = exchange_calibration()
    target = calibration.by_year(market, "year_end_close")[2020].number
    mine = [trade for trade in simulated() if trade.exchange == code]
    year = summarise_period(mine, code, date(2020, 1, 1), date(2020, 12, 31), ZONE)
    assert year.close == target
    weeks = [
        summarise_period(mine, code, monday, monday + timedelta(days=4), ZONE)
        for monday in (date(2018, 1, 1) + timedelta(weeks=n) for n in range(3 * 52))
    ]
    silent = sum(1 for week in weeks if week.volume_t == 0) / Decimal(len(weeks))
    expected = 1 - calibration.number(market, "active_week_share")
    assert abs(silent - expected) < Decimal("0.1")


def test_pilots_are_thin_next_to_the_national_market() -> None:
    volumes: dict[str, int] = {}
    for trade in simulated():
        if trade.traded_at.year == 2024:
            volumes[trade.exchange] = volumes.get(trade.exchange, 0) + trade.quantity_t
    assert all(
        volumes["national"] > 3 * volume for code, volume in volumes.items() if code != "national"
    )


def test_same_seed_same_trades_other_seed_other_trades() -> None:
    beijing = [markets()["beijing"]]
    one = simulate_exchanges(3, beijing, exchange_calibration(), START, date(2017, 12, 31), ZONE)
    again = simulate_exchanges(3, beijing, exchange_calibration(), START, date(2017, 12, 31), ZONE)
    other = simulate_exchanges(4, beijing, exchange_calibration(), START, date(2017, 12, 31), ZONE)
    assert one == again
    assert one != other


def test_a_market_does_not_depend_on_the_others() -> None:
    alone = simulate_exchanges(7, [markets()["hubei"]], exchange_calibration(), START, END, ZONE)
    assert alone == [t for t in simulated() if t.exchange == "hubei"]


def test_prices_are_on_the_tick_and_quantities_whole() -> None:
    for trade in simulated()[:5000]:
        assert trade.price_cny_per_t == trade.price_cny_per_t.quantize(Decimal("0.01"))
        assert trade.price_cny_per_t > 0 and trade.quantity_t > 0


def test_a_target_without_a_source_is_refused() -> None:
    _, issues = parse_calibration(
        "market,quantity,period,value,unit,confidence,source\n"
        "national,block_share,all,0.85,share,V3,\n"
        "national,season_share,all,lots,share,R,somewhere\n",
        "bad.csv",
    )
    assert [(issue.code, issue.where) for issue in issues] == [
        ("calibration_source", "bad.csv:2"),
        ("calibration_confidence", "bad.csv:3"),
        ("calibration_value", "bad.csv:3"),
    ]


@given(st.integers(0, 10**12), st.lists(st.integers(1, 1000), min_size=1, max_size=30))
def test_apportion_sums_exactly(total: int, weights: list[int]) -> None:
    shares = apportion(total, weights)
    assert sum(shares) == total
    assert all(share >= 0 for share in shares)


def test_trades_happen_in_the_sessions_and_blocks_in_the_afternoon() -> None:
    for trade in simulated()[:3000]:
        local = trade.traded_at.astimezone(ZONE)
        sessions = markets()[trade.exchange].sessions
        assert any(opening <= local.time() < closing for opening, closing in sessions)
        assert local.weekday() < 5
        if trade.kind is not TradeKind.LISTED:
            assert local.time() >= sessions[-1][0]


def test_unreadable_sessions_are_refused() -> None:
    header = (
        "code,scope,name_en,name_zh,exchange_en,exchange_zh,product,time_zone,sessions,"
        "closing_rule,listed_max_t,block_min_t,confidence,source"
    )
    _, issues = parse_markets(
        f"{header}\n"
        "x,pilot,X,X,X,X,XEA,Asia/Shanghai,13:00-11:30,last_trade,,,M,somewhere\n"
        "y,pilot,Y,Y,Y,Y,YEA,Asia/Shanghai,13:00-15:00,midpoint,,,M,somewhere\n"
        "z,pilot,Z,Z,Z,Z,ZEA,Asia/Shanghai,13:00-15:00,last_trade,,,M,from memory, unquoted\n",
        "m.csv",
    )
    assert [(issue.code, issue.where) for issue in issues] == [
        ("market_sessions", "m.csv:2"),
        ("market_closing_rule", "m.csv:3"),
        ("market_fields", "m.csv:4"),
    ]


def test_the_national_market_agrees_with_the_ceex_venue_file() -> None:
    venue = load_venue("ceex")
    national = markets()["national"]
    listed, block = venue.method(MethodKind.LISTED), venue.method(MethodKind.BLOCK)
    assert listed is not None and block is not None
    assert national.closing_rule.value == venue.closing.rule.value
    assert (national.listed_max_t, national.block_min_t) == (
        listed.max_quantity_t,
        block.min_quantity_t,
    )
    continuous = {
        (session.start, session.end)
        for session in venue.sessions
        if MethodKind.LISTED in session.methods
    }
    assert set(national.sessions) == continuous
    assert str(venue.venue.timezone) == national.time_zone
