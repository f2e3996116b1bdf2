"""Cancelling an announced auction through the API on both stores: the regulator alone, with a
reason; bids' funds go back, no bid is taken after, and the public sees why."""

from __future__ import annotations

from datetime import timedelta

from test_auction_book_api import BOOK, _open_book
from test_auctions_api import _write

from service_world import NOW, World

CANCEL = f"{BOOK}/cancel"
WHY = {"reason": "Court order of 2017-02-28 suspends the auction / 法院裁定暂停拍卖"}


def test_the_regulator_cancels_the_book_and_the_bidders_funds_are_released(world: World) -> None:
    _open_book(world)
    bid = world.client.post(f"{BOOK}/bids", json={"price_per_t": "25.00", "quantity_t": 2000},
                            headers=_write(world, "officer-a", "b1"))  # fmt: skip
    assert bid.status_code == 201, bid.json()
    by_bidder = world.client.post(CANCEL, json=WHY, headers=_write(world, "officer-a", "x1"))
    assert by_bidder.status_code == 403
    bare = world.client.post(
        CANCEL, json={"reason": "  "}, headers=_write(world, "regulator", "x2")
    )
    assert (bare.status_code, bare.json()["error"]["code"]) == (422, "cancel_reason_required")
    assert bare.json()["error"]["field"] == "body.reason"
    empty = world.client.post(CANCEL, json={}, headers=_write(world, "regulator", "x3"))
    assert empty.status_code == 422
    missing = world.client.post("/v1/auction-notices/NOPE/cancel", json=WHY,
                                headers=_write(world, "regulator", "x4"))  # fmt: skip
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_auction")

    done = world.client.post(CANCEL, json=WHY, headers=_write(world, "regulator", "c1"))

    assert done.status_code == 201, done.json()
    shown = done.json()
    assert (shown["phase"], shown["cancel_reason"], shown["cancelled_by"], shown["bids_cancelled"],
            shown["released_fen"]) == ("cancelled", WHY["reason"], "regulator", 1, 5_000_000)  # fmt: skip
    again = world.client.post(CANCEL, json=WHY, headers=_write(world, "regulator", "c1"))
    assert (again.status_code, again.json()) == (201, shown)  # the kept answer
    twice = world.client.post(CANCEL, json=WHY, headers=_write(world, "regulator", "c2"))
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "auction_cancelled")
    paid = world.client.get("/v1/cash/accounts/DP-OH-A1-CASH", headers=world.token("officer-a"))
    assert (paid.json()["balance_fen"], paid.json()["reserved_fen"]) == (10_000_000, 0)
    own = world.client.get(BOOK, headers=world.token("officer-a")).json()
    assert [(b["company"], b["status"]) for b in own["bids"]] == [("A1", "cancelled")]
    assert (own["phase"], own["cancel_reason"]) == ("cancelled", WHY["reason"])
    late = world.client.post(f"{BOOK}/bids", json={"price_per_t": "25.00", "quantity_t": 1000},
                             headers=_write(world, "officer-a", "b2"))  # fmt: skip
    assert (late.status_code, late.json()["error"]["code"]) == (409, "auction_cancelled")
    cleared = world.client.post(f"{BOOK}/clear", json={}, headers=_write(world, "regulator", "k"))
    assert (cleared.status_code, cleared.json()["error"]["code"]) == (409, "auction_cancelled")

    public = world.client.get("/v1/public/auction-cancellations").json()
    assert [(c["code"], c["cancel_reason"], c["offered_t"]) for c in public["items"]] == [
        ("2016-B1", WHY["reason"], 20_000)]  # fmt: skip
    assert "cancelled_by" not in public["items"][0] and "bids" not in public["items"][0]
    assert world.client.get("/v1/public/auction-cancellations?year=2015").json()["items"] == []


def test_a_cleared_auction_is_not_cancelled(world: World) -> None:
    _open_book(world)
    world.moment[0] = NOW + timedelta(hours=1)  # 11:00: the bidding window has closed
    cleared = world.client.post(f"{BOOK}/clear", json={}, headers=_write(world, "regulator", "k"))
    assert cleared.status_code == 201, cleared.json()
    late = world.client.post(CANCEL, json=WHY, headers=_write(world, "regulator", "c1"))
    assert (late.status_code, late.json()["error"]["code"]) == (409, "auction_already_cleared")
    assert world.client.get("/v1/public/auction-cancellations").json()["items"] == []
