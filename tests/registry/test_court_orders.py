"""Releasing part of a freeze order, and court-ordered transfers of frozen units (司法扣划)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, text
from test_unit_freezes import blocks_of, jurisdiction_account, world

from registry_controls import CONTROLS, at
from registry_controls import world as controlled_world
from tanshi.core.errors import TanshiError
from tanshi.market.surveillance import large_holder_flags
from tanshi.reconciliation.checks import DiscrepancyKind
from tanshi.registry import AccountStatus, Movement, ResultCode, TransactionRequest
from tanshi.resources import surveillance_rules
from tanshi.services.audit import verify_registry
from tanshi.services.court_transfers import (
    AWAITING,
    CANCELLED,
    EXECUTED,
    FAILED,
    approve_court_transfer,
    cancel_court_transfer,
    court_transfer,
    court_transfers_of,
    propose_court_transfer,
)
from tanshi.services.jurisdiction import change_account_status
from tanshi.services.registry import execute
from tanshi.services.surveillance import NOT_HOLDERS, positions
from tanshi.services.unit_freeze_reads import Balance, balances, freeze_order
from tanshi.services.unit_freezes import FreezeOrderNotFound, freeze_units, release_freeze
from tanshi.store.schema import transactions, unit_classes

NOW = datetime(2017, 7, 3, 3, 0, tzinfo=UTC)


def _freeze(engine: Engine, quantity: int, key: str, **named: object) -> int:
    outcome = freeze_units(engine, "DP-OH-A", "DPEA-2016", quantity, "court 17/2017",
                           "debt claim", "regulator", key, NOW, **named)  # type: ignore[arg-type]  # fmt: skip
    assert outcome.result is ResultCode.OK and outcome.freeze_id is not None
    return outcome.freeze_id


def _types(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(
            select(transactions.c.type_code).order_by(transactions.c.id)).scalars())  # fmt: skip


def test_a_partial_release_gives_back_the_lowest_serials_the_order_still_holds(
    engine: Engine,
) -> None:
    """Two orders in one frozen-units account: order 2 froze 1001..1100, order 1 froze 1..300.
    Releasing 30 of order 2 gives back 1001..1030, not the account's lowest frozen serials."""
    world(engine)
    first = _freeze(engine, 300, "f1")
    second = _freeze(engine, 100, "f2", serials=((1001, 1100),))
    part = release_freeze(engine, second, "regulator", "partly settled", NOW,
                          quantity_units=30, idempotency_key="r1")  # fmt: skip
    assert part.result is ResultCode.OK and not part.replayed
    order = freeze_order(engine, second)
    assert order is not None
    assert (order.frozen_units, order.frozen_blocks, order.released_at) == (
        70,
        ((1031, 1100),),
        None,
    )
    assert [(r.kind, r.quantity_units, r.blocks) for r in order.reductions] == [
        ("release", 30, ((1001, 1030),))
    ]
    assert blocks_of(engine, "DP-OH-A") == [(301, 1030), (1101, 2000)]
    assert balances(engine, "DP-OH-A") == [Balance("DPEA-2016", 1630, 370)]
    # The same key again is the same release; with another quantity it is refused.
    again = release_freeze(engine, second, "regulator", "partly settled", NOW,
                           quantity_units=30, idempotency_key="r1")  # fmt: skip
    assert again.replayed and again.transaction_id == part.transaction_id
    other = release_freeze(engine, second, "regulator", "x", NOW, quantity_units=5,
                           idempotency_key="r1")  # fmt: skip
    assert other.result is ResultCode.IDEMPOTENCY_KEY_REUSED
    assert release_freeze(engine, first, "regulator", "x", NOW, quantity_units=30,
                          idempotency_key="r1").result is ResultCode.IDEMPOTENCY_KEY_REUSED  # fmt: skip
    # More than the order holds, or nothing, is refused; a partial release needs its own key.
    assert release_freeze(engine, second, "regulator", "x", NOW, quantity_units=71,
                          idempotency_key="r2").result is ResultCode.INSUFFICIENT_UNITS  # fmt: skip
    assert release_freeze(engine, second, "regulator", "x", NOW, quantity_units=0,
                          idempotency_key="r3").result is ResultCode.QUANTITY_MUST_BE_POSITIVE  # fmt: skip
    with pytest.raises(TanshiError, match="own idempotency key"):
        release_freeze(engine, second, "regulator", "x", NOW, quantity_units=1)
    # The rest, released whole, closes the order; each release was its own transaction.
    rest = release_freeze(engine, second, "regulator", "settled", NOW)
    assert rest.result is ResultCode.OK
    closed = freeze_order(engine, second)
    assert closed is not None and closed.released_at is not None and closed.frozen_units == 0
    assert closed.blocks == ((1001, 1100),)  # what it froze, still on record
    assert _types(engine)[-2:] == ["unfreeze", "unfreeze"]
    with pytest.raises(TanshiError, match="already released"):
        release_freeze(engine, second, "regulator", "again", NOW, quantity_units=1,
                       idempotency_key="r4")  # fmt: skip
    assert verify_registry(engine).ok


