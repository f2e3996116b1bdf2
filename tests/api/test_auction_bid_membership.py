"""A sealed bid keeps to its auction's jurisdiction, on both stores: a bid for a company whose
operator holding account was opened in another jurisdiction is refused with
``account_not_in_exchange_jurisdiction`` (as orders and trades are) and reserves nothing, in
the library and through the API.

DP (tests/service_world.py) announces auction 2016-B1; SZ (tests/two_jurisdictions.py) sits
beside it, its S1 with CNY 50,000.00 in cash.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from service_world import NOW, World
from tanshi.services import bid_book, cash, lifecycle, user_admin
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.store.schema import auction_bids, funds_reservations
from two_jurisdictions import add_shenzhen

CODE = "account_not_in_exchange_jurisdiction"
NOTICE = {"code": "2016-B1", "year": 2016, "auction_on": "2017-03-01",
          "opens_at": "2017-03-01T09:00+08:00", "closes_at": "2017-03-01T11:00+08:00",
          "volume_t": 20_000}  # fmt: skip
BID = {"company": "S1", "price_per_t": "25.00", "quantity_t": 1000}


@pytest.fixture
def two(world: World) -> World:
    add_shenzhen(world)
    paid = cash.transfer_with_bank(world.engine, "SZ", "CNY", "SZ-OH-S1", 5_000_000,
                                   "t/deposit/SZ-OH-S1", NOW, deposit=True)  # fmt: skip
    assert paid.ok, paid
    made = world.client.post("/v1/auction-notices?jurisdiction=DP", json=NOTICE,
                             headers=world.token("regulator") | {"Idempotency-Key": "n1"})  # fmt: skip
    assert made.status_code == 201, made.json()
    return world


def _written(world: World) -> tuple[int, int, int]:
    with world.engine.connect() as connection:
        counts = [connection.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in (auction_bids, funds_reservations)]  # fmt: skip
        return counts[0], counts[1], cash.balances(connection)["SZ-OH-S1-CASH"]


def test_the_bid_book_refuses_a_company_of_another_jurisdiction(two: World) -> None:
    dp = load_jurisdiction(two.engine, "DP")
    before = _written(two)
    made, issues = bid_book.submit_bid(two.engine, dp, "2016-B1", "S1", Decimal("25.00"), 1000,
                                       key="k/s1", now=NOW, by="trader")  # fmt: skip
    assert made is None
    assert [(i.code, i.where) for i in issues] == [(CODE, "company")]
    assert "SZ-OH-S1 is in jurisdiction SZ" in issues[0].message
    assert _written(two) == before == (0, 0, 5_000_000)  # no bid, nothing reserved
    # A company of DP bids as before (A1 has no cash: refused for funds, not for membership).
    own, issues = bid_book.submit_bid(two.engine, dp, "2016-B1", "A1", Decimal("25.00"), 1000,
                                      key="k/a1", now=NOW, by="officer-a")  # fmt: skip
    assert own is None and [i.code for i in issues] == ["insufficient_funds"]
    unknown, issues = bid_book.submit_bid(two.engine, dp, "2016-B1", "NOPE", Decimal("25.00"),
                                          1000, key="k/x", now=NOW, by="trader")  # fmt: skip
    assert unknown is None and [i.code for i in issues] == ["unknown_bidder"]


@pytest.mark.parametrize("bound_to", [None, "DP"])
def test_the_api_refuses_a_bid_for_another_jurisdictions_company(two: World, bound_to) -> None:
    url, key = "/v1/auction-notices/2016-B1/bids?jurisdiction=DP", {"Idempotency-Key": "b1"}
    stranger = two.client.post(url, json=BID, headers=two.token("trader") | key)
    assert stranger.status_code == 403, stranger.json()  # S1 is not the trader's to bid for
    assert stranger.json()["error"]["code"] == "not_your_bidding_account"
    # The trader (an organisation serving every jurisdiction) now trades for SZ's S1.
    lifecycle.add_representative(two.engine, "SZ-OH-S1", "trader", initiate=True, approve=True)
    if bound_to:
        assert not user_admin.set_organisation_jurisdiction(two.engine, "TRD", bound_to)
    refused = two.client.post(
        url, json=BID, headers=two.token("trader") | {"Idempotency-Key": "b2"}
    )
    assert refused.status_code == 422, refused.json()
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == (CODE, "body.company")
    assert "SZ-OH-S1" in error["message"] and "DP's exchange" in error["message"]
    assert _written(two) == (0, 0, 5_000_000)
