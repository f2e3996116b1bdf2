"""Freezing a quantity of units (or named serials) of an account by order, and releasing it.

A freeze moves the units to the account's own frozen-units account (``DP-FZ-<id>``, opened
on the first freeze) with a ``freeze`` transaction, so the journal and its hash chain record
it and nothing can transfer or surrender them; the order is a row of ``unit_freezes``. The
release moves the very same serials back (``unfreeze``). What an account holds is then
available (its own holding) plus frozen (its frozen-units account); the orders and balances
are read by ``unit_freeze_reads``.

A release may give back part of an order (``quantity_units``): serials the order still
holds go back by the registry's split rule (its largest block first), and the order keeps the
rest frozen. Each
release, and each court-ordered transfer out of the order (``services.court_transfers``), is
its own transaction and a row of ``freeze_reductions``; the order is closed (``released_at``)
when nothing is left in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from tanshi.core.errors import StepRefused
from tanshi.core.issues import Issue
from tanshi.core.moments import to_utc
from tanshi.registry import Account, AccountKind, Movement, ResultCode, TransactionRequest
from tanshi.registry.accounts import allows_negative, frozen_units_account_code
from tanshi.registry.serials import Range, take, without
from tanshi.services import refusal_figures
from tanshi.services.registry import balance, execute_in, lock_journal_head
from tanshi.services.registry_access import account_from_row
from tanshi.services.reservations import open_unit_reservations
from tanshi.store.schema import (
    accounts,
    freeze_reductions,
    movement_blocks,
    movements,
    transactions,
    unit_classes,
    unit_freezes,
)

RELEASE, COURT_TRANSFER = "release", "court_transfer"


def _refused(code: str, template: str, /, **params: object) -> StepRefused:
    return StepRefused(Issue.of(code, template, **params))


class FreezeOrderNotFound(StepRefused):
    """No freeze order has that id."""


@dataclass(frozen=True, slots=True)
class FreezeOutcome:
    """The order's id (None if refused), the registry's result, and whether it was a replay."""

    freeze_id: int | None
    result: ResultCode
    transaction_id: int | None = None
    replayed: bool = False
    detail: str = ""  # what to do about a refusal, with the figures, when there is more to say


def account_of(connection: Connection, code: str) -> tuple[Account, int | None]:
    """The registry account ``code`` and its company's id; TanshiError if there is none."""
    row = connection.execute(
        select(accounts.c.id, accounts.c.code, accounts.c.kind, accounts.c.status,
               accounts.c.holder, accounts.c.company_id).where(accounts.c.code == code)
    ).first()  # fmt: skip
    if row is None:
        raise StepRefused(
            Issue.of("unknown_account", "no registry account {code}", "account", code=code)
        )
    return account_from_row(row), row.company_id


def _frozen_account(connection: Connection, account: Account, company_id: int | None) -> int:
    """The account's frozen-units account, opened with the same holder if it has none."""
    code = frozen_units_account_code(account)
    found = connection.execute(select(accounts.c.id).where(accounts.c.code == code)).scalar()
    if found is not None:
        return int(found)
    kind = AccountKind.FROZEN_UNITS
    place = connection.execute(
        select(accounts.c.jurisdiction_id).where(accounts.c.id == account.id)
    ).scalar_one()  # the frozen units stay in the account's jurisdiction
    return int(connection.execute(
        accounts.insert().values(
            code=code, jurisdiction_id=place, kind=kind.value, status="open",
            holder=account.holder,
            company_id=company_id, allows_negative=allows_negative(kind),
        ).returning(accounts.c.id)
    ).scalar_one())  # fmt: skip


def _unit_class(connection: Connection, code: str) -> int:
    found = connection.execute(
        select(unit_classes.c.id).where(unit_classes.c.code == code)
    ).scalar()
    if found is None:
        raise StepRefused(Issue.of("unknown_unit_class", "no unit class {code}; give a code "
                                   "such as DPEA-2016", "unit_class", code=code))  # fmt: skip
    return int(found)


