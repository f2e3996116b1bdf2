"""Reading freeze orders: each with its serials and reductions, and what is frozen in an account.

A freeze order (``services.unit_freezes``) reads back with the serials it froze, those it
still holds and every reduction since (a release, or a court-ordered transfer); an account's
balances split each unit class into what it may use and what is frozen in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from tanshi.core.moments import from_store
from tanshi.registry.accounts import frozen_units_account_code
from tanshi.services.unit_freezes import account_of, moved_blocks, still_frozen
from tanshi.store.engine import reader
from tanshi.store.schema import accounts, freeze_reductions, holdings, unit_classes, unit_freezes


@dataclass(frozen=True, slots=True)
class FreezeReduction:
    """Units that left a freeze order: released back to the account, or transferred by court."""

    kind: str
    quantity_units: int
    transaction_id: int
    made_by: str
    reason: str
    made_at: datetime
    blocks: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class FreezeOrder:
    """A freeze as recorded: what, how many, why, by whom, and its release if any."""

    id: int
    account: str
    unit_class: str
    quantity_units: int
    order_reference: str
    reason: str
    ordered_by: str
    frozen_at: datetime
    blocks: tuple[tuple[int, int], ...]
    released_at: datetime | None
    released_by: str | None
    release_reason: str | None
    frozen_units: int = 0  # still frozen under the order
    frozen_blocks: tuple[tuple[int, int], ...] = ()
    reductions: tuple[FreezeReduction, ...] = ()


@dataclass(frozen=True, slots=True)
class Balance:
    """Units of one class an account may use, and those frozen in it."""

    unit_class: str
    available_units: int
    frozen_units: int

    @property
    def total_units(self) -> int:
        return self.available_units + self.frozen_units


def freeze_orders(engine: Engine, account_code: str) -> list[FreezeOrder]:
    """Every freeze order of an account, oldest first, with the serials each froze."""
    with reader(engine).connect() as connection:
        account, _ = account_of(connection, account_code)
        rows = connection.execute(
            select(unit_freezes, unit_classes.c.code.label("class_code"))
            .join(unit_classes, unit_classes.c.id == unit_freezes.c.unit_class_id)
            .where(unit_freezes.c.account_id == account.id)
            .order_by(unit_freezes.c.id)
        ).all()
        return [_order(connection, account.code, row) for row in rows]


def freeze_order(engine: Engine, freeze_id: int) -> FreezeOrder | None:
    """One freeze order, or None."""
    with reader(engine).connect() as connection:
        row = connection.execute(
            select(unit_freezes, unit_classes.c.code.label("class_code"), accounts.c.code)
            .join(unit_classes, unit_classes.c.id == unit_freezes.c.unit_class_id)
            .join(accounts, accounts.c.id == unit_freezes.c.account_id)
            .where(unit_freezes.c.id == freeze_id)
        ).first()
        return None if row is None else _order(connection, row.code, row)


def _order(connection: Connection, account_code: str, row: Any) -> FreezeOrder:
    released = None if row.released_at is None else from_store(row.released_at)
    held = still_frozen(connection, row)
    reductions = tuple(
        FreezeReduction(r.kind, int(r.quantity_units), r.transaction_id, r.made_by, r.reason,
                        from_store(r.made_at), moved_blocks(connection, r.transaction_id))
        for r in connection.execute(select(freeze_reductions).where(
            freeze_reductions.c.freeze_id == row.id).order_by(freeze_reductions.c.id))
    )  # fmt: skip
    return FreezeOrder(
        row.id, account_code, row.class_code, int(row.quantity_units), row.order_reference,
        row.reason, row.ordered_by, from_store(row.frozen_at),
        moved_blocks(connection, row.freeze_transaction_id), released, row.released_by,
        row.release_reason, sum(block.size for block in held),
        tuple((block.start, block.end) for block in held), reductions,
    )  # fmt: skip


def balances(engine: Engine, account_code: str) -> list[Balance]:
    """Per unit class: what the account may use and what is frozen in it (zeros left out)."""
    with reader(engine).connect() as connection:
        account, _ = account_of(connection, account_code)
        frozen_code = frozen_units_account_code(account)
        rows = connection.execute(
            select(unit_classes.c.code, accounts.c.code, func.sum(holdings.c.quantity_units))
            .join(holdings, holdings.c.account_id == accounts.c.id)
            .join(unit_classes, unit_classes.c.id == holdings.c.unit_class_id)
            .where(accounts.c.code.in_([account.code, frozen_code]))
            .group_by(unit_classes.c.code, accounts.c.code)
        ).all()
    found: dict[str, list[int]] = {}
    for class_code, code, quantity in rows:
        found.setdefault(class_code, [0, 0])[code == frozen_code] += int(quantity)
    return [
        Balance(code, available, frozen)
        for code, (available, frozen) in sorted(found.items())
        if available or frozen
    ]
