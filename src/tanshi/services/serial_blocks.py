"""Serial blocks in the database: issuing, taking and giving serials by the split rule.

The rule itself is pure (``tanshi.registry.serials``); these functions apply it to
``unit_blocks`` inside the registry write that ``services.registry.execute_in`` runs.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select

from tanshi.registry import Account, TransactionRequest
from tanshi.registry.serials import Range, split_in_order, take
from tanshi.store.schema import unit_blocks, unit_classes

_NEXT_SERIAL = select(unit_classes.c.next_serial).where(
    unit_classes.c.id == bindparam("unit_class")
)
_ADVANCE_SERIAL = (
    unit_classes.update()
    .where(unit_classes.c.id == bindparam("unit_class"))
    .values(next_serial=unit_classes.c.next_serial + bindparam("quantity"))
)
_HELD_BLOCKS = (
    select(unit_blocks.c.id, unit_blocks.c.first_serial, unit_blocks.c.last_serial)
    .where(
        unit_blocks.c.account_id == bindparam("account"),
        unit_blocks.c.unit_class_id == bindparam("unit_class"),
    )
    .order_by(unit_blocks.c.first_serial)
)
_BLOCK_ENDING = select(unit_blocks.c.id, unit_blocks.c.first_serial).where(
    unit_blocks.c.unit_class_id == bindparam("unit_class"),
    unit_blocks.c.account_id == bindparam("account"),
    unit_blocks.c.last_serial == bindparam("serial"),
)
_BLOCK_STARTING = select(unit_blocks.c.id, unit_blocks.c.last_serial).where(
    unit_blocks.c.unit_class_id == bindparam("unit_class"),
    unit_blocks.c.account_id == bindparam("account"),
    unit_blocks.c.first_serial == bindparam("serial"),
)
_DELETE_BLOCK = unit_blocks.delete().where(unit_blocks.c.id == bindparam("block"))
_SHRINK_BLOCK = (
    unit_blocks.update()
    .where(unit_blocks.c.id == bindparam("block"))
    .values(first_serial=bindparam("first"))
)
_INSERT_BLOCK = unit_blocks.insert()


def serials_taken(
    connection: Connection, request: TransactionRequest, known_accounts: dict[int, Account]
) -> list[list[Range]]:
    """The serials each movement takes from its source, by the split rule.

    Movements from one source and class are served from one take, in request order, so a
    bulk allocation splits the source's block once instead of once per movement.
    """
    groups: dict[tuple[int, int], list[int]] = {}
    for index, m in enumerate(request.movements):
        if m.serials is None:
            groups.setdefault((m.from_account, m.unit_class), []).append(index)
    taken: dict[int, list[Range]] = {}
    for (source, unit_class), indexes in groups.items():
        quantities = [request.movements[i].quantity_units for i in indexes]
        if known_accounts[source].allows_negative:
            pool = _issue_serials(connection, unit_class, sum(quantities))
        else:
            pool = _take_serials(connection, source, unit_class, sum(quantities))
        for index, ranges in zip(indexes, split_in_order(pool, quantities), strict=True):
            taken[index] = ranges
    for index, m in enumerate(request.movements):
        if m.serials is not None:
            taken[index] = _take_these_serials(connection, m.from_account, m.unit_class, m.serials)
    return [taken[index] for index in range(len(request.movements))]


def named_serials_held(connection: Connection, request: TransactionRequest) -> bool:
    """Whether every explicitly named serial range lies inside a block its source holds."""
    for m in request.movements:
        if m.serials is None:
            continue
        rows = connection.execute(
            _HELD_BLOCKS, {"account": m.from_account, "unit_class": m.unit_class}
        ).all()
        for first, last in m.serials:
            if not any(row.first_serial <= first and last <= row.last_serial for row in rows):
                return False
    return True


def _take_these_serials(
    connection: Connection, account: int, unit_class: int, named: tuple[tuple[int, int], ...]
) -> list[Range]:
    """Remove exactly the named ranges from an account's blocks (checked to be held)."""
    for first, last in named:
        rows = connection.execute(_HELD_BLOCKS, {"account": account, "unit_class": unit_class})
        block = next(r for r in rows if r.first_serial <= first and last <= r.last_serial)
        connection.execute(_DELETE_BLOCK, {"block": block.id})
        for start, end in ((block.first_serial, first - 1), (last + 1, block.last_serial)):
            if start <= end:
                connection.execute(_INSERT_BLOCK, {"account_id": account, "unit_class_id": unit_class,
                                                   "first_serial": start, "last_serial": end})  # fmt: skip
    return [Range(first, last) for first, last in sorted(named)]


def _issue_serials(connection: Connection, unit_class: int, quantity: int) -> list[Range]:
    """New serials for an issuance: the next ``quantity`` numbers of the class."""
    first = int(connection.execute(_NEXT_SERIAL, {"unit_class": unit_class}).scalar_one())
    connection.execute(_ADVANCE_SERIAL, {"unit_class": unit_class, "quantity": quantity})
    return [Range(first, first + quantity - 1)]


def _take_serials(
    connection: Connection, account: int, unit_class: int, quantity: int
) -> list[Range]:
    """Remove ``quantity`` serials from an account by the split rule (registry/serials.py)."""
    rows = connection.execute(_HELD_BLOCKS, {"account": account, "unit_class": unit_class}).all()
    moved, _ = take([Range(row.first_serial, row.last_serial) for row in rows], quantity)
    last_moved = moved[-1].end
    for row in rows:
        if row.last_serial <= last_moved:
            connection.execute(_DELETE_BLOCK, {"block": row.id})
        elif row.first_serial <= last_moved:
            connection.execute(_SHRINK_BLOCK, {"block": row.id, "first": last_moved + 1})
        else:
            break
    return moved


def give_serials(
    connection: Connection, account: int, unit_class: int, ranges: list[Range]
) -> None:
    """Add serials to an account, merging each range with the blocks next to it."""
    for block in ranges:
        key = {"account": account, "unit_class": unit_class}
        first, last = block.start, block.end
        left = connection.execute(_BLOCK_ENDING, {**key, "serial": first - 1}).first()
        if left is not None:
            connection.execute(_DELETE_BLOCK, {"block": left.id})
            first = left.first_serial
        right = connection.execute(_BLOCK_STARTING, {**key, "serial": last + 1}).first()
        if right is not None:
            connection.execute(_DELETE_BLOCK, {"block": right.id})
            last = right.last_serial
        connection.execute(
            _INSERT_BLOCK,
            {"account_id": account, "unit_class_id": unit_class, "first_serial": first,
             "last_serial": last},
        )  # fmt: skip