def freeze_units(
    engine: Engine, account_code: str, unit_class_code: str, quantity_units: int,
    order_reference: str, reason: str, ordered_by: str, idempotency_key: str, now: datetime,
    *, serials: tuple[tuple[int, int], ...] | None = None,
) -> FreezeOutcome:  # fmt: skip
    """Freeze ``quantity_units`` of a class in an account (by the split rule, or ``serials``).

    Refused with the registry's result code when the account does not hold them (or those
    serials), or its status forbids it; nothing is written then. The same key again returns
    the first freeze.
    """
    if not order_reference.strip() or not reason.strip():
        raise _refused("order_reference_required",
                       "give the order's reference (e.g. the court ruling) and the reason")  # fmt: skip
    with engine.connect() as connection, connection.begin() as transaction:
        lock_journal_head(connection)
        account, company_id = account_of(connection, account_code)
        unit_class = _unit_class(connection, unit_class_code)
        frozen = _frozen_account(connection, account, company_id)
        request = TransactionRequest(
            "freeze", idempotency_key,
            (Movement(account.id, frozen, unit_class, quantity_units, serials),), now,
            memo=f"order {order_reference}: {reason}",
        )  # fmt: skip
        outcome = execute_in(connection, request)
        if not outcome.ok:
            blocked = _reserved_refusal(connection, account, unit_class, unit_class_code,
                                        quantity_units, outcome.result)  # fmt: skip
            said = refusal_figures.figures(connection, request, outcome.result)
            transaction.rollback()  # not even the frozen-units account stays
            return blocked or FreezeOutcome(None, outcome.result, detail=said)
        if outcome.replayed:
            found = connection.execute(
                select(unit_freezes.c.id).where(
                    unit_freezes.c.freeze_transaction_id == outcome.transaction_id
                )
            ).scalar()
            return FreezeOutcome(found, ResultCode.OK, outcome.transaction_id, replayed=True)
        freeze_id = connection.execute(unit_freezes.insert().values(
            account_id=account.id, frozen_account_id=frozen, unit_class_id=unit_class,
            quantity_units=quantity_units, order_reference=order_reference, reason=reason,
            ordered_by=ordered_by, frozen_at=to_utc(now),
            freeze_transaction_id=outcome.transaction_id,
        ).returning(unit_freezes.c.id)).scalar_one()  # fmt: skip
        return FreezeOutcome(int(freeze_id), ResultCode.OK, outcome.transaction_id)


def _reserved_refusal(
    connection: Connection, account: Account, unit_class: int, class_code: str, quantity: int,
    result: ResultCode,
) -> FreezeOutcome | None:  # fmt: skip
    """The refusal naming the sell orders' reservations when they hold the units a freeze
    lacks: a freeze does not reach into the exchange's clearing account (docs/registry.md)."""
    if result is not ResultCode.INSUFFICIENT_UNITS:
        return None
    waiting = open_unit_reservations(connection, account.id, unit_class)
    reserved = sum(units for _, units in waiting)
    held = balance(connection, account.id, unit_class)
    if not waiting or held + reserved < quantity:
        return None
    keys = ", ".join(key for key, _ in waiting)
    return FreezeOutcome(None, ResultCode.UNITS_RESERVED_FOR_SELL_ORDERS, detail=(
        f"{account.code} holds {held} t of {class_code}; {reserved} t more wait in the "
        f"exchange's clearing account for its sell orders (reservations {keys}). Have the "
        f"exchange cancel those orders so the units come back, then freeze again; or freeze "
        f"at most {held} t now."))  # fmt: skip


def moved_blocks(connection: Connection, transaction_id: int) -> tuple[tuple[int, int], ...]:
    """The serial blocks (first, last) a registry transaction moved."""
    rows = connection.execute(
        select(movement_blocks.c.first_serial, movement_blocks.c.last_serial)
        .join(movements, movements.c.id == movement_blocks.c.movement_id)
        .where(movements.c.transaction_id == transaction_id)
        .order_by(movement_blocks.c.first_serial)
    ).all()
    return tuple((int(first), int(last)) for first, last in rows)


def order_row(connection: Connection, freeze_id: int) -> Any:
    """The stored freeze order; FreezeOrderNotFound if there is none."""
    order = connection.execute(select(unit_freezes).where(unit_freezes.c.id == freeze_id)).first()
    if order is None:
        raise FreezeOrderNotFound(Issue.of("freeze_order_not_found", "no freeze order {id}",
                                           id=freeze_id))  # fmt: skip
    return order


def still_frozen(connection: Connection, order: Any) -> list[Range]:
    """The serials the order still holds: what it froze less what has left it since."""
    froze = [Range(f, t) for f, t in moved_blocks(connection, order.freeze_transaction_id)]
    gone = connection.execute(
        select(movement_blocks.c.first_serial, movement_blocks.c.last_serial)
        .join(movements, movements.c.id == movement_blocks.c.movement_id)
        .join(freeze_reductions, freeze_reductions.c.transaction_id == movements.c.transaction_id)
        .where(freeze_reductions.c.freeze_id == order.id)
    ).all()
    return without(froze, [Range(int(f), int(t)) for f, t in gone])


def serials_to_move(
    connection: Connection, order: Any, quantity: int | None
) -> tuple[int, tuple[tuple[int, int], ...], int] | ResultCode:
    """How many units leave the order (all that is left when ``quantity`` is None), which
    serials (of those it still holds, by the split rule), and how many it holds now."""
    held = still_frozen(connection, order)
    holding = sum(block.size for block in held)
    wanted = holding if quantity is None else quantity
    if wanted <= 0:
        return ResultCode.QUANTITY_MUST_BE_POSITIVE
    if wanted > holding:
        return ResultCode.INSUFFICIENT_UNITS
    moved, _ = take(held, wanted)
    return wanted, tuple((block.start, block.end) for block in moved), holding


