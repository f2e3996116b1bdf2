"""The bid book through the API on both stores: the regulator announces and clears, companies
bid sealed (each sees only its own bids), the winner is delivered and pays, the public sees
the results, the regulator the whole book once cleared."""

from __future__ import annotations

from datetime import timedelta

from test_auctions_api import _stock_the_holding_account, _write

from service_world import NOW, World
from tanshi.services import cash

NOTICE = {"code": "2016-B1", "year": 2016, "auction_on": "2017-03-01",
          "opens_at": "2017-03-01T09:00+08:00", "closes_at": "2017-03-01T11:00+08:00",
          "volume_t": 20_000}  # fmt: skip
BOOK = "/v1/auction-notices/2016-B1"


def _open_book(world: World) -> None:
    _stock_the_holding_account(world)
    for account, fen in (("DP-OH-A1", 10_000_000), ("DP-OH-B1", 5_000_000)):  # B1 had 1 000 000
        assert cash.transfer_with_bank(world.engine, "DP", "CNY", account, fen,
                                       f"t/deposit/{account}/book", NOW, deposit=True).ok  # fmt: skip
    made = world.client.post("/v1/auction-notices", json=NOTICE,
                             headers=_write(world, "regulator", "n1"))  # fmt: skip
    assert made.status_code == 201, made.json()
    shown = made.json()
    assert (shown["phase"], shown["offered_t"], shown["reserve_price_per_t"],
            shown["purchase_limit_t"], shown["lot_size_t"]) == ("open", 20_000, "20.00", 3000,
                                                                1000)  # fmt: skip


def test_bidders_bid_sealed_and_the_regulator_clears_the_book(world: World) -> None:
    _open_book(world)
    first = world.client.post(f"{BOOK}/bids", json={"price_per_t": "25.00", "quantity_t": 2000},
                              headers=_write(world, "officer-a", "b1"))  # fmt: skip
    assert first.status_code == 201, first.json()
    first_id = first.json()["bid_id"]
    assert first.json()["reserved_fen"] == 5_000_000
    again = world.client.post(f"{BOOK}/bids", json={"price_per_t": "25.00", "quantity_t": 2000},
                              headers=_write(world, "officer-a", "b1"))  # fmt: skip
    assert again.json() == first.json()
    revised = world.client.post(f"/v1/auction-notices/2016-B1/bids/{first_id}/revise",
                                json={"price_per_t": "24.00", "quantity_t": 3000},
                                headers=_write(world, "officer-a", "b2"))  # fmt: skip
    assert revised.status_code == 201, revised.json()
    assert revised.json()["replaces_bid_id"] == first_id
    # B1 bids, sees only its own bid, then withdraws it.
    other = world.client.post(f"{BOOK}/bids", json={"company": "B1", "price_per_t": "20.00",
                                                    "quantity_t": 1000},
                              headers=_write(world, "officer-b", "b3"))  # fmt: skip
    assert other.status_code == 201, other.json()
    other_id = other.json()["bid_id"]
    seen = world.client.get(BOOK, headers=world.token("officer-b")).json()
    assert (seen["bids_shown"], [b["company"] for b in seen["bids"]]) == ("own", ["B1"])
    sealed = world.client.get(BOOK, headers=world.token("regulator")).json()
    assert (sealed["bids_shown"], sealed["bids"]) == ("none", [])  # sealed until cleared
    stolen = world.client.post(f"/v1/auction-notices/2016-B1/bids/{other_id}/withdraw",
                               headers=_write(world, "officer-a", "w0"))  # fmt: skip
    assert (stolen.status_code, stolen.json()["error"]["code"]) == (404, "unknown_bid")
    gone = world.client.post(f"/v1/auction-notices/2016-B1/bids/{other_id}/withdraw",
                             headers=_write(world, "officer-b", "w1"))  # fmt: skip
    assert (gone.status_code, gone.json()["status"]) == (200, "withdrawn")

    assert world.client.get("/v1/public/auction-results").json()["items"] == []  # not yet
    early = world.client.post("/v1/auction-notices/2016-B1/clear", json={"seed": 1},
                              headers=_write(world, "regulator", "c0"))  # fmt: skip
    assert early.status_code == 422, early.json()
    assert [d["code"] for d in early.json()["error"]["details"]] == ["bidding_window_still_open"]
    world.moment[0] = NOW + timedelta(hours=1)  # 11:00: the bidding window has closed
    cleared = world.client.post("/v1/auction-notices/2016-B1/clear", json={"seed": 1},
                                headers=_write(world, "regulator", "c1"))  # fmt: skip
    assert cleared.status_code == 201, cleared.json()
    result = cleared.json()
    assert (result["phase"], result["clearing_price_per_t"], result["sold_t"], result["bid_t"],
            result["cover_ratio"], result["bids_shown"]) == ("cleared", "20.00", 3000, 3000,
                                                             "0.15", "all")  # fmt: skip
    assert [(b["company"], b["status"], b["awarded_t"]) for b in result["bids"]] == [
        ("A1", "revised", None), ("A1", "cleared", 3000), ("B1", "withdrawn", None)]  # fmt: skip
    auditor = world.client.get(BOOK, headers=world.token("auditor")).json()
    assert (auditor["bids_shown"], len(auditor["bids"])) == ("all", 3)
    own = world.client.get(BOOK, headers=world.token("officer-b")).json()
    assert [(b["company"], b["status"]) for b in own["bids"]] == [("B1", "withdrawn")]
    holdings = world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=world.token("officer-a"))
    assert holdings.json()[0]["quantity_units"] == 1000 + 3000
    paid = world.client.get("/v1/cash/accounts/DP-OH-A1-CASH", headers=world.token("officer-a"))
    assert (paid.json()["balance_fen"], paid.json()["reserved_fen"]) == (4_000_000, 0)
    again = world.client.post("/v1/auction-notices/2016-B1/clear", json={"seed": 1},
                              headers=_write(world, "regulator", "c2"))  # fmt: skip
    assert again.status_code == 200
    public = world.client.get("/v1/public/auction-results").json()
    assert [(r["code"], r["clearing_price_per_t"], r["cover_ratio"], r["bidders"])
            for r in public["items"]] == [("2016-B1", "20.00", "0.15", 1)]  # fmt: skip
    listed = world.client.get("/v1/auction-notices?year=2016", headers=world.token("trader"))
    assert [n["phase"] for n in listed.json()["items"]] == ["cleared"]
    award = world.client.get("/v1/auctions/2016-B1", headers=world.token("officer-a")).json()
    assert [(a["company"], a["awarded_t"]) for a in award["awards"]] == [("A1", 3000)]


