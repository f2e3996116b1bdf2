"""A jurisdiction with allowances held and money deposited, for the settlement tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from tanshi.market.settlement import Fill
from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook, load_settlement_rules
from tanshi.services import cash
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    open_jurisdiction,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import execute, stored_holdings
from tanshi.store.schema import cash_entries, transactions

RULES = load_settlement_rules("demo-province")
# Friday 30 September 2016, 10:00 in Shanghai; the block venue settles Monday 10 October.
NOW = datetime(2016, 9, 30, 2, tzinfo=UTC)
NEXT_SETTLEMENT_DAY = datetime(2016, 10, 10, 2, tzinfo=UTC)
COMPANIES = ("A", "B", "C")


@dataclass(frozen=True)
class World:
    j: Jurisdiction
    accounts: dict[str, int]  # company -> registry account id
    allowances: int  # unit class id of DPEA-2016


def setup(engine: Engine, units: int = 300, money_fen: int = 10_000_000) -> World:
    """A and C hold ``units`` DPEA-2016 each; B and C have ``money_fen`` deposited."""
    rulebook, text = load_rulebook("demo-province")
    j = open_jurisdiction(engine, rulebook, text, NOW, is_demo=True)
    for code in COMPANIES:
        register_company(engine, j, code, f"Company {code}", "power")
    with engine.connect() as connection:
        ids = {code: account_id(connection, f"DP-OH-{code}") for code in COMPANIES}
    allowances = unit_class_id(engine, j, "DPEA", 2016)
    issue = Movement(j.issuance_account, j.holding_account, allowances, 2 * units)
    assert execute(engine, TransactionRequest("issuance", "issue", (issue,), NOW)).ok
    for code in ("A", "C"):
        move = Movement(j.holding_account, ids[code], allowances, units)
        assert execute(engine, TransactionRequest("allocation", f"alloc-{code}", (move,), NOW)).ok
    for code in ("B", "C"):
        done = cash.transfer_with_bank(
            engine, "DP", "CNY", f"DP-OH-{code}", money_fen, f"deposit-{code}", NOW, deposit=True
        )
        assert done.ok, done.issues
    return World(j, ids, allowances)


def trade(
    trade_id: str, quantity: int, price_fen: int, *, venue: str = "listed",
    buyer: str = "B", seller: str = "A", at: datetime = NOW,
) -> Fill:  # fmt: skip
    return Fill(trade_id, venue, f"DP-OH-{buyer}", f"DP-OH-{seller}", "DPEA-2016", quantity,
                price_fen, at)  # fmt: skip


def state(engine: Engine) -> tuple[dict[tuple[int, int], int], dict[str, int], int, int]:
    """Holdings, cash balances and the number of registry transactions and cash entries."""
    with engine.connect() as connection:
        return (
            stored_holdings(connection),
            cash.balances(connection),
            connection.execute(select(func.count()).select_from(transactions)).scalar_one(),
            connection.execute(select(func.count()).select_from(cash_entries)).scalar_one(),
        )