def test_a_court_transfer_needs_a_second_regulator_and_moves_the_orders_lowest_serials(
    engine: Engine,
) -> None:
    _, a, b, unit = world(engine)
    order = _freeze(engine, 300, "f1")
    proposed = propose_court_transfer(engine, order, "DP-OH-B", 120, "(2017) 京01执123号",
                                      "enforcement of judgment", "registrar-1", "ct1", NOW)  # fmt: skip
    assert (proposed.result, proposed.status) == (ResultCode.OK, AWAITING)
    assert proposed.transfer_id is not None
    assert balances(engine, "DP-OH-B") == []  # nothing moves before the second approval
    same = approve_court_transfer(engine, proposed.transfer_id, "registrar-1", NOW)
    assert same.result is ResultCode.APPROVER_MUST_DIFFER_FROM_INITIATOR
    done = approve_court_transfer(engine, proposed.transfer_id, "registrar-2", NOW)
    assert (done.result, done.status) == (ResultCode.OK, EXECUTED)
    assert blocks_of(engine, "DP-OH-B") == [(1, 120)]
    assert balances(engine, "DP-OH-A") == [Balance("DPEA-2016", 1700, 180)]
    held = freeze_order(engine, order)
    assert held is not None
    assert (held.frozen_units, held.frozen_blocks) == (180, ((121, 300),))
    [recorded] = court_transfers_of(engine, account_code="DP-OH-A")
    assert (recorded.destination, recorded.court_order_reference, recorded.blocks) == (
        "DP-OH-B",
        "(2017) 京01执123号",
        ((1, 120),),
    )
    assert (recorded.proposed_by, recorded.decided_by, recorded.status) == (
        "registrar-1",
        "registrar-2",
        EXECUTED,
    )
    assert court_transfer(engine, proposed.transfer_id) == recorded
    assert approve_court_transfer(engine, proposed.transfer_id, "registrar-3", NOW).result is (
        ResultCode.PROPOSAL_NOT_AWAITING_APPROVAL
    )
    # Proposing again with the same key is the same proposal.
    replay = propose_court_transfer(engine, order, "DP-OH-B", 120, "(2017) 京01执123号",
                                    "enforcement of judgment", "registrar-1", "ct1", NOW)  # fmt: skip
    assert replay.replayed and replay.transfer_id == proposed.transfer_id
    # The rest, transferred, closes the order; the frozen-units account is then empty.
    rest = propose_court_transfer(engine, order, "DP-OH-B", 180, "(2017) 京01执123号",
                                  "the rest", "registrar-1", "ct2", NOW)  # fmt: skip
    assert rest.transfer_id is not None
    assert approve_court_transfer(engine, rest.transfer_id, "registrar-2", NOW).result is (
        ResultCode.OK
    )
    closed = freeze_order(engine, order)
    assert closed is not None and closed.released_at is not None
    assert balances(engine, "DP-OH-B") == [Balance("DPEA-2016", 300, 0)]
    # They are B's now: B may use them (here, send some to A).
    assert execute(engine, TransactionRequest(
        "transfer", "t", (Movement(b, a, unit, 50),), NOW)).ok  # fmt: skip
    assert _types(engine).count("court_transfer") == 2
    assert verify_registry(engine).ok


