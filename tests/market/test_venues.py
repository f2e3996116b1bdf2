"""Venue files: the shipped ones are valid; mistakes are reported with their line."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tanshi.market.book import BookRules
from tanshi.market.events import Exchange, NewOrder
from tanshi.market.orders import Phase, ResultCode, Side
from tanshi.market.venues import (
    MethodKind,
    book_rules,
    is_trading_day,
    next_trading_day,
    parse_venue,
    phase_at,
    venue_books,
)
from tanshi.resources import load_venue, venue_ids, venue_text


@pytest.mark.parametrize("venue_id", venue_ids())
def test_shipped_venues_are_valid_and_sourced(venue_id: str) -> None:
    venue = load_venue(venue_id)
    for record in [venue.venue, *venue.products, *venue.methods, *venue.sessions]:
        assert record.source.strip()


def test_several_venues_ship() -> None:
    assert {"ceex", "demo-province"} <= set(venue_ids())


def test_ceex_listed_and_block_rules() -> None:
    ceex = load_venue("ceex")
    assert book_rules(ceex, "CEA-2024") == BookRules("CEA-2024", 1, 1, 99_999, 1000)
    block = ceex.method(MethodKind.BLOCK)
    assert block is not None
    assert (block.min_quantity_t, block.band_pct) == (100_000, 30)
    assert ceex.closing.rule == "vwap_of_day"


def test_sessions_and_calendar() -> None:
    demo = load_venue("demo-province")
    # 2016-03-01 was a Tuesday; Shanghai is UTC+8.
    assert phase_at(demo, datetime(2016, 3, 1, 1, 20, tzinfo=UTC)) is Phase.OPENING_CALL
    assert phase_at(demo, datetime(2016, 3, 1, 1, 27, tzinfo=UTC)) is Phase.CLOSED
    assert phase_at(demo, datetime(2016, 3, 1, 2, 0, tzinfo=UTC)) is Phase.CONTINUOUS
    assert phase_at(demo, datetime(2016, 3, 1, 4, 0, tzinfo=UTC)) is Phase.CLOSED  # lunch
    assert phase_at(demo, datetime(2016, 3, 1, 6, 58, tzinfo=UTC)) is Phase.CLOSING_CALL
    assert phase_at(demo, datetime(2016, 3, 1, 7, 0, tzinfo=UTC)) is Phase.CLOSED
    assert not is_trading_day(demo, date(2016, 2, 8))  # Spring Festival
    assert not is_trading_day(demo, date(2016, 3, 5))  # Saturday
    assert next_trading_day(demo, date(2016, 2, 5)) == date(2016, 2, 15)


BROKEN = """\
[venue]
code = "X"
name = "Broken"
timezone = "Mars/Olympus"
currency = "CNY"
source = "test"
confidence = "assumption"

[[products]]
code = "A-2024"
unit_type = "A"
vintage = 2024
source = "test"
confidence = "assumption"
"""


def test_model_errors_are_located() -> None:
    venue, issues = parse_venue(BROKEN, "broken.toml")
    assert venue is None
    where = {issue.where for issue in issues}
    assert "broken.toml:4 venue.timezone" in where
    assert any(w.startswith("broken.toml methods") for w in where)  # missing table


def test_cross_table_checks_are_located() -> None:
    text = venue_text("demo-province")
    text = text.replace("min_quantity_t = 10000\n", "min_quantity_t = 15000\n", 1)
    text = text.replace("start = 13:00:00\nend = 14:57:00", "start = 11:00:00\nend = 14:57:00")
    venue, issues = parse_venue(text, "demo.toml")
    assert venue is not None
    by_code = {issue.code: issue.where for issue in issues}
    assert by_code["listed_and_block_sizes_do_not_meet"].startswith("demo.toml:")
    assert "methods[1].min_quantity_t" in by_code["listed_and_block_sizes_do_not_meet"]
    assert "sessions[2].start" in by_code["sessions_overlap"]


def test_one_exchange_runs_the_books_of_several_venues() -> None:
    """Two venues' products in one Exchange; each book keeps its own venue's limits."""
    rules, references = [], {}
    for venue_id in ("ceex", "demo-province"):
        venue_rules, venue_references = venue_books(load_venue(venue_id))
        rules += venue_rules
        references |= venue_references
    exchange = Exchange(rules, references)
    at = datetime(2024, 12, 2, 2, 0, tzinfo=UTC)
    # CEEX CEA-2024 reference 97.49: limits 87.74-107.24; demo DPEA-2016 28.00: 25.20-30.80.
    assert (
        exchange.apply(NewOrder(at, "CEEX:CEA-2024", 1, "a", Side.BUY, 10, 10_724)) is ResultCode.OK
    )
    assert (
        exchange.apply(NewOrder(at, "DPEX:DPEA-2016", 2, "a", Side.BUY, 10, 3_081))
        is ResultCode.PRICE_OUTSIDE_LIMITS
    )
    assert (
        exchange.apply(NewOrder(at, "DPEX:DPEA-2016", 3, "b", Side.SELL, 4, 3_080)) is ResultCode.OK
    )
    assert (
        exchange.apply(NewOrder(at, "CEEX:CEA-2024", 4, "b", Side.SELL, 4, 10_000)) is ResultCode.OK
    )
    fills = [(e[2], e[3], e[4]) for e in exchange.events if e[0] == "fill"]
    assert fills == [("CEEX:CEA-2024", 10_724, 4)]
    assert exchange.apply(NewOrder(at, "CEA-2024", 5, "b", Side.SELL, 4, 10_000)) is (
        ResultCode.UNKNOWN_PRODUCT
    )
