"""The bid book on SQLite and PostgreSQL: sealed bids reserve cash, clearing delivers and pays
all or nothing, and every reservation is released or paid."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from service_world import NOW, build_world
from tanshi.auction import Bid
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import bid_book, bid_book_clearing, bid_book_reads, cash
from tanshi.services.auction import AuctionRefused, auction_terms, deliver_auction, run_auction
from tanshi.services.jurisdiction import load_jurisdiction, unit_class_id
from tanshi.services.registry import execute
from tanshi.services.settlement import settlement_discrepancies
from tanshi.store.schema import auction_notices, auctions, cash_entries, funds_reservations

OPENS, CLOSES = NOW - timedelta(hours=1), NOW + timedelta(hours=2)
A1_CASH, B1_CASH = "DP-OH-A1-CASH", "DP-OH-B1-CASH"


def _world(engine: Engine, *, stock: int = 20_000):
    build_world(engine)
    place = load_jurisdiction(engine, "DP")
    allowances = unit_class_id(engine, place, "DPEA", 2016)
    assert execute(engine, TransactionRequest("issuance", "t/issue-book", (
        Movement(place.issuance_account, place.holding_account, allowances, stock),), NOW)).ok  # fmt: skip
    for account, fen in (("DP-OH-A1", 10_000_000), ("DP-OH-B1", 5_000_000)):  # B1 had 1 000 000
        assert cash.transfer_with_bank(engine, "DP", "CNY", account, fen, f"t/dep/{account}",
                                       NOW, deposit=True).ok  # fmt: skip
    return place


def _announce(engine: Engine, place, code: str = "2016-B1", volume: int = 20_000) -> None:
    notice, issues = bid_book.announce(
        engine, place, code=code, year=2016, auction_on=date(2017, 3, 1), opens_at=OPENS,
        closes_at=CLOSES, now=NOW - timedelta(days=7), by="regulator", volume_t=volume,
    )  # fmt: skip
    assert notice is not None and not issues, issues


def _balances(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return cash.balances(connection)


def test_bids_reserve_cash_and_clearing_delivers_pays_and_releases(engine: Engine) -> None:
    """20 000 t offered, at most 3 000 t per bidder, reserve 20.00: A1 bids 2 000 @ 25.00 and
    revises it to 3 000 @ 24.00, B1 bids 1 000 @ 21.00 then withdraws; undersubscribed, so A1
    wins 3 000 t at the reserve 20.00 and pays 60 000.00 of the 72 000.00 it reserved."""
    place = _world(engine)
    _announce(engine, place)
    first, issues = bid_book.submit_bid(engine, place, "2016-B1", "A1", Decimal("25.00"), 2000,
                                        key="k1", now=NOW, by="officer-a")  # fmt: skip
    assert first is not None and not issues, issues
    assert _balances(engine)[A1_CASH] == 10_000_000 - 5_000_000
    again, _ = bid_book.submit_bid(engine, place, "2016-B1", "A1", Decimal("25.00"), 2000,
                                   key="k1", now=NOW, by="officer-a")  # fmt: skip
    assert again is not None and again["bid_id"] == first["bid_id"] and again["replayed"]
    revised, issues = bid_book.submit_bid(engine, place, "2016-B1", "A1", Decimal("24.00"), 3000,
                                          key="k2", now=NOW, by="officer-a",
                                          replaces=first["bid_id"])  # fmt: skip
    assert revised is not None and not issues, issues
    assert _balances(engine)[A1_CASH] == 10_000_000 - 7_200_000
    b1, issues = bid_book.submit_bid(engine, place, "2016-B1", "B1", Decimal("21.00"), 1000,
                                     key="k3", now=NOW, by="officer-b")  # fmt: skip
    assert b1 is not None, issues
    gone, issues = bid_book.withdraw_bid(engine, place, "2016-B1", "B1", b1["bid_id"], key="w1",
                                         now=NOW)  # fmt: skip
    assert gone is not None and gone["status"] == "withdrawn", issues
    assert _balances(engine)[B1_CASH] == 6_000_000

    # The window is open for two more hours: bidders were promised them, so no clearing yet.
    early, issues = bid_book_clearing.clear_book(engine, place, "2016-B1", now=NOW, seed=3)
    assert early is None and [i.code for i in issues] == ["bidding_window_still_open"]
    assert "2017-03-01" in issues[0].message and _balances(engine)[A1_CASH] == 2_800_000
    cleared, issues = bid_book_clearing.clear_book(engine, place, "2016-B1", now=CLOSES, seed=3)
    assert cleared is not None and not issues, issues
    money = _balances(engine)
    assert money[A1_CASH] == 10_000_000 - 6_000_000
    assert money[bid_book_clearing.proceeds_code("DP")] == 6_000_000
    with engine.connect() as connection:
        recorded = connection.execute(select(auctions)).one()
        assert (recorded.code, recorded.sold_units, recorded.clearing_price_hundredths) == (
            "2016-B1", 3000, 2000)  # fmt: skip
        assert all(r.open_fen == 0 for r in connection.execute(select(funds_reservations)))
        assert settlement_discrepancies(connection, place) == []
        assert cash.cash_discrepancies(connection) == []
    shown = bid_book_reads.notice(engine, None, "2016-B1", NOW)
    assert shown is not None
    assert (shown["phase"], shown["bid_t"], shown["cover_ratio"], shown["bids_shown"]) == (
        "cleared", 3000, "0.15", "none")  # fmt: skip
    replay, _ = bid_book_clearing.clear_book(engine, place, "2016-B1", now=NOW)
    assert replay == {"auction_id": recorded.id, "replayed": True}
    late, issues = bid_book.submit_bid(engine, place, "2016-B1", "A1", Decimal("24.00"), 1000,
                                       key="k4", now=NOW, by="officer-a")  # fmt: skip
    assert late is None and [i.code for i in issues] == ["bidding_window_closed"]


def test_a_bid_is_checked_as_data_every_problem_at_once(engine: Engine) -> None:
    place = _world(engine)
    _announce(engine, place)
    bid, issues = bid_book.submit_bid(engine, place, "2016-B1", "A1", Decimal("19.995"), 4500,
                                      key="bad", now=NOW, by="officer-a")  # fmt: skip
    assert bid is None
    assert {i.code for i in issues} == {"not_whole_lots", "not_whole_ticks",
                                        "exceeds_purchase_limit"}  # fmt: skip
    poor, issues = bid_book.submit_bid(engine, place, "2016-B1", "B1", Decimal("21.00"), 3000,
                                       key="poor", now=NOW, by="officer-b")  # fmt: skip
    assert poor is None and [i.code for i in issues] == ["insufficient_funds"]
    early, issues = bid_book.submit_bid(engine, place, "2016-B1", "A1", Decimal("20.00"), 1000,
                                        key="early", now=OPENS - timedelta(seconds=1),
                                        by="officer-a")  # fmt: skip
    assert early is None and [i.code for i in issues] == ["bidding_window_not_open"]
    assert _balances(engine)[A1_CASH] == 10_000_000


def test_a_refused_delivery_leaves_the_book_open_and_the_cash_reserved(engine: Engine) -> None:
    """The holding account holds no 2016 allowances beyond the world's: nothing is written."""
    place = _world(engine, stock=1)
    _announce(engine, place)
    bid, _ = bid_book.submit_bid(engine, place, "2016-B1", "A1", Decimal("20.00"), 2000,
                                 key="k", now=NOW, by="officer-a")  # fmt: skip
    assert bid is not None
    before = _balances(engine)
    cleared, issues = bid_book_clearing.clear_book(engine, place, "2016-B1", now=CLOSES)
    assert cleared is None and issues[0].code == "insufficient_units"
    assert _balances(engine) == before
    with engine.connect() as connection:
        assert connection.execute(select(auctions)).all() == []
        assert connection.execute(select(auction_notices.c.auction_id)).scalar() is None