def test_court_transfers_refused_before_they_are_recorded(engine: Engine) -> None:
    world(engine)
    order = _freeze(engine, 100, "f1")

    def propose(destination: str, quantity: int, key: str) -> ResultCode:
        outcome = propose_court_transfer(engine, order, destination, quantity, "court 1", "r",
                                         "registrar-1", key, NOW)  # fmt: skip
        assert outcome.transfer_id is None or outcome.result is ResultCode.OK
        return outcome.result

    assert propose("DP-OH-B", 101, "k1") is ResultCode.INSUFFICIENT_UNITS
    assert propose("DP-OH-B", 0, "k2") is ResultCode.QUANTITY_MUST_BE_POSITIVE
    assert propose("DP-OH-A", 10, "k3") is ResultCode.COURT_TRANSFER_TO_ANOTHER_ACCOUNT
    assert propose("DP-OH-NOBODY", 10, "k4") is ResultCode.UNKNOWN_ACCOUNT
    assert propose("DP-HOLDING", 10, "k5") is ResultCode.DESTINATION_ACCOUNT_KIND_NOT_ALLOWED
    change_account_status(engine, "DP-OH-B", AccountStatus.SUSPENDED, "inquiry", NOW)
    assert propose("DP-OH-B", 10, "k6") is ResultCode.ACCOUNT_SUSPENDED
    assert court_transfers_of(engine) == []
    change_account_status(engine, "DP-OH-B", AccountStatus.OPEN, "inquiry closed", NOW)
    assert propose("DP-OH-B", 10, "k1") is ResultCode.OK  # a refused proposal kept no key
    with pytest.raises(TanshiError, match="court order"):
        propose_court_transfer(engine, order, "DP-OH-B", 1, " ", "r", "registrar-1", "k7", NOW)
    with pytest.raises(FreezeOrderNotFound):
        propose_court_transfer(engine, 999, "DP-OH-B", 1, "c", "r", "registrar-1", "k8", NOW)
    # The registry's own check refuses the type's back-to-the-holder case too.
    frozen, a = jurisdiction_account(engine, f"DP-FZ-{_a(engine)}"), _a(engine)
    unit = _unit(engine)
    assert execute(engine, TransactionRequest(
        "court_transfer", "direct", (Movement(frozen, a, unit, 1),), NOW)).result is (
        ResultCode.COURT_TRANSFER_TO_ANOTHER_ACCOUNT)  # fmt: skip


def _a(engine: Engine) -> int:
    return jurisdiction_account(engine, "DP-OH-A")


def _unit(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(
            select(unit_classes.c.id).where(unit_classes.c.code == "DPEA-2016")).scalar_one())  # fmt: skip


def test_a_court_transfer_fails_at_approval_when_the_units_are_gone_and_can_be_cancelled(
    engine: Engine,
) -> None:
    world(engine)
    order = _freeze(engine, 100, "f1")
    late = propose_court_transfer(engine, order, "DP-OH-B", 80, "court 2", "r", "registrar-1",
                                  "c1", NOW)  # fmt: skip
    withdrawn = propose_court_transfer(engine, order, "DP-OH-B", 10, "court 3", "r",
                                       "registrar-1", "c2", NOW)  # fmt: skip
    assert late.transfer_id is not None and withdrawn.transfer_id is not None
    assert release_freeze(engine, order, "regulator", "half lifted", NOW, quantity_units=50,
                          idempotency_key="half").result is ResultCode.OK  # fmt: skip
    failed = approve_court_transfer(engine, late.transfer_id, "registrar-2", NOW)
    assert (failed.result, failed.status) == (ResultCode.INSUFFICIENT_UNITS, FAILED)
    assert cancel_court_transfer(engine, withdrawn.transfer_id, "registrar-1", NOW).status == (
        CANCELLED
    )
    assert cancel_court_transfer(engine, withdrawn.transfer_id, "registrar-1", NOW).result is (
        ResultCode.PROPOSAL_NOT_CANCELLABLE
    )
    assert approve_court_transfer(engine, withdrawn.transfer_id, "registrar-2", NOW).result is (
        ResultCode.PROPOSAL_NOT_AWAITING_APPROVAL
    )
    assert approve_court_transfer(engine, 999, "registrar-2", NOW).result is (
        ResultCode.PROPOSAL_NOT_FOUND
    )
    assert [t.status for t in court_transfers_of(engine, freeze_id=order)] == [FAILED, CANCELLED]
    assert [t.result for t in court_transfers_of(engine, status=FAILED)] == ["insufficient_units"]
    held = freeze_order(engine, order)
    assert held is not None and held.frozen_units == 50
    assert verify_registry(engine).ok


