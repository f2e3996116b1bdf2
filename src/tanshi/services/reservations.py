"""Setting units and funds aside for trading, and giving back what did not trade.

A seller's reserved units move into the exchange's clearing account (registry type
``trading_reservation``), so the registry itself stops them being transferred or surrendered
until they are sold or released; ``unit_reservations`` records whose they are. A buyer's
reserved funds move into the clearing cash account; ``funds_reservations`` records whose.
Every call is idempotent under its key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from tanshi.core.issues import Issue
from tanshi.core.moments import to_utc
from tanshi.market.cash import CashEntryKind, CashMovement, CashRequest
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import cash
from tanshi.services.clearing import (
    Exchange,
    Refused,
    atomically,
    cash_step,
    exchange_in,
    member_accounts,
    registry_step,
    unit_class_by_code,
)
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.registry import execute_in
from tanshi.store.schema import (
    cash_entries,
    cash_movements,
    funds_reservations,
    movements,
    transactions,
    unit_reservations,
)


def reserve_units_in(
    connection: Connection, ex: Exchange, seller: int, unit_class: int, quantity: int,
    key: str, now: datetime, memo: str | None = None,
) -> int:  # fmt: skip
    """Set ``quantity`` units of ``seller``'s aside under ``key`` (once); ``memo`` says what
    for (an order names itself: side, quantity, price, venue), by default trading under the key."""
    existing = connection.execute(
        select(unit_reservations).where(unit_reservations.c.idempotency_key == key)
    ).first()
    if existing is not None:
        if (existing.account_id, existing.unit_class_id, existing.quantity_units) != (
            seller,
            unit_class,
            quantity,
        ):
            raise Refused([Issue("idempotency_key_reused_with_different_request",
                                  "this reservation key was used for another reservation",
                                  key)])  # fmt: skip
        return int(existing.id)
    transaction = registry_step(
        connection,
        TransactionRequest("trading_reservation", f"reserve/{key}",
                           (Movement(seller, ex.clearing_account, unit_class, quantity),), now,
                           memo=memo or f"units set aside for trading ({key})"),
        f"reservation {key}",
    )  # fmt: skip
    return int(
        connection.execute(
            unit_reservations.insert()
            .values(idempotency_key=key, account_id=seller, unit_class_id=unit_class,
                    quantity_units=quantity, open_units=quantity, transaction_id=transaction,
                    reserved_at=to_utc(now))
            .returning(unit_reservations.c.id)
        ).scalar_one()
    )  # fmt: skip


def reserve_funds_in(
    connection: Connection, ex: Exchange, buyer_cash: int, amount_fen: int, key: str,
    now: datetime, memo: str | None = None,
) -> int:  # fmt: skip
    """Set ``amount_fen`` aside from ``buyer_cash`` under ``key`` (once); ``memo`` says what
    for, by default trading under the key."""
    existing = connection.execute(
        select(funds_reservations).where(funds_reservations.c.idempotency_key == key)
    ).first()
    if existing is not None:
        if (existing.cash_account_id, existing.amount_fen) != (buyer_cash, amount_fen):
            raise Refused([Issue("idempotency_key_reused_with_different_request",
                                  "this reservation key was used for another reservation",
                                  key)])  # fmt: skip
        return int(existing.id)
    entry = cash_step(
        connection,
        CashRequest(CashEntryKind.FUNDS_RESERVATION, f"reserve/{key}",
                    (CashMovement(buyer_cash, ex.clearing_cash, amount_fen),), now,
                    memo or f"funds set aside for trading ({key})"),
    )  # fmt: skip
    return int(
        connection.execute(
            funds_reservations.insert()
            .values(idempotency_key=key, cash_account_id=buyer_cash, amount_fen=amount_fen,
                    open_fen=amount_fen, cash_entry_id=entry, reserved_at=to_utc(now))
            .returning(funds_reservations.c.id)
        ).scalar_one()
    )  # fmt: skip


def reserve_units(
    engine: Engine, jurisdiction: Jurisdiction, seller: str, unit_class: str, quantity: int,
    key: str, now: datetime, memo: str | None = None,
) -> tuple[int | None, list[Issue]]:  # fmt: skip
    """Set aside ``quantity`` units of the seller's for a sell order; returns the reservation.

    The units move to the clearing account now, so they cannot be transferred or surrendered
    until they are sold or released. The same key again returns the same reservation.
    """

    def work(connection: Connection) -> int:
        ex = exchange_in(connection, jurisdiction)
        (seller_id,) = member_accounts(connection, ex.jurisdiction, [seller], f"reservation {key}")
        class_id = unit_class_by_code(connection, unit_class)
        if class_id is None:
            raise Refused([Issue("unknown_unit_class", f"no unit class {unit_class}", key)])
        return reserve_units_in(connection, ex, seller_id, class_id, quantity, key, now, memo)

    return atomically(engine, work)


def reserve_funds(
    engine: Engine, jurisdiction: Jurisdiction, buyer: str, amount_fen: int, key: str,
    now: datetime, memo: str | None = None,
) -> tuple[int | None, list[Issue]]:  # fmt: skip
    """Set aside ``amount_fen`` of the buyer's money for a buy order (see ``funds_needed``);
    ``memo`` as ``reserve_funds_in``'s."""

    def work(connection: Connection) -> int:
        ex = exchange_in(connection, jurisdiction)
        member_accounts(connection, ex.jurisdiction, [buyer], f"reservation {key}")
        buyer_cash = cash.participant_account(connection, buyer, ex.currency)
        return reserve_funds_in(connection, ex, buyer_cash, amount_fen, key, now, memo)

    return atomically(engine, work)