def test_an_announcement_is_checked(engine: Engine) -> None:
    place = _world(engine)
    _announce(engine, place)
    notice, issues = bid_book.announce(
        engine, place, code="2016-B1", year=2016, auction_on=date(2017, 3, 1), opens_at=CLOSES,
        closes_at=OPENS, now=NOW, by="regulator",
    )  # fmt: skip
    assert notice is None and [i.code for i in issues] == ["window_closes_before_it_opens"]
    notice, issues = bid_book.announce(
        engine, place, code="2016-B1", year=2016, auction_on=date(2017, 3, 1), opens_at=OPENS,
        closes_at=CLOSES, now=NOW, by="regulator",
    )  # fmt: skip
    assert notice is None and [i.code for i in issues] == ["auction_code_taken"]


def test_the_auction_day_follows_its_window_and_the_reserve_price_is_in_fen(
    engine: Engine,
) -> None:
    """The auction day is the day the window closes (its local calendar) or later; a reserve
    price finer than a fen is a price problem at the reserve price; a year
    outside the rulebook names the years it covers."""
    place = _world(engine)
    closing_day = (CLOSES + timedelta(hours=8)).date()  # Asia/Shanghai
    notice = dict(code="2016-D1", year=2016, opens_at=OPENS, closes_at=CLOSES, now=NOW,
                  by="regulator", volume_t=20_000)  # fmt: skip
    for day in (date(2010, 1, 1), closing_day - timedelta(days=1)):
        made, issues = bid_book.announce(engine, place, auction_on=day, **notice)
        assert made is None and [(i.code, i.where) for i in issues] == [
            ("auction_day_outside_window", "auction_on")]  # fmt: skip
    assert f"before the bidding window closes on {closing_day}: choose " in issues[0].message
    made, issues = bid_book.announce(engine, place, auction_on=closing_day,
                                     **notice | {"reserve_price_per_t": Decimal("20.001")})  # fmt: skip
    assert made is None and [(i.code, i.where) for i in issues] == [
        ("price_not_payable", "reserve_price_per_t")]  # fmt: skip
    assert issues[0].message == ("the reserve price 20.001 has more than two decimal places: "
                                 "give it in whole fen, e.g. 20.00")  # fmt: skip
    made, issues = bid_book.announce(engine, place, auction_on=closing_day,
                                     **notice | {"year": 2099})  # fmt: skip
    assert made is None and [(i.code, i.where, i.message) for i in issues] == [
        ("no_auction_terms", "year", "the rulebook has no rules for 2099; it has rules for "
         "2016-2020")]  # fmt: skip
    for day in (closing_day, closing_day + timedelta(days=40)):
        made, issues = bid_book.announce(engine, place, auction_on=day,
                                         **notice | {"code": f"2016-{day}"})  # fmt: skip
        assert made is not None and not issues, issues


