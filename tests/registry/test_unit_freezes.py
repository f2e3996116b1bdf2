"""Freezing a quantity or named serials of an account by order, and lifting the freeze."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from registry_controls import world as controlled_world
from tanshi.core.errors import TanshiError
from tanshi.reconciliation.checks import DiscrepancyKind
from tanshi.registry import AccountStatus, Movement, ResultCode, TransactionRequest
from tanshi.services import jurisdiction
from tanshi.services.audit import verify_registry
from tanshi.services.jurisdiction import change_account_status
from tanshi.services.registry import execute
from tanshi.services.unit_freeze_reads import Balance, balances, freeze_order, freeze_orders
from tanshi.services.unit_freezes import FreezeOrderNotFound, freeze_units, release_freeze

NOW = datetime(2017, 7, 3, 3, 0, tzinfo=UTC)


def world(engine: Engine) -> tuple[jurisdiction.Jurisdiction, int, int, int]:
    """A holds serials 1..2000 of DPEA-2016; B holds none; no registry controls."""
    return controlled_world(engine, "", opened_at=NOW)


def blocks_of(engine: Engine, code: str) -> list[tuple[int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT first_serial, last_serial FROM unit_blocks JOIN accounts "
            "ON accounts.id = unit_blocks.account_id WHERE accounts.code = :c "
            "ORDER BY first_serial"), {"c": code}).all()  # fmt: skip
    return [(int(first), int(last)) for first, last in rows]


def move(type_code: str, key: str, movement: Movement) -> TransactionRequest:
    return TransactionRequest(type_code, key, (movement,), NOW, compliance_year=2016)


def test_frozen_units_can_be_neither_transferred_nor_surrendered_until_released(
    engine: Engine,
) -> None:
    j, a, b, unit = world(engine)
    court = freeze_units(engine, "DP-OH-A", "DPEA-2016", 300, "court 17/2017", "debt claim",
                         "regulator", "f1", NOW)  # fmt: skip
    named = freeze_units(engine, "DP-OH-A", "DPEA-2016", 100, "court 18/2017", "second claim",
                         "regulator", "f2", NOW, serials=((1001, 1100),))  # fmt: skip
    assert court.result is ResultCode.OK and named.result is ResultCode.OK
    assert court.freeze_id is not None and named.freeze_id is not None
    frozen_code = f"DP-FZ-{a}"
    assert blocks_of(engine, frozen_code) == [(1, 300), (1001, 1100)]
    assert balances(engine, "DP-OH-A") == [Balance("DPEA-2016", 1600, 400)]
    assert execute(engine, move("transfer", "t1", Movement(a, b, unit, 1601))).result is (
        ResultCode.INSUFFICIENT_UNITS
    )
    assert execute(engine, move("surrender", "s1", Movement(a, j.surrender_account, unit, 1601))
                   ).result is ResultCode.INSUFFICIENT_UNITS  # fmt: skip
    # The units in the frozen-units account go nowhere but back.
    assert execute(engine, move("transfer", "t2", Movement(
        jurisdiction_account(engine, frozen_code), b, unit, 1))).result is (
        ResultCode.SOURCE_ACCOUNT_KIND_NOT_ALLOWED)  # fmt: skip
    assert execute(engine, move("transfer", "t3", Movement(a, b, unit, 1600))).ok
    assert verify_registry(engine).ok
    released = release_freeze(engine, court.freeze_id, "regulator", "claim settled", NOW)
    assert released.result is ResultCode.OK
    assert blocks_of(engine, "DP-OH-A") == [(1, 300)]  # the very serials it froze
    assert balances(engine, "DP-OH-A") == [Balance("DPEA-2016", 300, 100)]
    [first, second] = freeze_orders(engine, "DP-OH-A")
    assert (first.released_by, first.release_reason, first.blocks) == (
        "regulator", "claim settled", ((1, 300),),
    )  # fmt: skip
    assert second.released_at is None and second.blocks == ((1001, 1100),)
    assert freeze_order(engine, named.freeze_id) == second
    with pytest.raises(TanshiError, match="already released"):
        release_freeze(engine, court.freeze_id, "regulator", "again", NOW)
    with pytest.raises(FreezeOrderNotFound):
        release_freeze(engine, 999, "regulator", "none", NOW)
    assert verify_registry(engine).ok


def jurisdiction_account(engine: Engine, code: str) -> int:
    with engine.connect() as connection:
        return jurisdiction.account_id(connection, code)


def test_a_refused_freeze_writes_nothing_and_a_replay_returns_the_first(engine: Engine) -> None:
    _, a, _, _ = world(engine)
    too_many = freeze_units(engine, "DP-OH-A", "DPEA-2016", 2001, "o", "r", "regulator", "k", NOW)
    assert (too_many.freeze_id, too_many.result) == (None, ResultCode.INSUFFICIENT_UNITS)
    not_held = freeze_units(engine, "DP-OH-A", "DPEA-2016", 10, "o", "r", "regulator", "k", NOW,
                            serials=((2001, 2010),))  # fmt: skip
    assert not_held.result is ResultCode.SERIALS_NOT_HELD
    with engine.connect() as connection:
        assert jurisdiction.find_account(connection, f"DP-FZ-{a}") is None
    first = freeze_units(engine, "DP-OH-A", "DPEA-2016", 10, "o", "r", "regulator", "k", NOW)
    again = freeze_units(engine, "DP-OH-A", "DPEA-2016", 10, "o", "r", "regulator", "k", NOW)
    assert again.replayed and again.freeze_id == first.freeze_id
    with pytest.raises(TanshiError, match="reference"):
        freeze_units(engine, "DP-OH-A", "DPEA-2016", 10, " ", "r", "regulator", "k2", NOW)


def test_freezes_follow_the_account_status(engine: Engine) -> None:
    world(engine)
    change_account_status(engine, "DP-OH-A", AccountStatus.RESTRICTED, "late report", NOW)
    order = freeze_units(engine, "DP-OH-A", "DPEA-2016", 10, "o", "r", "regulator", "k1", NOW)
    assert order.result is ResultCode.OK and order.freeze_id is not None
    change_account_status(engine, "DP-OH-A", AccountStatus.FROZEN, "whole account", NOW)
    assert freeze_units(engine, "DP-OH-A", "DPEA-2016", 10, "o", "r", "regulator", "k2",
                        NOW).result is ResultCode.ACCOUNT_FROZEN  # fmt: skip
    assert release_freeze(engine, order.freeze_id, "regulator", "r", NOW).result is (
        ResultCode.ACCOUNT_FROZEN
    )
    assert freeze_orders(engine, "DP-OH-A")[0].released_at is None


def test_an_account_with_frozen_units_cannot_be_closed(engine: Engine) -> None:
    _, a, b, unit = world(engine)
    freeze_units(engine, "DP-OH-A", "DPEA-2016", 10, "o", "r", "regulator", "k1", NOW)
    assert execute(engine, move("transfer", "t", Movement(a, b, unit, 1990))).ok
    change_account_status(engine, "DP-OH-A", AccountStatus.CLOSURE_PENDING, "closing", NOW)
    with pytest.raises(TanshiError, match="frozen by order"):
        change_account_status(engine, "DP-OH-A", AccountStatus.CLOSED, "closing", NOW)


def test_frozen_units_stay_with_their_own_account(engine: Engine) -> None:
    _, a, b, unit = world(engine)
    freeze_units(engine, "DP-OH-A", "DPEA-2016", 10, "o", "r", "regulator", "k1", NOW)
    frozen = jurisdiction_account(engine, f"DP-FZ-{a}")
    assert execute(engine, move("unfreeze", "u", Movement(frozen, b, unit, 10))).result is (
        ResultCode.FROZEN_UNITS_STAY_WITH_THEIR_ACCOUNT
    )
    assert execute(engine, move("freeze", "f", Movement(b, frozen, unit, 0))).result is (
        ResultCode.QUANTITY_MUST_BE_POSITIVE
    )


def test_reconciliation_finds_frozen_units_that_no_order_explains(engine: Engine) -> None:
    _, a, _, _ = world(engine)
    freeze_units(engine, "DP-OH-A", "DPEA-2016", 10, "o", "r", "regulator", "k1", NOW)
    with engine.begin() as connection:
        connection.execute(text("UPDATE unit_freezes SET quantity_units = 12"))
    report = verify_registry(engine)
    assert [d.kind for d in report.discrepancies] == [
        DiscrepancyKind.FROZEN_UNITS_DIFFER_FROM_ORDERS
    ]
    assert report.discrepancies[0].account == f"DP-FZ-{a}"