def test_bids_are_refused_with_every_problem(world: World) -> None:
    _open_book(world)
    bad = world.client.post(f"{BOOK}/bids", json={"price_per_t": "19.99", "quantity_t": 4500},
                            headers=_write(world, "officer-a", "x1"))  # fmt: skip
    assert bad.status_code == 422
    codes = {d["code"] for d in bad.json()["error"]["details"]}
    assert codes == {"not_whole_lots", "below_reserve_price", "exceeds_purchase_limit"}
    poor = world.client.post(f"{BOOK}/bids", json={"price_per_t": "25.00", "quantity_t": 3000},
                             headers=_write(world, "officer-b", "x2"))  # fmt: skip
    assert (poor.status_code, poor.json()["error"]["code"]) == (422, "insufficient_funds")
    foreign = world.client.post(f"{BOOK}/bids", json={"company": "B1", "price_per_t": "25.00",
                                                      "quantity_t": 1000},
                                headers=_write(world, "officer-a", "x3"))  # fmt: skip
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (
        403, "not_your_bidding_account")  # fmt: skip
    regulator = world.client.post(f"{BOOK}/bids", json={"price_per_t": "25.00", "quantity_t": 1000},
                                  headers=_write(world, "regulator", "x4"))  # fmt: skip
    assert regulator.status_code == 403  # no market:trade scope
    missing = world.client.post("/v1/auction-notices/NOPE/bids",
                                json={"price_per_t": "25.00", "quantity_t": 1000},
                                headers=_write(world, "officer-a", "x5"))  # fmt: skip
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_auction")
    twice = world.client.post("/v1/auction-notices", json=NOTICE,
                              headers=_write(world, "regulator", "n2"))  # fmt: skip
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "auction_code_taken")
    backwards = NOTICE | {"code": "2016-B2", "closes_at": "2017-03-01T08:00+08:00"}
    refused = world.client.post("/v1/auction-notices", json=backwards,
                                headers=_write(world, "regulator", "n3"))  # fmt: skip
    assert refused.json()["error"]["code"] == "window_closes_before_it_opens"
    assert world.client.get("/v1/auction-notices/NOPE",
                            headers=world.token("trader")).status_code == 404  # fmt: skip
    unknown = world.client.post("/v1/auction-notices/2016-B1/bids/99/revise",
                                json={"price_per_t": "25.00", "quantity_t": 1000},
                                headers=_write(world, "officer-a", "x6"))  # fmt: skip
    assert unknown.status_code == 404
