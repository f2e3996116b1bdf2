"""Property: whatever is reserved, traded, released and settled, units and money are conserved.

Each example runs a random sequence of steps on a copy of one prepared SQLite database:
A and C hold 300 DPEA-2016 each, B and C have deposited CNY 100,000 each.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import shutil
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from settlement_setup import NEXT_SETTLEMENT_DAY, NOW, RULES, World, setup, trade
from sqlalchemy import select

from tanshi.services import cash, reservations
from tanshi.services.audit import verify_registry
from tanshi.services.registry import derived_holdings, stored_holdings
from tanshi.services.settlement import record_trade, settle_due, settlement_discrepancies
from tanshi.store.engine import make_engine, migrate
from tanshi.store.schema import accounts, settlements

DEPOSITED = 2 * 10_000_000
ISSUED = 600


@functools.cache
def prepared() -> tuple[Path, World]:
    folder = Path(tempfile.mkdtemp(prefix="tanshi-settlement-"))
    atexit.register(shutil.rmtree, folder, True)
    engine = make_engine(f"sqlite:///{folder / 'template.sqlite'}")
    migrate(engine)
    world = setup(engine)
    engine.dispose()
    return folder / "template.sqlite", world


TRADE = st.tuples(
    st.just("trade"),
    st.sampled_from(["listed", "block", "otc"]),
    st.sampled_from([("B", "A"), ("C", "A"), ("B", "C")]),
    st.integers(1, 150),
    st.integers(1, 20_000),
    st.booleans(),
)
STEP = st.one_of(
    st.tuples(st.just("reserve_units"), st.sampled_from(["A", "C"]), st.integers(1, 200)),
    st.tuples(st.just("reserve_funds"), st.sampled_from(["B", "C"]), st.integers(1, 3_000_000)),
    TRADE,
    TRADE,
    st.tuples(st.just("release_units"), st.integers(0, 5)),
    st.tuples(st.just("release_funds"), st.integers(0, 5)),
    st.tuples(st.just("settle")),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, max_size=16))
def test_units_and_money_are_conserved_across_settlement(steps: list[tuple]) -> None:
    template, w = prepared()
    folder = Path(tempfile.mkdtemp(prefix="tanshi-settlement-run-"))
    shutil.copy(template, folder / "run.sqlite")
    engine = make_engine(f"sqlite:///{folder / 'run.sqlite'}")
    keys = itertools.count()
    units_by: dict[str, list[str]] = {"A": [], "C": []}
    funds_by: dict[str, list[str]] = {"B": [], "C": []}
    try:
        for step in steps:
            run(engine, w, step, keys, units_by, funds_by)
        check(engine, w)
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def run(engine, w, step, keys, units_by, funds_by) -> None:  # type: ignore[no-untyped-def]
    kind, *args = step
    key = f"k{next(keys)}"
    if kind == "reserve_units":
        seller, quantity = args
        done, _ = reservations.reserve_units(
            engine, w.j, f"DP-OH-{seller}", "DPEA-2016", quantity, key, NOW
        )
        if done is not None:
            units_by[seller].append(key)
    elif kind == "reserve_funds":
        buyer, amount = args
        done, _ = reservations.reserve_funds(engine, w.j, f"DP-OH-{buyer}", amount, key, NOW)
        if done is not None:
            funds_by[buyer].append(key)
    elif kind == "trade":
        venue, (buyer, seller), quantity, price, reserved = args
        units_key = units_by[seller][-1] if reserved and units_by[seller] else None
        funds_key = funds_by[buyer][-1] if reserved and funds_by[buyer] else None
        fill = trade(key, quantity, price, venue=venue, buyer=buyer, seller=seller)
        record_trade(engine, w.j, RULES, fill, NOW, units_key=units_key, funds_key=funds_key)
    elif kind == "release_units":
        opened = units_by["A"] + units_by["C"]
        if opened:
            target = opened[args[0] % len(opened)]
            reservations.release_units(engine, w.j, target, None, key, NOW)
    elif kind == "release_funds":
        opened = funds_by["B"] + funds_by["C"]
        if opened:
            target = opened[args[0] % len(opened)]
            reservations.release_funds(engine, w.j, target, None, key, NOW)
    else:
        settle_due(engine, w.j, date(2016, 10, 10), NEXT_SETTLEMENT_DAY)


def check(engine, w: World) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        balances = cash.balances(connection)
        holdings = stored_holdings(connection)
        settled = connection.execute(
            select(settlements, accounts.c.code.label("seller"))
            .join(accounts, accounts.c.id == settlements.c.seller_account_id)
            .where(settlements.c.status == "settled")
        ).all()
        assert holdings == derived_holdings(connection)
        assert cash.cash_discrepancies(connection) == []
        assert settlement_discrepancies(connection, w.j) == []
    event(
        f"settled trades: {min(len(settled), 3)}+"
        if len(settled) >= 3
        else f"settled trades: {len(settled)}"
    )
    # Money: only deposits brought any in; the exchange's fees are exactly the settled fees.
    assert balances["DP-CASH-BANK"] == -DEPOSITED
    assert sum(v for code, v in balances.items() if code != "DP-CASH-BANK") == DEPOSITED
    fees = sum(row.buyer_fee_fen + row.seller_fee_fen for row in settled)
    assert balances.get("DP-CASH-FEES", 0) == fees
    # A only sells: its money is exactly what its settled sales paid it.
    assert balances.get("DP-OH-A-CASH", 0) == sum(
        row.value_fen - row.seller_fee_fen for row in settled if row.seller == "DP-OH-A"
    )
    # Units: none created or destroyed, only moved among A, B, C and the clearing account.
    held = sum(q for (account, unit), q in holdings.items() if unit == w.allowances and q > 0)
    assert held == ISSUED
    b = holdings.get((w.accounts["B"], w.allowances), 0)
    assert b == sum(
        row.quantity_units for row in settled if row.buyer_account_id == w.accounts["B"]
    )
    assert verify_registry(engine).ok
