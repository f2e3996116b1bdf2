"""Court-ordered transfers of frozen units (司法扣划): one regulator proposes, another approves.

A court that froze units may order them handed to a creditor. The regulator (the registry's
administrator) proposes a ``court_transfer`` of a quantity of a freeze order's units to the
account the court order names, with the order's reference; a second, different regulator
user approves, and serials the freeze order still holds (by the split rule) move from
the frozen-units account to that account in one transaction. No business hours, delay or
trusted list apply: the court decides, not the holder (docs/registry.md, "Court-ordered
transfers"). Every proposal is a row of ``court_transfers``; the executed transfer also a row
of ``freeze_reductions``, so the freeze order holds that much less.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import aliased

from tanshi.core.errors import TanshiError
from tanshi.core.moments import from_store, to_utc
from tanshi.registry import Movement, ResultCode, TransactionRequest, check_request
from tanshi.services import refusal_figures
from tanshi.services.registry import execute_in, lock_journal_head
from tanshi.services.registry_access import load_accounts, load_unit_classes
from tanshi.services.unit_freezes import (
    COURT_TRANSFER,
    frozen_against_asked,
    order_row,
    record_reduction,
    serials_to_move,
)
from tanshi.store.engine import reader
from tanshi.store.schema import (
    accounts,
    court_transfers,
    holdings,
    movement_blocks,
    movements,
    unit_classes,
    unit_freezes,
)

AWAITING, EXECUTED, FAILED, CANCELLED = "awaiting_approval", "executed", "failed", "cancelled"


@dataclass(frozen=True, slots=True)
class CourtTransferOutcome:
    """The proposal's id (None if refused before it was recorded), the result and its status;
    for a refusal, the figures behind it when there are some (``detail``: what the freeze
    order holds against what was asked, services/refusal_figures.py)."""

    transfer_id: int | None
    result: ResultCode
    status: str | None = None
    transaction_id: int | None = None
    replayed: bool = False
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CourtTransfer:
    """A court-ordered transfer as recorded, with the serials it moved once executed."""

    id: int
    freeze_id: int
    account: str
    unit_class: str
    destination: str
    quantity_units: int
    court_order_reference: str
    reason: str
    proposed_by: str
    proposed_at: datetime
    status: str
    result: str
    decided_by: str | None
    decided_at: datetime | None
    transaction_id: int | None
    blocks: tuple[tuple[int, int], ...]


def propose_court_transfer(
    engine: Engine, freeze_id: int, destination_code: str, quantity_units: int,
    court_order_reference: str, reason: str, proposed_by: str, idempotency_key: str,
    now: datetime,
) -> CourtTransferOutcome:  # fmt: skip
    """Propose moving ``quantity_units`` frozen under ``freeze_id`` to ``destination_code``.

    Checked now as the registry would execute it (the order holds that many, the destination
    may receive them); refused with that result code, recording nothing. The same key with
    the same proposal returns the first; raises FreezeOrderNotFound, or TanshiError for a
    closed order or a missing court order reference.
    """
    if not court_order_reference.strip() or not reason.strip():
        raise TanshiError("give the court order's reference and the reason")
    with engine.connect() as connection, connection.begin():
        lock_journal_head(connection)
        found = connection.execute(
            select(court_transfers).where(court_transfers.c.idempotency_key == idempotency_key)
        ).first()
        destination = connection.execute(
            select(accounts.c.id).where(accounts.c.code == destination_code)
        ).scalar()
        if found is not None:
            same = (found.freeze_id, found.destination_account_id, found.quantity_units,
                    found.court_order_reference, found.reason) == (
                freeze_id, destination, quantity_units, court_order_reference, reason)  # fmt: skip
            if not same:
                return CourtTransferOutcome(found.id, ResultCode.IDEMPOTENCY_KEY_REUSED)
            return CourtTransferOutcome(found.id, ResultCode.OK, found.status,
                                        found.transaction_id, replayed=True)  # fmt: skip
        order = order_row(connection, freeze_id)
        if order.released_at is not None:
            raise TanshiError(f"freeze order {freeze_id} is closed: nothing is frozen under it")
        if destination is None:
            return CourtTransferOutcome(None, ResultCode.UNKNOWN_ACCOUNT)
        plan = serials_to_move(connection, order, quantity_units)
        if isinstance(plan, ResultCode):
            said = frozen_against_asked(connection, order, quantity_units)
            return CourtTransferOutcome(None, plan, detail=said)
        request = _request(order, int(destination), plan[1], "court-transfer/check", now,
                           court_order_reference, reason)  # fmt: skip
        result = _dry_check(connection, request)
        if result is not ResultCode.OK:
            said = refusal_figures.figures(connection, request, result)
            return CourtTransferOutcome(None, result, detail=said)
        transfer_id = connection.execute(court_transfers.insert().values(
            idempotency_key=idempotency_key, freeze_id=freeze_id,
            destination_account_id=destination, quantity_units=quantity_units,
            court_order_reference=court_order_reference, reason=reason,
            proposed_by=proposed_by, proposed_at=to_utc(now), status=AWAITING,
            result=ResultCode.OK.value,
        ).returning(court_transfers.c.id)).scalar_one()  # fmt: skip
        return CourtTransferOutcome(int(transfer_id), ResultCode.OK, AWAITING)


def _request(
    order: Any, destination: int, serials: tuple[tuple[int, int], ...], key: str, now: datetime,
    reference: str, reason: str,
) -> TransactionRequest:  # fmt: skip
    quantity = sum(last - first + 1 for first, last in serials)
    return TransactionRequest(
        "court_transfer", key,
        (Movement(order.frozen_account_id, destination, order.unit_class_id, quantity, serials),),
        now, memo=f"court order {reference} (freeze order {order.id}): {reason}",
    )  # fmt: skip


def _dry_check(connection: Connection, request: TransactionRequest) -> ResultCode:
    """The registry's own checks of ``request`` against the state now, writing nothing."""
    [movement] = request.movements
    known = load_accounts(connection, (movement.from_account, movement.to_account))
    classes = load_unit_classes(connection, (movement.unit_class,))
    held = connection.execute(select(holdings.c.quantity_units).where(
        holdings.c.account_id == movement.from_account,
        holdings.c.unit_class_id == movement.unit_class)).scalar()  # fmt: skip
    key = (movement.from_account, movement.unit_class)
    return check_request(request, known, classes, {key: int(held or 0)})


