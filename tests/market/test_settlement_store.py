"""Settlement on a real database (SQLite and PostgreSQL): delivery versus payment, atomically."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from settlement_setup import NEXT_SETTLEMENT_DAY, NOW, RULES, setup, state, trade
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from tanshi.market import Trade
from tanshi.market.cash import CashEntryKind
from tanshi.market.settlement import funds_needed
from tanshi.registry import AccountStatus, Movement, ResultCode, TransactionRequest
from tanshi.services import cash, market, reservations
from tanshi.services.audit import verify_registry
from tanshi.services.jurisdiction import change_account_status
from tanshi.services.registry import execute
from tanshi.services.settlement import record_trade, settle_due, settlement_discrepancies
from tanshi.store.schema import (
    cash_accounts,
    cash_entries,
    cash_movements,
    settlements,
    trades,
    transactions,
    unit_reservations,
)

START = 10_000_000  # fen deposited by B and C


def test_a_t0_trade_delivers_and_pays_in_one_step(engine: Engine) -> None:
    """100 t at CNY 30.00 on the listed venue: value 300,000 fen, each side's fee 0.05 % =
    150 fen. B pays 300,150, A receives 299,850, the exchange keeps 300."""
    w = setup(engine)
    recorded, issues = record_trade(engine, w.j, RULES, trade("L1", 100, 3000), NOW)
    assert issues == [] and recorded is not None and recorded.settled
    holdings, balances, _, _ = state(engine)
    assert holdings[(w.accounts["A"], w.allowances)] == 200
    assert holdings[(w.accounts["B"], w.allowances)] == 100
    assert balances["DP-OH-B-CASH"] == START - 300_150
    assert balances["DP-OH-A-CASH"] == 299_850
    assert balances["DP-CASH-FEES"] == 300
    assert balances["DP-CASH-CLEARING"] == 0
    assert balances["DP-CASH-BANK"] == -2 * START
    with engine.connect() as connection:
        types = connection.execute(select(transactions.c.type_code).order_by(transactions.c.id))
        assert list(types.scalars())[-2:] == ["trading_reservation", "trade_settlement"]
        assert cash.cash_discrepancies(connection) == []
    assert verify_registry(engine).ok


def test_reporting_a_trade_again_settles_it_once(engine: Engine) -> None:
    w = setup(engine)
    first, _ = record_trade(engine, w.j, RULES, trade("L1", 100, 3000), NOW)
    before = state(engine)
    again, issues = record_trade(engine, w.j, RULES, trade("L1", 100, 3000), NOW)
    assert issues == [] and again is not None and again.replayed
    assert first is not None and again.settlement_id == first.settlement_id
    assert state(engine) == before
    _, other = record_trade(engine, w.j, RULES, trade("L1", 101, 3000), NOW)
    assert [i.code for i in other] == ["trade_id_reused_with_different_trade"]
    assert state(engine) == before


def test_reserved_units_cannot_be_transferred_or_surrendered(engine: Engine) -> None:
    w = setup(engine)
    a, c, unit = w.accounts["A"], w.accounts["C"], w.allowances
    reservation, issues = reservations.reserve_units(
        engine, w.j, "DP-OH-A", "DPEA-2016", 250, "order-1", NOW
    )
    assert issues == [] and reservation is not None
    transfer = TransactionRequest("transfer", "t1", (Movement(a, c, unit, 100),), NOW)
    assert execute(engine, transfer).result is ResultCode.INSUFFICIENT_UNITS
    surrender = TransactionRequest(
        "surrender", "s1", (Movement(a, w.j.surrender_account, unit, 100),), NOW,
        compliance_year=2016,
    )  # fmt: skip
    assert execute(engine, surrender).result is ResultCode.INSUFFICIENT_UNITS
    released, issues = reservations.release_units(engine, w.j, "order-1", None, "cancel-1", NOW)
    assert issues == [] and released == 250
    retried = state(engine)
    assert reservations.release_units(engine, w.j, "order-1", None, "cancel-1", NOW) == (250, [])
    assert state(engine) == retried
    assert execute(engine, transfer).ok
    _, too_much = reservations.release_units(engine, w.j, "order-1", 1, "cancel-2", NOW)
    assert [i.code for i in too_much] == ["release_exceeds_open_units"]


def test_an_order_reservation_covers_several_fills_and_the_rest_is_released(
    engine: Engine,
) -> None:
    """A sells up to 200 t; B buys up to 200 t at up to CNY 31.00 and reserves
    200 × 3,100 = 620,000 fen + 310 fen fee = 620,310 fen. Fills: 120 t at 30.00
    (360,000 + fee 180) and 80 t at 30.50 (244,000 + fee 122). B paid 604,302;
    620,310 − 604,302 = 16,008 fen is released back to B."""
    w = setup(engine)
    needed = funds_needed(RULES, "listed", date(2016, 9, 30), 200, 3100)
    assert needed == 620_310
    reservations.reserve_units(engine, w.j, "DP-OH-A", "DPEA-2016", 200, "sell-1", NOW)
    reservations.reserve_funds(engine, w.j, "DP-OH-B", needed, "buy-1", NOW)
    for trade_id, quantity, price in (("F1", 120, 3000), ("F2", 80, 3050)):
        done, issues = record_trade(
            engine, w.j, RULES, trade(trade_id, quantity, price), NOW,
            units_key="sell-1", funds_key="buy-1",
        )  # fmt: skip
        assert issues == [] and done is not None and done.settled
    released, issues = reservations.release_funds(engine, w.j, "buy-1", None, "buy-1-done", NOW)
    assert issues == [] and released == 16_008
    again = reservations.release_funds(engine, w.j, "buy-1", None, "buy-1-done", NOW)
    assert again == (16_008, [])
    holdings, balances, _, _ = state(engine)
    assert holdings[(w.accounts["B"], w.allowances)] == 200
    assert balances["DP-OH-B-CASH"] == START - 604_302
    assert balances["DP-OH-A-CASH"] == (360_000 - 180) + (244_000 - 122)
    assert balances["DP-CASH-FEES"] == 2 * (180 + 122)
    assert balances["DP-CASH-CLEARING"] == 0
    _, over = record_trade(
        engine, w.j, RULES, trade("F3", 1, 3000), NOW, units_key="sell-1", funds_key="buy-1"
    )
    assert [i.code for i in over] == ["insufficient_reserved_units"]


def test_a_t1_trade_waits_for_its_settlement_day(engine: Engine) -> None:
    """A block trade of 100 t at CNY 30.00 on Friday 30 September 2016 settles on Monday 10
    October (weekend, then the National Day holidays). Fees: 300,000 × 0.025 % = 75 fen,
    raised to the CNY 1.00 minimum on each side."""
    w = setup(engine)
    recorded, issues = record_trade(engine, w.j, RULES, trade("B1", 100, 3000, venue="block"), NOW)
    assert issues == [] and recorded is not None and not recorded.settled
    assert recorded.plan.settle_on == date(2016, 10, 10)
    holdings, balances, _, _ = state(engine)
    assert holdings[(w.accounts["A"], w.allowances)] == 200  # 100 wait in clearing
    assert (w.accounts["B"], w.allowances) not in holdings
    assert balances["DP-CASH-CLEARING"] == 300_100
    # While it waits, A cannot transfer the 100 sold units elsewhere.
    elsewhere = TransactionRequest(
        "transfer", "t1", (Movement(w.accounts["A"], w.accounts["C"], w.allowances, 201),), NOW
    )
    assert execute(engine, elsewhere).result is ResultCode.INSUFFICIENT_UNITS
    early = settle_due(engine, w.j, date(2016, 10, 9), NOW)
    assert early.settled == () and early.failed == ()
    run = settle_due(engine, w.j, date(2016, 10, 10), NEXT_SETTLEMENT_DAY)
    assert run.settled == ("block/B1",) and run.failed == ()
    holdings, balances, _, _ = state(engine)
    assert holdings[(w.accounts["B"], w.allowances)] == 100
    assert balances["DP-OH-A-CASH"] == 300_000 - 100
    assert balances["DP-CASH-FEES"] == 200
    assert settle_due(engine, w.j, date(2016, 10, 10), NEXT_SETTLEMENT_DAY).settled == ()


def test_a_trade_the_registry_refuses_at_settlement_stays_pending(engine: Engine) -> None:
    w = setup(engine)
    record_trade(engine, w.j, RULES, trade("B1", 100, 3000, venue="block"), NOW)
    change_account_status(engine, "DP-OH-B", AccountStatus.SUSPENDED, "inquiry 7", NOW)
    before = state(engine)
    run = settle_due(engine, w.j, date(2016, 10, 10), NEXT_SETTLEMENT_DAY)
    assert run.settled == ()
    assert [(t, [i.code for i in issues]) for t, issues in run.failed] == [
        ("block/B1", ["account_suspended"])
    ]
    assert state(engine) == before
    with engine.connect() as connection:
        assert connection.execute(select(settlements.c.status)).scalar_one() == "pending"


def test_a_buyer_without_the_money_gets_nothing_and_the_seller_keeps_the_units(
    engine: Engine,
) -> None:
    w = setup(engine)
    before = state(engine)
    _, issues = record_trade(engine, w.j, RULES, trade("L1", 100, 200_000), NOW)  # CNY 2,000/t
    assert [i.code for i in issues] == ["insufficient_funds"]
    assert state(engine) == before
    with engine.connect() as connection:
        assert connection.execute(select(unit_reservations)).first() is None


@pytest.mark.parametrize("when", ["between the legs", "after both legs"])
def test_a_failure_during_settlement_leaves_nothing_half_done(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """The registry delivers, then the cash write (or the step after it) fails: the database
    transaction rolls back, so neither units nor money have moved and nothing is recorded."""
    w = setup(engine)
    real = cash.post_in

    def failing(connection, request):  # type: ignore[no-untyped-def]
        if request.kind is CashEntryKind.SETTLEMENT:
            if when == "after both legs":
                real(connection, request)
            raise RuntimeError("injected failure")
        return real(connection, request)

    before = state(engine)
    monkeypatch.setattr(cash, "post_in", failing)
    with pytest.raises(RuntimeError, match="injected"):
        record_trade(engine, w.j, RULES, trade("L1", 100, 3000), NOW)
    assert state(engine) == before
    with engine.connect() as connection:
        assert connection.execute(select(settlements)).first() is None
    # T+1: recorded first, then the settlement run fails and the trade stays pending.
    monkeypatch.setattr(cash, "post_in", real)
    record_trade(engine, w.j, RULES, trade("B1", 100, 3000, venue="block"), NOW)
    pending = state(engine)
    monkeypatch.setattr(cash, "post_in", failing)
    with pytest.raises(RuntimeError, match="injected"):
        settle_due(engine, w.j, date(2016, 10, 10), NEXT_SETTLEMENT_DAY)
    assert state(engine) == pending
    monkeypatch.setattr(cash, "post_in", real)
    assert settle_due(engine, w.j, date(2016, 10, 10), NEXT_SETTLEMENT_DAY).settled == ("block/B1",)
    assert verify_registry(engine).ok
    with engine.connect() as connection:
        assert cash.cash_discrepancies(connection) == []


def test_a_bilateral_trade_can_settle_delivery_versus_payment(engine: Engine) -> None:
    """B buys 50 t from A at CNY 30.00 bilaterally, settled through the exchange: no fee on
    the bilateral venue, so B pays exactly 150,000 fen and A receives it. The trade row
    (used for the average price) points at the delivering registry transaction."""
    w = setup(engine)
    deal = Trade("A", "B", "DPEA-2016", 50, Decimal("30.00"), date(2016, 9, 30))
    outcome, issues = market.bilateral_trade(engine, w.j, deal, "otc-1", NOW, RULES)
    assert issues == [] and outcome is not None and outcome.ok
    holdings, balances, _, _ = state(engine)
    assert holdings[(w.accounts["B"], w.allowances)] == 50
    assert balances["DP-OH-B-CASH"] == START - 150_000
    assert balances["DP-OH-A-CASH"] == 150_000
    with engine.connect() as connection:
        row = connection.execute(select(trades.c.transaction_id, transactions.c.type_code)
                                 .join(transactions)).one()  # fmt: skip
    assert row == (outcome.transaction_id, "trade_settlement")
    again, _ = market.bilateral_trade(engine, w.j, deal, "otc-1", NOW, RULES)
    assert again is not None and again.replayed and state(engine)[1] == balances
    poor = Trade("A", "B", "DPEA-2016", 50, Decimal("3000.00"), date(2016, 9, 30))
    before = state(engine)
    _, refused = market.bilateral_trade(engine, w.j, poor, "otc-2", NOW, RULES)
    assert [i.code for i in refused] == ["insufficient_funds"]
    assert state(engine) == before


@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_trades_reservations_and_deposits_together_do_not_deadlock(engine: Engine) -> None:
    """Four threads trade (T+0), reserve and release, deposit and withdraw at once over the
    same accounts; no error reaches anyone, every trade settles, and the ledgers reconcile."""
    w = setup(engine)
    errors: list[BaseException] = []
    moved = {"in": 2 * START, "out": 0}
    barrier = threading.Barrier(4)

    def guarded(work) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            work()
        except BaseException as error:
            errors.append(error)

    def trades_between(prefix: str, buyer: str, seller: str) -> None:
        for index in range(12):
            fill = trade(f"{prefix}{index}", 1, 3000 + index, buyer=buyer, seller=seller)
            done, issues = record_trade(engine, w.j, RULES, fill, NOW)
            assert issues == [] and done is not None and done.settled

    def reserve_and_release() -> None:
        for index in range(12):
            reservations.reserve_units(engine, w.j, "DP-OH-C", "DPEA-2016", 2, f"o{index}", NOW)
            reservations.release_units(engine, w.j, f"o{index}", None, f"x{index}", NOW)

    def money() -> None:
        for index in range(12):
            if cash.transfer_with_bank(engine, "DP", "CNY", "DP-OH-B", 100, f"in{index}", NOW,
                                       deposit=True).ok:  # fmt: skip
                moved["in"] += 100
            if cash.transfer_with_bank(engine, "DP", "CNY", "DP-OH-A", 50, f"out{index}", NOW,
                                       deposit=False).ok:  # fmt: skip
                moved["out"] += 50

    work = [
        lambda: trades_between("ab", "B", "A"), lambda: trades_between("cb", "B", "C"),
        reserve_and_release, money,
    ]  # fmt: skip
    threads = [threading.Thread(target=guarded, args=(item,)) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    holdings, balances, _, _ = state(engine)
    assert holdings[(w.accounts["B"], w.allowances)] == 24
    assert balances["DP-CASH-BANK"] == -(moved["in"] - moved["out"])
    with engine.connect() as connection:
        assert cash.cash_discrepancies(connection) == []
        assert settlement_discrepancies(connection, w.j) == []
    assert verify_registry(engine).ok


def test_the_database_itself_keeps_the_cash_ledger_straight(engine: Engine) -> None:
    """Even bypassing the code: a movement that overdraws is refused by the CHECK on the
    balance the trigger moves, balances follow inserted movements, and the journal is
    append-only."""
    setup(engine)
    with engine.connect() as connection:
        ids = dict(connection.execute(select(cash_accounts.c.code, cash_accounts.c.id)).all())
        entry = connection.execute(select(cash_entries.c.id)).scalars().first()
    b, c = ids["DP-OH-B-CASH"], ids["DP-OH-C-CASH"]
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(cash_movements.insert().values(
            entry_id=entry, from_cash_account_id=b, to_cash_account_id=c, amount_fen=START + 1))  # fmt: skip
    with engine.begin() as connection:
        connection.execute(cash_movements.insert().values(
            entry_id=entry, from_cash_account_id=b, to_cash_account_id=c, amount_fen=1))  # fmt: skip
        assert cash.balances(connection)["DP-OH-C-CASH"] == START + 1
    for statement in ("UPDATE cash_movements SET amount_fen = 2", "DELETE FROM cash_entries"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
