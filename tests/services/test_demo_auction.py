"""The full demo holds an auction through the bid book: sold out near the market, some bids
under the clearing price, delivered and paid, dated before the demo's moment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from tanshi.core.moments import from_store
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services.demo import run_demo
from tanshi.services.demo_clock import demo_moment
from tanshi.store.schema import auction_bids, auction_notices, auctions, transactions


@pytest.mark.slow
def test_the_full_demo_holds_a_sold_out_auction_before_its_moment(engine: Engine) -> None:
    rulebook, text = load_rulebook("demo-province")
    result = run_demo(engine, rulebook, text, parameter_table(), seed=42, company_count=60)
    auction = result.auction
    assert auction is not None
    assert (auction.code, auction.held_on, auction.bidders) == ("DP-2016-A1", date(2017, 5, 2), 20)
    assert (auction.bid_t, auction.sold_t) == (1_243_000, 1_000_000)
    assert auction.clearing_price_per_t == Decimal("26.09")
    moment = demo_moment(engine)
    assert moment is not None
    with engine.connect() as connection:
        held = connection.execute(select(auctions)).one()
        notice = connection.execute(select(auction_notices)).one()
        bids = connection.execute(select(auction_bids)).all()
        deliveries = connection.execute(
            select(transactions.c.booked_at).where(transactions.c.type_code == "auction_delivery")
        ).scalars().all()  # fmt: skip
    assert (held.unsold_units, held.rolled_over_units, notice.auction_id) == (0, 0, held.id)
    assert from_store(notice.announced_at) < from_store(notice.opens_at)
    assert from_store(notice.closes_at) <= from_store(held.held_at) < moment
    # Bids near the exchange's close (CNY 28.14), some of them under the clearing price.
    prices = [int(b.price_hundredths) for b in bids]
    assert 2500 < min(prices) < 2609 < max(prices) < 3000
    assert any(b.awarded_units == 0 and int(b.price_hundredths) < 2609 for b in bids)
    assert sum(int(b.awarded_units) for b in bids) == 1_000_000 == sum(auction.awarded_t.values())
    assert len(deliveries) == len(auction.awarded_t) == 18  # two bidders won nothing
    assert all(from_store(d) < moment for d in deliveries)
