"""Auctions through the API on both stores: the regulator holds one (all or nothing, once per
code), bidders see their own award and no one else's, the next auction's terms roll over."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from test_security import INJECTIONS

from service_world import NOW, World
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import bid_book
from tanshi.services.jurisdiction import load_jurisdiction, unit_class_id
from tanshi.services.registry import execute
from tanshi.store.schema import auctions, transactions

# 10 000 t offered in lots of 1 000, at most 15% (1 000 t) per bidder, reserve CNY 20.00.
AUCTION = {
    "code": "2016-1", "year": 2016, "volume_t": 10_000,
    "bids": [{"bidder": "A1", "price_per_t": "25.00", "quantity_t": 1000},
             {"bidder": "B1", "price_per_t": "22.50", "quantity_t": 2000},
             {"bidder": "C1", "price_per_t": "19.00", "quantity_t": 1000}],
}  # fmt: skip


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def _stock_the_holding_account(world: World, quantity: int = 20_000) -> None:
    """The world allocated all it issued; issue more 2016 allowances to sell at auction."""
    place = load_jurisdiction(world.engine, "DP")
    allowances = unit_class_id(world.engine, place, "DPEA", 2016)
    issued = execute(world.engine, TransactionRequest(
        "issuance", "t/issue-auction", (Movement(place.issuance_account, place.holding_account,
                                                 allowances, quantity),), NOW,
    ))  # fmt: skip
    assert issued.ok


def _count(world: World, table) -> int:
    with world.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_regulator_holds_an_auction_and_bidders_see_only_their_award(world: World) -> None:
    _stock_the_holding_account(world)
    terms = world.client.get("/v1/auction-terms/2016", headers=world.token("officer-a")).json()
    assert (terms["volume_t"], terms["reserve_price_per_t"], terms["lot_size_t"]) == (
        1_000_000, "20.00", 1000)  # fmt: skip
    held = world.client.post("/v1/auctions", json=AUCTION, headers=_write(world, "regulator", "h1"))
    assert held.status_code == 201, held.json()
    result = held.json()
    # Undersubscribed (2 000 t asked at or above the reserve): everyone filled at the reserve;
    # B1 cut to the per-bidder limit, C1 below the reserve; 8 000 t rolled over.
    assert (result["clearing_price_per_t"], result["sold_t"], result["rolled_over_t"]) == (
        "20.00", 2000, 8000)  # fmt: skip
    assert [(a["company"], a["awarded_t"]) for a in result["awards"]] == [("A1", 1000),
                                                                          ("B1", 1000)]  # fmt: skip
    notes = {(n["code"], n["field"]) for n in result["notes"]}
    assert ("exceeds_purchase_limit", "body.bids.1") in notes
    assert ("below_reserve_price", "body.bids.2") in notes
    replay = world.client.post("/v1/auctions", json=AUCTION,
                               headers=_write(world, "regulator", "h1"))  # fmt: skip
    assert replay.json() == result  # the same key: the first answer, nothing delivered twice
    holdings = world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=world.token("officer-a"))
    assert holdings.json()[0]["quantity_units"] == 1000 + 1000

    regulator = world.client.get("/v1/auctions/2016-1", headers=world.token("auditor")).json()
    assert (regulator["awards_shown"], len(regulator["awards"])) == ("all", 2)
    assert regulator["terms"]["purchase_limit_t"] == 1000
    own = world.client.get("/v1/auctions/2016-1", headers=world.token("officer-b")).json()
    assert own["awards_shown"] == "own"
    assert [(a["company"], a["awarded_t"]) for a in own["awards"]] == [("B1", 1000)]
    assert own["my_awarded_t"] == 1000
    trader = world.client.get("/v1/auctions/2016-1", headers=world.token("trader")).json()
    assert (trader["awards_shown"], trader["awards"], trader["my_awarded_t"]) == ("none", [], None)
    assert trader["clearing_price_per_t"] == "20.00"  # the result itself is public
    listed = world.client.get("/v1/auctions?year=2016", headers=world.token("officer-a")).json()
    assert [(a["code"], a["my_awarded_t"], a["winners"]) for a in listed["items"]] == [
        ("2016-1", 1000, 2)]  # fmt: skip
    assert world.client.get("/v1/auctions?year=2017",
                            headers=world.token("officer-a")).json()["total"] == 0  # fmt: skip
    assert world.client.get("/v1/auctions/nope", headers=world.token("trader")).status_code == 404
    # The next auction of the year offers the rule's volume plus the 8 000 t rolled over.
    later = world.client.get("/v1/auction-terms/2016", headers=world.token("trader")).json()
    assert (later["carried_in_t"], later["volume_t"]) == (8000, 1_008_000)


def test_a_roll_over_a_notice_carries_in_is_not_offered_again(world: World) -> None:
    _stock_the_holding_account(world)
    first = world.client.post(
        "/v1/auctions", json=AUCTION, headers=_write(world, "regulator", "r1")
    )
    assert first.json()["rolled_over_t"] == 8000
    notice, issues = bid_book.announce(
        world.engine, load_jurisdiction(world.engine, "DP"), code="2016-N", year=2016,
        auction_on=date(2017, 3, 8), opens_at=NOW, closes_at=NOW + timedelta(days=1), now=NOW,
        by="regulator", volume_t=10_000,
    )  # fmt: skip
    assert notice is not None, issues
    terms = world.client.get("/v1/auction-terms/2016", headers=world.token("trader")).json()
    assert (terms["carried_in_t"], terms["volume_t"]) == (0, 1_000_000)
    second = world.client.post("/v1/auctions", json=AUCTION | {"code": "2016-2"},
                               headers=_write(world, "regulator", "r2"))  # fmt: skip
    assert second.status_code == 201, second.json()
    held = second.json()
    assert (held["carried_in_t"], held["terms"]["volume_t"]) == (0, 10_000)
    claimed = [n for n in held["notes"] if n["code"] == "roll_over_claimed"]
    assert len(claimed) == 1 and "2016-N" in claimed[0]["message"]
    assert claimed[0]["severity"] == "warning"


def test_a_refused_auction_writes_nothing(world: World) -> None:
    _stock_the_holding_account(world, 500)  # less than will be sold
    before = _count(world, transactions)
    strangers = AUCTION | {"bids": [*AUCTION["bids"], {"bidder": "ZZ", "price_per_t": "30",
                                                       "quantity_t": 1000}]}  # fmt: skip
    unknown = world.client.post("/v1/auctions", json=strangers,
                                headers=_write(world, "regulator", "u1"))  # fmt: skip
    assert unknown.status_code == 422
    assert (unknown.json()["error"]["code"], unknown.json()["error"]["field"]) == (
        "unknown_bidder", "body.bids.3")  # fmt: skip
    short = world.client.post("/v1/auctions", json=AUCTION,
                              headers=_write(world, "regulator", "s1"))  # fmt: skip
    assert short.status_code == 422
    assert short.json()["error"]["code"] == "insufficient_units"
    assert (_count(world, transactions), _count(world, auctions)) == (before, 0)
    dry = world.client.post("/v1/auctions", json=AUCTION | {"dry_run": True},
                            headers=_write(world, "regulator", "d1"))  # fmt: skip
    assert dry.status_code == 200
    assert (dry.json()["recorded"], dry.json()["sold_t"]) == (False, 2000)
    assert dry.json()["awards"][0]["transaction_id"] is None
    assert (_count(world, transactions), _count(world, auctions)) == (before, 0)
    no_rule = world.client.post("/v1/auctions", json=AUCTION | {"year": 2030},
                                headers=_write(world, "regulator", "y1"))  # fmt: skip
    assert no_rule.status_code == 422
    assert no_rule.json()["error"]["code"] == "no_auction_terms"
    twice = AUCTION | {"guarantees": [{"bidder": "A1", "guarantee": "1"},
                                      {"bidder": "A1", "guarantee": "2"}]}  # fmt: skip
    duplicate = world.client.post("/v1/auctions", json=twice,
                                  headers=_write(world, "regulator", "g1"))  # fmt: skip
    assert duplicate.json()["error"]["field"] == "body.guarantees.1"
    bad_terms = world.client.get("/v1/auction-terms/2030", headers=world.token("trader"))
    assert bad_terms.status_code == 404


def test_an_auction_code_is_used_once_and_only_the_regulator_holds_auctions(world: World) -> None:
    _stock_the_holding_account(world)
    first = world.client.post("/v1/auctions", json=AUCTION, headers=_write(world, "regulator", "a"))
    assert first.status_code == 201
    again = world.client.post("/v1/auctions", json=AUCTION, headers=_write(world, "regulator", "b"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "auction_code_taken"
    for username in ("officer-a", "trader", "auditor"):
        refused = world.client.post("/v1/auctions", json=AUCTION | {"code": "x"},
                                    headers=_write(world, username, "c"))  # fmt: skip
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "insufficient_scope"
    missing_key = world.client.post("/v1/auctions", json=AUCTION, headers=world.token("regulator"))
    assert missing_key.status_code == 400
    log = world.client.get("/v1/audit?action=auction", headers=world.token("auditor")).json()
    assert [entry["result"] for entry in log["items"]] == ["auction_code_taken", "ok"]


def test_injection_strings_are_refused_and_echoed_verbatim(world: World) -> None:
    regulator = world.token("regulator")
    for index, text in enumerate(INJECTIONS):
        bid = {"bidder": text[:40], "price_per_t": "25.00", "quantity_t": 1000}
        answer = world.client.post("/v1/auctions", json=AUCTION | {"bids": [bid]},
                                   headers=regulator | {"Idempotency-Key": f"i{index}"})  # fmt: skip
        assert answer.status_code == 422
        error = answer.json()["error"]
        assert (error["code"], error["field"]) == ("unknown_bidder", "body.bids.0")
        assert error["message"].startswith(text[:40])
        coded = world.client.post("/v1/auctions", json=AUCTION | {"code": text},
                                  headers=regulator | {"Idempotency-Key": f"c{index}"})  # fmt: skip
        assert (coded.status_code, coded.json()["error"]["field"]) == (422, "body.code")
    assert _count(world, auctions) == 0