def open_unit_reservations(
    connection: Connection, account: int, unit_class: int
) -> list[tuple[str, int]]:
    """The account's reservations of a unit class with units still open: (key, open units)."""
    rows = connection.execute(
        select(unit_reservations.c.idempotency_key, unit_reservations.c.open_units)
        .where(unit_reservations.c.account_id == account,
               unit_reservations.c.unit_class_id == unit_class,
               unit_reservations.c.open_units > 0)
        .order_by(unit_reservations.c.id)
    ).all()  # fmt: skip
    return [(str(key), int(units)) for key, units in rows]


def locked(connection: Connection, table: Table, key: str) -> Any:
    query = select(table).where(table.c.idempotency_key == key)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        raise Refused([Issue("unknown_reservation", f"no reservation {key}", key)])
    return row


def _same_holder(released_to: int, holder: int, release_key: str) -> None:
    if released_to != holder:
        raise Refused([Issue("idempotency_key_reused_with_different_request",
                             "this release key was used to release another reservation",
                             release_key)])  # fmt: skip


def release_units(
    engine: Engine, jurisdiction: Jurisdiction, key: str, quantity: int | None,
    release_key: str, now: datetime, memo: str | None = None,
) -> tuple[int | None, list[Issue]]:  # fmt: skip
    """Give back ``quantity`` (default: all) open units of reservation ``key`` to the seller;
    ``memo`` says what was given back (by default the reservation's key).

    Returns the units released; calling again with the same ``release_key`` returns what
    the first call released and moves nothing.
    """

    def work(connection: Connection) -> int:
        ex = exchange_in(connection, jurisdiction)
        row = locked(connection, unit_reservations, key)
        previous = connection.execute(
            select(movements.c.quantity_units, movements.c.to_account_id)
            .join(transactions)
            .where(transactions.c.idempotency_key == f"release/{release_key}")
        ).first()
        if previous is not None:  # a retry: the first release stands
            _same_holder(previous.to_account_id, row.account_id, release_key)
            return int(previous.quantity_units)
        amount = row.open_units if quantity is None else quantity
        if not 0 < amount <= row.open_units:
            raise Refused([Issue("release_exceeds_open_units",
                                  f"reservation {key} has {row.open_units} open units; release "
                                  f"1 to that many, not {amount}", key)])  # fmt: skip
        outcome = execute_in(
            connection,
            TransactionRequest("trading_release", f"release/{release_key}",
                               (Movement(ex.clearing_account, row.account_id,
                                         row.unit_class_id, amount),), now,
                               memo=memo or f"units of reservation {key} given back"),
        )  # fmt: skip
        if not outcome.ok:
            raise Refused([Issue(outcome.result.value, "the registry refused the release", key)])
        if not outcome.replayed:
            connection.execute(
                unit_reservations.update()
                .where(unit_reservations.c.id == row.id)
                .values(open_units=unit_reservations.c.open_units - amount)
            )
        return int(amount)

    return atomically(engine, work)


def release_funds(
    engine: Engine, jurisdiction: Jurisdiction, key: str, amount_fen: int | None,
    release_key: str, now: datetime, memo: str | None = None,
) -> tuple[int | None, list[Issue]]:  # fmt: skip
    """Give back ``amount_fen`` (default: all) open funds of reservation ``key``; ``memo``
    as ``release_units``'s."""

    def work(connection: Connection) -> int:
        ex = exchange_in(connection, jurisdiction)
        row = locked(connection, funds_reservations, key)
        previous = connection.execute(
            select(cash_movements.c.amount_fen, cash_movements.c.to_cash_account_id)
            .join(cash_entries)
            .where(cash_entries.c.idempotency_key == f"release/{release_key}")
        ).first()
        if previous is not None:  # a retry: the first release stands
            _same_holder(previous.to_cash_account_id, row.cash_account_id, release_key)
            return int(previous.amount_fen)
        amount = row.open_fen if amount_fen is None else amount_fen
        if not 0 < amount <= row.open_fen:
            raise Refused([Issue("release_exceeds_open_funds",
                                  f"reservation {key} has {row.open_fen} fen open; release 1 "
                                  f"to that many, not {amount}", key)])  # fmt: skip
        outcome = cash.post_in(
            connection,
            CashRequest(CashEntryKind.FUNDS_RELEASE, f"release/{release_key}",
                        (CashMovement(ex.clearing_cash, row.cash_account_id, amount),), now,
                        memo or f"funds of reservation {key} given back"),
        )  # fmt: skip
        if not outcome.ok:
            raise Refused(list(outcome.issues))
        if not outcome.replayed:
            connection.execute(
                funds_reservations.update()
                .where(funds_reservations.c.id == row.id)
                .values(open_fen=funds_reservations.c.open_fen - amount)
            )
        return int(amount)

    return atomically(engine, work)
