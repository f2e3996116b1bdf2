"""Trade CSVs: a round trip, the label line, and every bad row reported at once."""

from __future__ import annotations

from market_text import SHANGHAI, TAPE, tape

from tanshi.market.bars import Interval, bars
from tanshi.market.tape_csv import bars_to_csv, label_of, parse_csv, to_csv


def test_round_trip_keeps_every_field() -> None:
    trades = tape()
    text = to_csv(trades, "synthetic, seed 1")
    assert text.startswith("# synthetic, seed 1\n")
    assert label_of(text) == "synthetic, seed 1"
    again, issues = parse_csv(text, "again")
    assert issues == []
    assert again == trades
    assert to_csv(trades).splitlines() == TAPE.splitlines()


def test_every_bad_row_is_reported_with_its_line() -> None:
    text = (
        "exchange,product,traded_at,price_cny_per_t,quantity_t,kind\n"
        "national,CEA,2024-11-04T09:31:00+08:00,100.00,1000,listed\n"
        "national,CEA,2024-11-04 09:31,100.001,10,listed\n"
        "national,CEA,2024-11-04T09:31:00+08:00,abc,1.5,swap\n"
        ",CEA,2024-11-04T09:31:00+08:00,-1,0,block\n"
    )
    trades, issues = parse_csv(text, "bad.csv")
    assert len(trades) == 1
    assert [(issue.code, issue.where) for issue in issues] == [
        ("time_without_zone", "bad.csv:3"),
        ("price_off_tick", "bad.csv:3"),
        ("price_unreadable", "bad.csv:4"),
        ("quantity_unreadable", "bad.csv:4"),
        ("kind_unknown", "bad.csv:4"),
        ("exchange_missing", "bad.csv:5"),
        ("quantity_must_be_positive", "bad.csv:5"),
        ("price_must_be_positive", "bad.csv:5"),
    ]


def test_a_missing_column_is_named() -> None:
    trades, issues = parse_csv("# label\nexchange,product,price\n", "short.csv")
    assert trades == []
    assert issues[0].code == "trade_csv_columns"
    assert "traded_at" in issues[0].message
    assert issues[0].where == "short.csv:2"


def test_bars_as_csv_leave_missing_prices_empty() -> None:
    hourly = [bar for bar in bars(tape(), Interval.HOUR, SHANGHAI) if bar.exchange == "national"]
    lines = bars_to_csv(hourly, "test").splitlines()
    assert lines[0] == "# test"
    assert lines[2] == (
        "national,CEA,hour,2024-11-04T09:00:00+08:00,100.00,101.50,100.00,101.50,1500,"
        "150750.00,100.50,2,1500,0,0"
    )
    assert lines[4] == (
        "national,CEA,hour,2024-11-04T13:00:00+08:00,,,,,100000,9500000.00,95.00,1,0,100000,0"
    )