def frozen_against_asked(connection: Connection, order: Any, asked: int | None) -> str:
    """``freeze order 3 holds 1,000 frozen units of DPEA-2016, 5,000 are asked``: the figures
    of a release or a court transfer of more than the order still holds (empty when it holds
    that many, or when all it holds is asked)."""
    holding = sum(block.size for block in still_frozen(connection, order))
    if asked is None or asked <= holding:
        return ""
    unit_class = refusal_figures.unit_class_code(connection, order.unit_class_id)
    return (f"freeze order {order.id} holds {holding:,} frozen units of {unit_class}, "
            f"{asked:,} are asked")  # fmt: skip


def replay_of(
    connection: Connection, key: str, freeze_id: int, kind: str, quantity: int | None
) -> FreezeOutcome | None:
    """The first outcome if ``key`` already released (or transferred) units of this order
    the same way; ``idempotency_key_reused…`` if it did something else; None if unused."""
    transaction_id = connection.execute(
        select(transactions.c.id).where(transactions.c.idempotency_key == key)
    ).scalar()
    if transaction_id is None:
        return None
    row = connection.execute(
        select(freeze_reductions).where(freeze_reductions.c.transaction_id == transaction_id)
    ).first()
    if (
        row is None or row.freeze_id != freeze_id or row.kind != kind
        or (quantity is not None and int(row.quantity_units) != quantity)
    ):  # fmt: skip
        return FreezeOutcome(freeze_id, ResultCode.IDEMPOTENCY_KEY_REUSED)
    return FreezeOutcome(freeze_id, ResultCode.OK, int(transaction_id), replayed=True)


def record_reduction(
    connection: Connection, order: Any, kind: str, quantity: int, transaction_id: int,
    made_by: str, reason: str, now: datetime, *, closes: bool,
) -> None:  # fmt: skip
    """Note what left the order; close the order when nothing is left in it."""
    connection.execute(freeze_reductions.insert().values(
        freeze_id=order.id, kind=kind, quantity_units=quantity, transaction_id=transaction_id,
        made_by=made_by, reason=reason, made_at=to_utc(now),
    ))  # fmt: skip
    if closes:
        connection.execute(unit_freezes.update().where(unit_freezes.c.id == order.id).values(
            released_at=to_utc(now), released_by=made_by, release_reason=reason,
            release_transaction_id=transaction_id,
        ))  # fmt: skip


def release_freeze(
    engine: Engine, freeze_id: int, released_by: str, reason: str, now: datetime,
    *, quantity_units: int | None = None, idempotency_key: str | None = None,
) -> FreezeOutcome:  # fmt: skip
    """Lift a freeze order, or ``quantity_units`` of it: serials it still holds go back to
    the account by the split rule (all of them by default); the order keeps the rest frozen.

    Each release is its own ``unfreeze`` transaction under ``idempotency_key`` (needed for a
    partial release; a whole release defaults to ``unfreeze-of/<order>``): the same key again
    returns the first release. Raises FreezeOrderNotFound, or TanshiError for an order
    already closed; refused with a result code for more than the order holds, or if the
    account cannot receive them now (closed, say).
    """
    if not reason.strip():
        raise _refused("reason_required",
                       "give the reason for lifting the freeze (e.g. the court's ruling)")  # fmt: skip
    if quantity_units is not None and idempotency_key is None:
        raise _refused("idempotency_key_required",
                       "a partial release needs its own idempotency key")  # fmt: skip
    key = idempotency_key or f"unfreeze-of/{freeze_id}"
    with engine.connect() as connection, connection.begin() as transaction:
        lock_journal_head(connection)
        order = order_row(connection, freeze_id)
        if idempotency_key is not None and (
            replayed := replay_of(connection, key, freeze_id, RELEASE, quantity_units)
        ):
            return replayed
        if order.released_at is not None:
            raise _refused("freeze_order_released", "freeze order {id} was already released",
                           id=freeze_id)  # fmt: skip
        plan = serials_to_move(connection, order, quantity_units)
        if isinstance(plan, ResultCode):
            said = frozen_against_asked(connection, order, quantity_units)
            return FreezeOutcome(freeze_id, plan, detail=said)
        quantity, serials, holding = plan
        memo = (f"order {order.order_reference} lifted: {reason}" if quantity == holding
                else f"order {order.order_reference}, {quantity} t released: {reason}")  # fmt: skip
        request = TransactionRequest(
            "unfreeze", key,
            (Movement(order.frozen_account_id, order.account_id, order.unit_class_id, quantity,
                      serials),), now, memo=memo,
        )  # fmt: skip
        outcome = execute_in(connection, request)
        if not outcome.ok:
            said = refusal_figures.figures(connection, request, outcome.result)
            transaction.rollback()
            return FreezeOutcome(freeze_id, outcome.result, detail=said)
        assert outcome.transaction_id is not None
        record_reduction(connection, order, RELEASE, quantity, outcome.transaction_id,
                         released_by, reason, now, closes=quantity == holding)  # fmt: skip
        return FreezeOutcome(freeze_id, ResultCode.OK, outcome.transaction_id, outcome.replayed)
