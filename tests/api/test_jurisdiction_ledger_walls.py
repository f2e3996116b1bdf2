"""Two jurisdictions: the audit log, the cash ledger and the exchange reads keep to each one.

DP (tests/service_world.py, with an exchange and cash) and SZ (tests/two_jurisdictions.py,
no exchange; S1 is paid CNY 5,000 here); ``regulator`` is DP's, ``regulator-sz`` SZ's; the
auditor's organisation serves both (docs/security.md, "Jurisdictions").
"""

from __future__ import annotations

import pytest

from service_world import NOW, World
from tanshi.services import cash
from tanshi.store.schema import organisations
from two_jurisdictions import add_shenzhen

DP_REGULATOR, SZ_REGULATOR = "regulator", "regulator-sz"
SELL = {"product": "DPEA-2016", "side": "sell", "quantity_t": 100, "price_cny_per_t": "28.50"}
BUY = {"product": "DPEA-2016", "side": "buy", "quantity_t": 60, "price_cny_per_t": "29.00"}


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


@pytest.fixture
def two(world: World) -> World:
    """Both jurisdictions, one DP trade (B1 sells 60 t to the trader), S1's cash, and one
    audited write in each: SZ's regulator freezes in SZ, DP's in DP."""
    for username, order, key in (("officer-b", SELL, "s"), ("trader", BUY, "b")):
        placed = world.client.post("/v1/exchange/orders?jurisdiction=DP", json=order,
                                   headers=_write(world, username, key))  # fmt: skip
        assert placed.status_code == 201, placed.json()
    add_shenzhen(world)
    paid = cash.transfer_with_bank(world.engine, "SZ", "CNY", "SZ-OH-S1", 500_000,
                                   "t/deposit/SZ-OH-S1", NOW, deposit=True)  # fmt: skip
    assert paid.ok, paid
    for username, account, unit in ((SZ_REGULATOR, "SZ-OH-S1", "SZA-2016"),
                                    (DP_REGULATOR, "DP-OH-A1", "DPEA-2016")):  # fmt: skip
        body = {"unit_class": unit, "quantity_t": 5, "order_reference": f"order {account}",
                "reason": "an order"}  # fmt: skip
        done = world.client.post(f"/v1/accounts/{account}/freezes", json=body,
                                 headers=_write(world, username, f"freeze-{account}"))  # fmt: skip
        assert done.status_code == 201, done.text
    return world


def _get(world: World, username: str, path: str):
    answer = world.client.get(f"/v1{path}", headers=world.token(username))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_each_regulator_reads_its_own_audit_log(two: World) -> None:
    dp = _get(two, DP_REGULATOR, "/audit?limit=200")["items"]
    sz = _get(two, SZ_REGULATOR, "/audit?limit=200")["items"]
    everyone = _get(two, "auditor", "/audit?limit=200")["items"]
    assert {e["target"] for e in sz} == {"SZ-OH-S1"}
    assert {e["organisation"] for e in sz} == {"REG-SZ"}
    assert "SZ-OH-S1" not in {e["target"] for e in dp}
    assert "DP-OH-A1" in {e["target"] for e in dp}
    assert {"ORG-B", "TRD", "REG"} <= {e["organisation"] for e in dp}  # its own and the trader's
    assert {e["id"] for e in dp} | {e["id"] for e in sz} <= {e["id"] for e in everyone}
    assert {"REG", "REG-SZ"} <= {e["organisation"] for e in everyone}


def test_each_regulator_reads_its_own_cash_ledger(two: World) -> None:
    dp = [a["code"] for a in _get(two, DP_REGULATOR, "/cash/accounts?limit=200")["items"]]
    sz = [a["code"] for a in _get(two, SZ_REGULATOR, "/cash/accounts?limit=200")["items"]]
    everyone = [a["code"] for a in _get(two, "auditor", "/cash/accounts?limit=200")["items"]]
    assert sz == ["SZ-CASH-BANK", "SZ-OH-S1-CASH"]
    assert dp and all(code.startswith("DP-") for code in dp)
    assert {"DP-CASH-BANK", "DP-CASH-CLEARING", "DP-OH-B1-CASH"} <= set(dp)
    assert sorted(everyone) == sorted(dp + sz)
    for username, theirs in ((DP_REGULATOR, "SZ-OH-S1-CASH"), (SZ_REGULATOR, "DP-OH-B1-CASH"),
                             (SZ_REGULATOR, "DP-CASH-BANK")):  # fmt: skip
        for path in (f"/cash/accounts/{theirs}", f"/cash/accounts/{theirs}/entries"):
            hidden = two.client.get(f"/v1{path}", headers=two.token(username))
            assert hidden.status_code == 404, (username, path)
    entries = _get(two, SZ_REGULATOR, "/cash/accounts/SZ-OH-S1-CASH/entries")["items"]
    assert [e["amount_fen"] for e in entries] == [500_000]


def test_each_regulator_reads_its_own_settlements(two: World) -> None:
    assert _get(two, DP_REGULATOR, "/settlements")["total"] == 1
    assert _get(two, SZ_REGULATOR, "/settlements")["total"] == 0
    assert _get(two, "auditor", "/settlements")["total"] == 1


def test_the_exchange_reads_keep_to_the_regulators_jurisdiction(two: World) -> None:
    orders = _get(two, DP_REGULATOR, "/exchange/orders")["items"]
    assert {o["account"] for o in orders} == {"DP-OH-B1", "DP-TR-TRD"}
    assert _get(two, DP_REGULATOR, "/exchange/fills")["total"] == 1
    for path in ("/exchange/orders?jurisdiction=DP", "/exchange/fills?jurisdiction=DP"):
        refused = two.client.get(f"/v1{path}", headers=two.token(SZ_REGULATOR))
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "not_your_jurisdiction"
    own = two.client.get("/v1/exchange/orders", headers=two.token(SZ_REGULATOR))
    assert own.status_code == 404 and own.json()["error"]["code"] == "no_exchange"  # SZ has none
    assert _get(two, "auditor", "/exchange/fills?jurisdiction=DP")["total"] == 1
    assert _get(two, "auditor", "/exchange/fills?jurisdiction=DP&product=SZA-2016")["total"] == 0


def test_a_regulator_without_a_jurisdiction_reads_no_audit_cash_or_trades(two: World) -> None:
    with two.engine.begin() as connection:  # as migration 0018 leaves it with several
        connection.execute(organisations.update().where(organisations.c.code == "REG-SZ")
                           .values(jurisdiction_id=None))  # fmt: skip
    assert _get(two, SZ_REGULATOR, "/audit")["items"] == []
    assert _get(two, SZ_REGULATOR, "/cash/accounts")["items"] == []
    assert _get(two, SZ_REGULATOR, "/settlements")["total"] == 0
    refused = two.client.get("/v1/exchange/orders", headers=two.token(SZ_REGULATOR))
    assert refused.json()["error"]["code"] == "no_jurisdiction"
