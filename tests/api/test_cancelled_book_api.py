"""Who reads a cancelled auction's bids, through the API on both stores: regulators and
auditors of its jurisdiction the whole book (oversight of the cancellation), a bidder its own
bids, anyone else none; the public reads only when and why it was cancelled."""

from __future__ import annotations

import pytest
from test_auction_book_api import BOOK, _open_book
from test_auctions_api import _write

from service_world import World
from two_jurisdictions import add_shenzhen

WHY = {"reason": "The exchange's matching system failed / 交易系统故障"}


def _cancelled_with_bids(world: World) -> None:
    _open_book(world)
    for who, company, key in (("officer-a", "A1", "ba"), ("officer-b", "B1", "bb")):
        made = world.client.post(f"{BOOK}/bids", json={"company": company, "price_per_t": "21.00",
                                                       "quantity_t": 1000},
                                 headers=_write(world, who, key))  # fmt: skip
        assert made.status_code == 201, made.json()
    done = world.client.post(f"{BOOK}/cancel", json=WHY, headers=_write(world, "regulator", "c"))
    assert done.status_code == 201, done.json()
    assert (done.json()["bids_shown"], len(done.json()["bids"])) == ("all", 2)


@pytest.mark.parametrize(
    ("user", "shown", "companies"),
    [
        ("regulator", "all", ["A1", "B1"]),
        ("auditor", "all", ["A1", "B1"]),
        ("admin", "all", ["A1", "B1"]),  # reads all, as for a cleared book
        ("officer-a", "own", ["A1"]),
        ("officer-b", "own", ["B1"]),
        ("trader", "none", []),
        ("verifier", "none", []),
    ],
)
def test_a_cancelled_books_bids_are_read_by_regulators_and_auditors_only(
    world: World, user: str, shown: str, companies: list[str]
) -> None:
    _cancelled_with_bids(world)
    seen = world.client.get(BOOK, headers=world.token(user))
    assert seen.status_code == 200, seen.json()
    body = seen.json()
    assert (body["phase"], body["bids_shown"]) == ("cancelled", shown)
    assert [(b["company"], b["status"], b["quantity_t"]) for b in body["bids"]] == [
        (company, "cancelled", 1000) for company in companies]  # fmt: skip


def test_the_public_reads_when_and_why_but_no_bid(world: World) -> None:
    _cancelled_with_bids(world)
    listed = world.client.get("/v1/public/auction-cancellations").json()["items"]
    assert [(c["code"], c["cancel_reason"]) for c in listed] == [("2016-B1", WHY["reason"])]
    assert not {"bids", "cancelled_by", "bidders", "bid_t"} & set(listed[0])
    assert world.client.get(BOOK).status_code == 401  # the notice's detail needs a reader


def test_another_jurisdictions_regulator_reads_no_bid(world: World) -> None:
    _cancelled_with_bids(world)
    add_shenzhen(world)
    seen = world.client.get(f"{BOOK}?jurisdiction=DP", headers=world.token("regulator-sz"))
    assert (seen.status_code, seen.json()["error"]["code"]) == (403, "not_your_jurisdiction")
