"""The commentary says what the numbers say."""

from __future__ import annotations

from datetime import date

from market_text import SHANGHAI, tape

from tanshi.market.commentary import commentary, span
from tanshi.market.statistics import summarise_period
from tanshi.market.tape import ClosingRule, Market

MARKETS = {
    code: Market(
        code,
        scope,
        name,
        "",
        "",
        "",
        product,
        "Asia/Shanghai",
        (),
        ClosingRule.LAST_TRADE,
        None,
        None,
        "test",
    )
    for code, scope, name, product in (
        ("national", "national", "National market", "CEA"),
        ("hubei", "pilot", "Hubei", "HBEA"),
        ("tianjin", "pilot", "Tianjin", "TJEA"),
    )
}


def week(start: date, end: date) -> str:
    return commentary(
        [summarise_period(tape(), code, start, end, SHANGHAI) for code in MARKETS], MARKETS
    )


def test_the_week_in_words() -> None:
    text = week(date(2024, 11, 5), date(2024, 11, 8))
    # national 700 t at 100.40; Hubei 1,000 t at 42.00 and 3,000 t at 41.00
    assert text.startswith(
        "In 5–8 November 2024, 2 of the 3 markets traded 4,700 t worth CNY 235,280.00 in 3 trades."
    )
    # Hubei 40.00 → 42.00 is +5.00%; the national market 100.20 → 100.40 is +0.20%
    assert "Hubei rose most, +5.00% to CNY 42.00/t." in text
    # 700 of 4,700 t; the pilots' VWAP is 165,000 / 4,000 = 41.25
    assert "The national market took 14.9% of the volume, 0.0% of it in block trades" in text
    assert "against a volume-weighted pilot price of CNY 41.25/t" in text
    assert "Among the pilots, Hubei traded most (4,000 t, 100.0% of the pilots' volume)." in text
    assert "Tianjin recorded no trade at all." in text
    assert "Across the pilots, 7 of 8 market-days had zero volume." in text


def test_a_fall_and_a_silent_national_market() -> None:
    falling = tape(
        "exchange,product,traded_at,price_cny_per_t,quantity_t,kind\n"
        "tianjin,TJEA,2024-11-01T10:00:00+08:00,30.00,10,listed\n"
        "tianjin,TJEA,2024-11-05T10:00:00+08:00,27.00,10,listed\n"
    )
    summaries = [
        summarise_period(falling, code, date(2024, 11, 4), date(2024, 11, 8), SHANGHAI)
        for code in MARKETS
    ]
    text = commentary(summaries, MARKETS)
    assert "No market rose; Tianjin fell most, -10.00% to CNY 27.00/t." in text
    assert "The national market had no trades; the pilots traded all 10 t." in text


def test_volume_against_the_week_before() -> None:
    this = [
        summarise_period(tape(), code, date(2024, 11, 4), date(2024, 11, 8), SHANGHAI)
        for code in MARKETS
    ]
    before = [
        summarise_period(tape(), code, date(2024, 10, 28), date(2024, 11, 1), SHANGHAI)
        for code in MARKETS
    ]
    # 104,500 + 4,000 t this week against Hubei's 5,000 t: (108,500 − 5,000) × 100 / 5,000
    assert "Volume was up 2070.0% on the period before (5,000 t)." in commentary(
        this, MARKETS, before
    )
    quiet = [
        summarise_period(tape(), code, date(2024, 10, 21), date(2024, 10, 25), SHANGHAI)
        for code in MARKETS
    ]
    assert "Nothing had traded in the period before." in commentary(this, MARKETS, quiet)


def test_nothing_traded() -> None:
    text = week(date(2017, 9, 4), date(2017, 9, 8))
    assert text.startswith("No allowance traded on any of the 3 markets in 4–8 September 2017.")
    assert "no price change can be given" in text


def test_spans_across_months_and_years() -> None:
    assert span(date(2017, 8, 28), date(2017, 9, 1)) == "28 August – 1 September 2017"
    assert span(date(2024, 12, 30), date(2025, 1, 3)) == "30 December 2024 – 3 January 2025"
