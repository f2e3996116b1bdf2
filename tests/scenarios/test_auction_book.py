"""An auction held from the bid book, run on SQLite and on PostgreSQL (see test_small_year.py)."""

from __future__ import annotations

from scenario_text import scenario
from sqlalchemy import Engine


@scenario
def test_an_oversubscribed_auction_from_the_bid_book(engine: Engine) -> None:
    """
    # demo-province's [[auction]] rule: reserve CNY 20.00, lots of 1 000 t, tick 0.01, at
    # most 15% of the volume per bidder. 20 000 t offered → at most 3 000 t a bidder.
    # Seven companies each bid 3 000 t; highest first the bids add up to
    #   A 30.00 3 000 · B 28.00 6 000 · C 26.00 9 000 · D 25.00 12 000 · E 24.00 15 000
    #   F 23.00 18 000 · G 22.00 21 000 ≥ 20 000
    # so the uniform price is G's 22.00: A–F get 3 000 t each, G the 2 000 t left.
    # Cover ratio 21 000 / 20 000 = 1.05 (B's first bid, revised, and H's, withdrawn,
    # do not count: only the live bids at the close do).
    # H cannot reserve 3 000 × 35.00 = 105 000.00 of its 100 000.00.
    # Cash: each company paid in CNY 100 000.00. A reserves 3 000 × 30.00 = 90 000.00 and
    # pays 3 000 × 22.00 = 66 000.00: 34 000.00 left. G pays 2 000 × 22.00 = 44 000.00:
    # 56 000.00 left. The proceeds: 6 × 66 000.00 + 44 000.00 = 440 000.00.

    rulebook demo-province
    company A "Alpha Power" power
    company B "Beta Cement" cement
    company C "Gamma Steel" steel
    company D "Delta Air" aviation
    company E "Epsilon Power" power
    company F "Zeta Cement" cement
    company G "Eta Steel" steel
    company H "Theta Power" power
    issue 20000 DPEA 2016 to holding on 2017-02-01
    deposit A 100000.00 on 2017-02-20
    deposit B 100000.00 on 2017-02-20
    deposit C 100000.00 on 2017-02-20
    deposit D 100000.00 on 2017-02-20
    deposit E 100000.00 on 2017-02-20
    deposit F 100000.00 on 2017-02-20
    deposit G 100000.00 on 2017-02-20
    deposit H 100000.00 on 2017-02-20

    announce 2017-A1 for 2016 volume 20000 window 2017-03-01T09:00+08:00 2017-03-01T11:00+08:00 on 2017-02-15
    bid early A 3000 at 30.00 in 2017-A1 at 2017-03-01T08:59+08:00 !bidding_window_not_open
    bid a A 3000 at 30.00 in 2017-A1 at 2017-03-01T09:05+08:00
    expect-cash A balance=10000.00 reserved=90000.00
    bid b1 B 3000 at 27.00 in 2017-A1 at 2017-03-01T09:10+08:00
    revise b1 to b2 B 3000 at 28.00 in 2017-A1 at 2017-03-01T09:20+08:00
    bid more B 1000 at 28.00 in 2017-A1 at 2017-03-01T09:21+08:00 !exceeds_purchase_limit
    bid c C 3000 at 26.00 in 2017-A1 at 2017-03-01T09:30+08:00
    bid d D 3000 at 25.00 in 2017-A1 at 2017-03-01T09:40+08:00
    bid e E 3000 at 24.00 in 2017-A1 at 2017-03-01T09:50+08:00
    bid f F 3000 at 23.00 in 2017-A1 at 2017-03-01T10:00+08:00
    bid g G 3000 at 22.00 in 2017-A1 at 2017-03-01T10:10+08:00
    bid low H 1000 at 19.99 in 2017-A1 at 2017-03-01T10:15+08:00 !below_reserve_price
    bid rich H 5000 at 40.00 in 2017-A1 at 2017-03-01T10:15+08:00 !exceeds_purchase_limit
    bid poor H 3000 at 35.00 in 2017-A1 at 2017-03-01T10:16+08:00 !insufficient_funds
    bid h H 3000 at 33.00 in 2017-A1 at 2017-03-01T10:20+08:00
    withdraw h H in 2017-A1 at 2017-03-01T10:30+08:00
    expect-cash H balance=100000.00 reserved=0.00
    bid late A 1000 at 30.00 in 2017-A1 at 2017-03-01T11:00+08:00 !bidding_window_closed

    clear 2017-A1 at 2017-03-01T11:05+08:00
    expect-auction 2017-A1 price=22.00 sold=20000 bid=21000 cover=1.05 bidders=7
    expect-holding A DPEA-2016 3000
    expect-holding G DPEA-2016 2000
    expect-cash A balance=34000.00 reserved=0.00
    expect-cash B balance=34000.00 reserved=0.00
    expect-cash G balance=56000.00 reserved=0.00
    withdraw g G in 2017-A1 at 2017-03-01T11:10+08:00 !bid_not_live
    """