def test_the_regulator_path_may_not_take_an_announced_code(engine: Engine) -> None:
    place = _world(engine)
    _announce(engine, place)
    terms = auction_terms(place.rulebook, 2016, volume_t=20_000)
    result = run_auction(terms, [Bid("1", "A1", Decimal(25), 1000)])
    with pytest.raises(AuctionRefused, match="already recorded"):
        deliver_auction(engine, place, result, code="2016-B1", year=2016, now=NOW,
                        carried_in_t=0, bids_text="test")  # fmt: skip


def test_an_empty_book_clears_to_nothing_sold_and_rolls_the_volume_over(engine: Engine) -> None:
    place = _world(engine)
    _announce(engine, place, volume=5000)
    cleared, issues = bid_book_clearing.clear_book(engine, place, "2016-B1", now=CLOSES)
    assert cleared is not None and not issues, issues
    shown = bid_book_reads.notice(engine, None, "2016-B1", NOW)
    assert shown is not None
    assert (shown["sold_t"], shown["rolled_over_t"], shown["bid_t"], shown["cover_ratio"],
            shown["clearing_price_hundredths"]) == (0, 5000, 0, "0.00", None)  # fmt: skip
    _announce(engine, place, code="2016-B2", volume=5000)  # the next offers what rolled over
    following = bid_book_reads.notice(engine, None, "2016-B2", NOW)
    assert following is not None and (following["offered_t"], following["carried_in_t"]) == (
        10_000, 5000)  # fmt: skip


def test_a_bids_reservation_says_its_auction_not_its_key(engine: Engine) -> None:
    """The cash memo of a bid's reservation names the auction; the form's idempotency key
    stays in the reservation's own row."""
    place = _world(engine)
    _announce(engine, place)
    bid, issues = bid_book.submit_bid(engine, place, "2016-B1", "A1", Decimal("25.00"), 2000,
                                      key="web/2/76bb", now=NOW, by="officer-a")  # fmt: skip
    assert bid is not None and not issues, issues
    with engine.connect() as connection:
        memos = connection.execute(select(cash_entries.c.memo)).scalars().all()
    assert "funds set aside for bids in auction 2016-B1" in memos
    assert not [m for m in memos if "76bb" in (m or "")], memos