def approve_court_transfer(
    engine: Engine, transfer_id: int, approved_by: str, now: datetime
) -> CourtTransferOutcome:
    """A second regulator approves: the transfer executes now, or fails with its result code.

    Refused, changing nothing, if no such proposal awaits approval or the approver proposed it.
    """
    with engine.connect() as connection, connection.begin():
        lock_journal_head(connection)
        row = connection.execute(
            select(court_transfers).where(court_transfers.c.id == transfer_id)
        ).first()
        if row is None:
            return CourtTransferOutcome(None, ResultCode.PROPOSAL_NOT_FOUND)
        if row.status != AWAITING:
            return CourtTransferOutcome(transfer_id, ResultCode.PROPOSAL_NOT_AWAITING_APPROVAL,
                                        row.status, row.transaction_id)  # fmt: skip
        if approved_by == row.proposed_by:
            return CourtTransferOutcome(
                transfer_id, ResultCode.APPROVER_MUST_DIFFER_FROM_INITIATOR, AWAITING
            )
        order = order_row(connection, row.freeze_id)
        plan = (ResultCode.INSUFFICIENT_UNITS if order.released_at is not None
                else serials_to_move(connection, order, int(row.quantity_units)))  # fmt: skip
        outcome = None
        said = frozen_against_asked(connection, order, int(row.quantity_units))
        if not isinstance(plan, ResultCode):
            quantity, serials, holding = plan
            request = _request(order, row.destination_account_id, serials,
                               f"court-transfer/{transfer_id}", now,
                               row.court_order_reference, row.reason)  # fmt: skip
            outcome = execute_in(connection, request)
            plan = outcome.result
            said = "" if outcome.ok else refusal_figures.figures(connection, request, plan)
        if outcome is None or not outcome.ok:
            assert isinstance(plan, ResultCode)
            _decide(connection, transfer_id, FAILED, plan, approved_by, now, None)
            return CourtTransferOutcome(transfer_id, plan, FAILED, detail=said)
        assert outcome.transaction_id is not None
        record_reduction(connection, order, COURT_TRANSFER, quantity, outcome.transaction_id,
                         approved_by, f"court order {row.court_order_reference}: {row.reason}",
                         now, closes=quantity == holding)  # fmt: skip
        _decide(connection, transfer_id, EXECUTED, ResultCode.OK, approved_by, now,
                outcome.transaction_id)  # fmt: skip
        return CourtTransferOutcome(transfer_id, ResultCode.OK, EXECUTED, outcome.transaction_id)


