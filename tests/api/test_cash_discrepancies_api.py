"""GET /v1/cash/discrepancies: whether the exchange's ledgers reconcile, as records."""

from __future__ import annotations

from sqlalchemy import update

from service_world import World
from tanshi.store.schema import cash_accounts


def test_the_ledgers_discrepancies_are_records_for_the_ledgers_readers(world: World) -> None:
    regulator, auditor = world.token("regulator"), world.token("auditor")
    assert world.client.get("/v1/cash/discrepancies", headers=regulator).json() == []
    with world.engine.begin() as connection:  # a balance changed behind the ledger's back
        connection.execute(update(cash_accounts).where(cash_accounts.c.code == "DP-CASH-BANK")
                           .values(balance_fen=cash_accounts.c.balance_fen + 3))  # fmt: skip
    found = world.client.get("/v1/cash/discrepancies", headers=auditor)
    assert found.status_code == 200
    codes = {(d["code"], d["where"]) for d in found.json()}
    assert ("cash_balance_differs_from_journal", "cash account DP-CASH-BANK") in codes
    assert all(set(d) == {"code", "message", "where"} for d in found.json())
    refused = world.client.get("/v1/cash/discrepancies", headers=world.token("officer-a"))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "ledger_readers_only"
