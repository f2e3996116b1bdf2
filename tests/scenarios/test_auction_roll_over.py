"""Roll-overs carried from auction to auction through the ledger, on SQLite and PostgreSQL."""

from __future__ import annotations

from scenario_text import scenario
from sqlalchemy import Engine


@scenario
def test_a_roll_over_released_by_a_cancellation_is_not_lost_to_a_later_one(
    engine: Engine,
) -> None:
    """
    # demo-province's [[auction]] rule: reserve CNY 20.00, lots of 1 000 t, at most 15% of
    # the volume per bidder, unsold volume rolled over.
    # 2017-A1 offers 20 000 t; A and B bid 5 000 t: undersubscribed, so all sells at the
    # reserve price and 15 000 t roll over.
    # 2017-A2 carries A1's 15 000 t in: 20 000 + 15 000 = 35 000 t offered.
    # 2017-A3, announced while A2 holds A1's roll-over, carries in none: 10 000 t offered
    # (at most 1 000 t a bidder); C and D bid 2 000 t, 8 000 t roll over.
    # A2 is cancelled: A1's 15 000 t are available again, beside A3's 8 000 t, so the next
    # notice carries in 23 000 t (before the ledger, only A3's 8 000 t: A1's were lost).

    rulebook demo-province
    company A "Alpha Power" power
    company B "Beta Cement" cement
    company C "Gamma Steel" steel
    company D "Delta Air" aviation
    issue 20000 DPEA 2016 to holding on 2017-02-01
    deposit A 100000.00 on 2017-02-20
    deposit B 100000.00 on 2017-02-20
    deposit C 100000.00 on 2017-02-20
    deposit D 100000.00 on 2017-02-20

    announce 2017-A1 for 2016 volume 20000 window 2017-03-01T09:00+08:00 2017-03-01T11:00+08:00 on 2017-02-15
    bid a A 3000 at 25.00 in 2017-A1 at 2017-03-01T09:05+08:00
    bid b B 2000 at 21.00 in 2017-A1 at 2017-03-01T09:10+08:00
    clear 2017-A1 at 2017-03-01T11:05+08:00
    expect-auction 2017-A1 price=20.00 sold=5000 rolled=15000
    expect-carry-over 15000

    announce 2017-A2 for 2016 volume 20000 window 2017-04-01T09:00+08:00 2017-04-01T11:00+08:00 on 2017-03-02
    expect-auction 2017-A2 offered=35000 carried=15000
    expect-carry-over 0
    announce 2017-A3 for 2016 volume 10000 window 2017-03-20T09:00+08:00 2017-03-20T11:00+08:00 on 2017-03-03
    expect-auction 2017-A3 offered=10000 carried=0
    bid c C 1000 at 22.00 in 2017-A3 at 2017-03-20T09:05+08:00
    bid d D 1000 at 23.00 in 2017-A3 at 2017-03-20T09:10+08:00
    clear 2017-A3 at 2017-03-20T11:05+08:00
    expect-auction 2017-A3 price=20.00 sold=2000 rolled=8000
    expect-carry-over 8000  # A1's 15 000 t are A2's while A2 stands

    cancel-auction 2017-A2 at 2017-03-25T09:00+08:00 because "the exchange's trading system failed"
    expect-auction 2017-A2 phase=cancelled carried=15000
    cancel-auction 2017-A2 at 2017-03-25T09:30+08:00 because "again" !idempotency_key_reused_with_different_request
    expect-carry-over 23000
    clear 2017-A2 at 2017-04-01T11:05+08:00 !auction_cancelled

    announce 2017-A4 for 2016 volume 20000 window 2017-05-01T09:00+08:00 2017-05-01T11:00+08:00 on 2017-04-02
    expect-auction 2017-A4 offered=43000 carried=23000
    expect-carry-over 0
    announce 2017-A5 for 2016 volume 20000 window 2017-06-01T09:00+08:00 2017-06-01T11:00+08:00 on 2017-04-03
    expect-auction 2017-A5 offered=20000 carried=0
    clear 2017-A4 at 2017-05-01T11:05+08:00
    expect-auction 2017-A4 sold=0 rolled=43000
    expect-carry-over 43000  # A5 was announced before A4 was cleared
    """
