"""Cash, settlements, facilities and the exchanges' overview on both stores: each party reads
its own money and trades, no one else's; a company's facilities stay with it."""

from __future__ import annotations

from service_world import TRADER_ACCOUNT, World

SELL = {"product": "DPEA-2016", "side": "sell", "quantity_t": 100, "price_cny_per_t": "28.50"}
BUY = {"product": "DPEA-2016", "side": "buy", "quantity_t": 60, "price_cny_per_t": "29.00"}
TRADER_CASH = f"{TRADER_ACCOUNT}-CASH"
PLAN = """
company = "A1"
version = 1
valid_from_year = 2016

[[streams]]
unit = "boiler-1"
stream = "coal"
kind = "fuel"
subject = "other_bituminous_coal"
activity_unit = "t"
parameters = { quantity = "measured", ncv = "measured" }
"""


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def _trade(world: World) -> None:
    """B1 sells 100 t at 28.50; the trader buys 60 t of it: one trade, settled on T+0."""
    for username, order, key in (("officer-b", SELL, "s"), ("trader", BUY, "b")):
        placed = world.client.post("/v1/exchange/orders", json=order,
                                   headers=_write(world, username, key))  # fmt: skip
        assert placed.status_code == 201, placed.json()


def test_each_party_reads_its_own_cash_and_settlements(world: World) -> None:
    _trade(world)
    trader = world.token("trader")
    mine = world.client.get("/v1/cash/accounts", headers=trader).json()
    assert [a["code"] for a in mine["items"]] == [TRADER_CASH]
    account = world.client.get(f"/v1/cash/accounts/{TRADER_CASH}", headers=trader).json()
    settled = world.client.get("/v1/settlements", headers=trader).json()
    assert settled["total"] == 1
    trade = settled["items"][0]
    assert (trade["buyer"], trade["seller"], trade["quantity_t"], trade["price_fen_per_t"],
            trade["status"]) == (TRADER_ACCOUNT, "DP-OH-B1", 60, 2850, "settled")  # fmt: skip
    assert trade["value_fen"] == 60 * 2850 and trade["transaction_id"] is not None
    # The buy reserved 60 t × 29.00 + fee, paid 60 t × 28.50 + fee and got the rest back.
    paid = trade["value_fen"] + trade["buyer_fee_fen"]
    assert (account["balance_fen"], account["reserved_fen"]) == (10_000_000 - paid, 0)
    entries = world.client.get(f"/v1/cash/accounts/{TRADER_CASH}/entries", headers=trader).json()
    assert sum(e["amount_fen"] for e in entries["items"]) == account["balance_fen"]
    assert {e["kind"] for e in entries["items"]} == {"deposit", "funds_reservation",
                                                     "funds_release"}  # fmt: skip
    deposits = world.client.get(f"/v1/cash/accounts/{TRADER_CASH}/entries?kind=deposit",
                                headers=trader).json()  # fmt: skip
    assert [e["amount_fen"] for e in deposits["items"]] == [10_000_000]
    seller = world.client.get("/v1/cash/accounts/DP-OH-B1-CASH", headers=world.token("officer-b"))
    assert seller.json()["balance_fen"] == 1_000_000 + trade["value_fen"] - trade["seller_fee_fen"]
    assert world.client.get("/v1/settlements?account=DP-OH-B1",
                            headers=world.token("officer-b")).json()["total"] == 1  # fmt: skip
    assert world.client.get("/v1/settlements?status=pending",
                            headers=trader).json()["total"] == 0  # fmt: skip


def test_one_organisation_cannot_read_another_s_cash(world: World) -> None:
    _trade(world)
    other = world.token("officer-a")
    assert world.client.get("/v1/cash/accounts", headers=other).json()["items"] == []
    for path in (f"/v1/cash/accounts/{TRADER_CASH}", f"/v1/cash/accounts/{TRADER_CASH}/entries",
                 "/v1/cash/accounts/DP-OH-B1-CASH", "/v1/cash/accounts/DP-CASH-BANK"):  # fmt: skip
        hidden = world.client.get(path, headers=other)
        assert hidden.status_code == 404, path
        assert hidden.json()["error"]["code"] == "unknown_cash_account"
    assert world.client.get("/v1/settlements", headers=other).json()["total"] == 0
    assert world.client.get(f"/v1/settlements?account={TRADER_ACCOUNT}",
                            headers=other).json()["total"] == 0  # fmt: skip
    # The regulator and the auditor read the whole ledger, the bank's account included.
    everything = world.client.get("/v1/cash/accounts?limit=100", headers=world.token("auditor"))
    kinds = {a["kind"] for a in everything.json()["items"]}
    assert {"participant", "bank", "clearing", "fees"} <= kinds
    banks = world.client.get("/v1/cash/accounts?kind=bank", headers=world.token("regulator"))
    assert banks.json()["items"][0]["balance_fen"] == -11_000_000  # minus the money paid in
    everyone = world.client.get("/v1/settlements", headers=world.token("regulator")).json()
    assert everyone["total"] == 1


def test_facilities_belong_to_the_company(world: World) -> None:
    officer = world.token("officer-a")
    empty = world.client.get("/v1/companies/A1/facilities", headers=officer).json()
    assert empty == {"company": "A1", "monitoring_plan": None, "generating_units": [],
                     "installations": []}  # fmt: skip
    filed = world.client.post("/v1/monitoring-plans", json={"toml": PLAN},
                              headers=_write(world, "officer-a", "p"))  # fmt: skip
    assert filed.status_code == 201, filed.json()
    shown = world.client.get("/v1/companies/A1/facilities", headers=officer).json()
    plan = shown["monitoring_plan"]
    assert (plan["version"], plan["valid_from_year"]) == (1, 2016)
    assert plan["emission_units"] == [{"unit": "boiler-1", "streams": [{
        "stream": "coal", "kind": "fuel", "subject": "other_bituminous_coal",
        "activity_unit": "t", "parameters": {"quantity": "measured", "ncv": "measured"}}]}]  # fmt: skip
    for username in ("verifier", "regulator", "auditor"):
        seen = world.client.get("/v1/companies/A1/facilities", headers=world.token(username))
        assert seen.status_code == 200, username
    for username in ("officer-b", "trader"):
        hidden = world.client.get("/v1/companies/A1/facilities", headers=world.token(username))
        assert hidden.status_code == 404, username
    assert world.client.get("/v1/companies/ZZ/facilities",
                            headers=world.token("regulator")).status_code == 404  # fmt: skip


def test_the_exchanges_at_a_glance_need_no_login(world: World) -> None:
    quiet = world.client.get("/v1/public/exchanges").json()
    assert [(e["venue"], e["currency"]) for e in quiet] == [("DPEX", "CNY")]
    first = quiet[0]["products"][0]
    assert (first["product"], first["last_cny_per_t"], first["trades"]) == ("DPEA-2016", None, 0)
    _trade(world)
    busy = world.client.get("/v1/public/exchanges").json()[0]["products"][0]
    assert (busy["last_cny_per_t"], busy["day_volume_t"], busy["volume_t"], busy["trades"]) == (
        "28.50", 60, 60, 1)  # fmt: skip
    assert busy["turnover_cny"] == "1710.00"
    # The first day's change is against the product's listing reference price.
    assert busy["change_cny_per_t"] == f"{28.50 - float(busy['previous_close_cny_per_t']):.2f}"