def test_a_court_transfer_executes_while_the_registry_is_closed_to_people(engine: Engine) -> None:
    """The rulebook refuses people's transfers outside 10:00-16:00 on working days and delays
    them to untrusted accounts; a court transfer approved on a Sunday night executes at once."""
    controlled_world(engine, CONTROLS)
    sunday_night = at("2017-04-09T23:30")
    freeze = freeze_units(engine, "DP-OH-A", "DPEA-2016", 100, "court 4", "claim", "regulator",
                          "f", sunday_night)  # fmt: skip
    assert freeze.freeze_id is not None
    proposed = propose_court_transfer(engine, freeze.freeze_id, "DP-OH-B", 60, "court 4",
                                      "enforcement", "registrar-1", "c", sunday_night)  # fmt: skip
    assert proposed.transfer_id is not None
    done = approve_court_transfer(engine, proposed.transfer_id, "registrar-2", sunday_night)
    assert done.status == EXECUTED
    assert balances(engine, "DP-OH-B") == [Balance("DPEA-2016", 60, 0)]


def test_surveillance_counts_frozen_units_in_their_holders_position(engine: Engine) -> None:
    """A holds 2,000 of which 1,500 are frozen; the position is still A's 2,000."""
    world(engine)
    order = _freeze(engine, 1500, "f1")
    with engine.connect() as connection:
        held = {(h.account, h.unit_class): h.quantity_t for h in positions(connection)
                if h.account_kind == "operator_holding"}  # fmt: skip
    assert held == {("DP-OH-A", "DPEA-2016"): 2000}
    proposed = propose_court_transfer(engine, order, "DP-OH-B", 500, "court 5", "r",
                                      "registrar-1", "c", NOW)  # fmt: skip
    assert proposed.transfer_id is not None
    approve_court_transfer(engine, proposed.transfer_id, "registrar-2", NOW)
    with engine.connect() as connection:
        seen = positions(connection)
    held = {(h.account, h.unit_class): h.quantity_t for h in seen
            if h.account_kind == "operator_holding"}  # fmt: skip
    assert held == {("DP-OH-A", "DPEA-2016"): 1500, ("DP-OH-B", "DPEA-2016"): 500}
    assert all(h.account_kind != "frozen_units" for h in seen)
    # A's 1,000 frozen units still make it a large holder: 1,500 of the 2,000 in accounts.
    flags = large_holder_flags(seen, surveillance_rules(), NOW.date(), NOT_HOLDERS)
    assert [(f.account, f.message.split(", ")[1][:5]) for f in flags] == [
        ("DP-OH-A", "75.0%"), ("DP-OH-B", "25.0%")
    ]  # fmt: skip


def test_reconciliation_finds_a_release_that_did_not_happen(engine: Engine) -> None:
    world(engine)
    order = _freeze(engine, 100, "f1")
    release_freeze(engine, order, "regulator", "part", NOW, quantity_units=40,
                   idempotency_key="r1")  # fmt: skip
    assert verify_registry(engine).ok
    with engine.begin() as connection:
        connection.execute(text("UPDATE freeze_reductions SET quantity_units = 30"))
    report = verify_registry(engine)
    assert [d.kind for d in report.discrepancies] == [
        DiscrepancyKind.FROZEN_UNITS_DIFFER_FROM_ORDERS
    ]
    assert "still hold 70" in report.discrepancies[0].message


def test_a_court_transfer_takes_units_from_an_account_frozen_whole(engine: Engine) -> None:
    """The holder's account frozen whole by another order: its frozen units still go where
    the court says; a release back to it is refused meanwhile."""
    world(engine)
    order = _freeze(engine, 100, "f1")
    change_account_status(engine, "DP-OH-A", AccountStatus.FROZEN, "second court", NOW)
    assert release_freeze(engine, order, "regulator", "x", NOW, quantity_units=10,
                          idempotency_key="r1").result is ResultCode.ACCOUNT_FROZEN  # fmt: skip
    proposed = propose_court_transfer(engine, order, "DP-OH-B", 100, "court 6", "r",
                                      "registrar-1", "c", NOW)  # fmt: skip
    assert proposed.transfer_id is not None
    done = approve_court_transfer(engine, proposed.transfer_id, "registrar-2", NOW)
    assert done.status == EXECUTED
    assert balances(engine, "DP-OH-B") == [Balance("DPEA-2016", 100, 0)]
    assert verify_registry(engine).ok