def cancel_court_transfer(
    engine: Engine, transfer_id: int, cancelled_by: str, now: datetime
) -> CourtTransferOutcome:
    """Withdraw a proposal that awaits approval (any regulator user, the proposer too)."""
    with engine.begin() as connection:
        row = connection.execute(
            select(court_transfers.c.status).where(court_transfers.c.id == transfer_id)
        ).first()
        if row is None:
            return CourtTransferOutcome(None, ResultCode.PROPOSAL_NOT_FOUND)
        if row.status != AWAITING:
            return CourtTransferOutcome(transfer_id, ResultCode.PROPOSAL_NOT_CANCELLABLE,
                                        row.status)  # fmt: skip
        _decide(connection, transfer_id, CANCELLED, ResultCode.OK, cancelled_by, now, None)
        return CourtTransferOutcome(transfer_id, ResultCode.OK, CANCELLED)


def _decide(
    connection: Connection, transfer_id: int, status: str, result: ResultCode, by: str,
    now: datetime, transaction_id: int | None,
) -> None:  # fmt: skip
    connection.execute(court_transfers.update().where(
        court_transfers.c.id == transfer_id, court_transfers.c.status == AWAITING,
    ).values(status=status, result=result.value, decided_by=by, decided_at=to_utc(now),
             transaction_id=transaction_id))  # fmt: skip


def court_transfers_of(
    engine: Engine, *, account_code: str | None = None, freeze_id: int | None = None,
    status: str | None = None, transfer_id: int | None = None,
) -> list[CourtTransfer]:  # fmt: skip
    """Court-ordered transfers, oldest first: of one account's freeze orders, of one order,
    in one status, or all."""
    holder, destination = aliased(accounts), aliased(accounts)
    query = (
        select(court_transfers, holder.c.code.label("account"),
               destination.c.code.label("destination"), unit_classes.c.code.label("unit_class"))
        .join(unit_freezes, unit_freezes.c.id == court_transfers.c.freeze_id)
        .join(holder, holder.c.id == unit_freezes.c.account_id)
        .join(destination, destination.c.id == court_transfers.c.destination_account_id)
        .join(unit_classes, unit_classes.c.id == unit_freezes.c.unit_class_id)
        .order_by(court_transfers.c.id)
    )  # fmt: skip
    if account_code is not None:
        query = query.where(holder.c.code == account_code)
    if freeze_id is not None:
        query = query.where(court_transfers.c.freeze_id == freeze_id)
    if status is not None:
        query = query.where(court_transfers.c.status == status)
    if transfer_id is not None:
        query = query.where(court_transfers.c.id == transfer_id)
    with reader(engine).connect() as connection:
        return [_transfer(connection, row) for row in connection.execute(query).all()]


def court_transfer(engine: Engine, transfer_id: int) -> CourtTransfer | None:
    """One court-ordered transfer, or None."""
    found = court_transfers_of(engine, transfer_id=transfer_id)
    return found[0] if found else None


def _transfer(connection: Connection, row: Any) -> CourtTransfer:
    blocks: tuple[tuple[int, int], ...] = ()
    if row.transaction_id is not None:
        blocks = tuple((int(f), int(t)) for f, t in connection.execute(
            select(movement_blocks.c.first_serial, movement_blocks.c.last_serial)
            .join(movements, movements.c.id == movement_blocks.c.movement_id)
            .where(movements.c.transaction_id == row.transaction_id)
            .order_by(movement_blocks.c.first_serial)))  # fmt: skip
    decided = None if row.decided_at is None else from_store(row.decided_at)
    return CourtTransfer(
        row.id, row.freeze_id, row.account, row.unit_class, row.destination,
        int(row.quantity_units), row.court_order_reference, row.reason, row.proposed_by,
        from_store(row.proposed_at), row.status, row.result, row.decided_by, decided,
        row.transaction_id, blocks,
    )  # fmt: skip
