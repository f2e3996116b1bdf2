"""The exchange's ledgers reconciled (services.cash and services.settlement): what does not
add up is a record (code, message, where) like the registry's reconciliation, said in the
page's language from its template."""

from __future__ import annotations

from settlement_setup import NOW, setup
from sqlalchemy import Engine, update

from tanshi.reconciliation import Discrepancy, DiscrepancyKind
from tanshi.services import cash, reservations
from tanshi.services.settlement import settlement_discrepancies
from tanshi.store.schema import cash_accounts, funds_reservations, unit_reservations
from tanshi.web.i18n import translator
from tanshi.web.problems import say_problem, say_where


def test_a_ledger_that_does_not_add_up_is_said_by_records(engine: Engine) -> None:
    w = setup(engine)
    _, issues = reservations.reserve_funds(engine, w.j, "DP-OH-B", 5_000, "k-funds", NOW)
    assert issues == []
    _, issues = reservations.reserve_units(engine, w.j, "DP-OH-A", "DPEA-2016", 10, "k-units", NOW)
    assert issues == []
    with engine.connect() as connection:
        assert settlement_discrepancies(connection, w.j) == []
        assert cash.cash_discrepancies(connection) == []
    with engine.begin() as connection:  # rows changed behind the services' back
        connection.execute(update(funds_reservations).values(open_fen=4_993))
        connection.execute(update(unit_reservations).values(open_units=9))
        connection.execute(update(cash_accounts).where(cash_accounts.c.code == "DP-OH-C-CASH")
                           .values(balance_fen=cash_accounts.c.balance_fen + 5))  # fmt: skip
    with engine.connect() as connection:
        found = settlement_discrepancies(connection, w.j) + cash.cash_discrepancies(connection)
    assert all(isinstance(d, Discrepancy) for d in found)
    by_code = {d.code: d for d in found}
    assert sorted(by_code) == sorted(kind.value for kind in DiscrepancyKind if kind.of_ledgers)
    units = by_code["clearing_units_differ_from_reservations"]
    assert units.where == "clearing account DP-CLEARING, unit class DPEA-2016"
    assert units.message == ("the clearing account holds 10 units of class DPEA-2016; open "
                             "reservations and pending trades account for 9")  # fmt: skip
    assert str(units) == f"{units.code}: {units.message}"  # as the registry's
    money = by_code["clearing_cash_differs_from_reservations"]
    assert (money.where, money.issue.params) == (
        "cash account DP-CASH-CLEARING",
        (("held_fen", "5000"), ("expected_fen", "4993")),
    )
    zh = translator("zh")
    assert say_problem(money.issue, zh) == (
        "清算资金账户余额为 5000 分；未解冻的冻结记录与待结算成交合计应为 4993 分"
    )
    assert say_where(money.issue, zh) == "资金账户 DP-CASH-CLEARING"
    balance = by_code["cash_balance_differs_from_journal"]
    assert balance.where == "cash account DP-OH-C-CASH"
    assert say_problem(by_code["cash_balances_do_not_sum_to_zero"].issue, zh) == (
        "各资金账户余额合计为 5 分，不为零"
    )
