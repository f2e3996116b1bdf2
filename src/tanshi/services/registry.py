"""Executing registry transactions atomically against the database.

Each transaction runs in one database transaction: the holdings it debits are locked (row
locks in a fixed order on PostgreSQL; SQLite's BEGIN IMMEDIATE takes the write lock), the
pure ``check_request`` decides, and only then are the journal rows and holdings written.
A rejected request writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from tanshi.registry import (
    Account,
    AccountKind,
    AccountStatus,
    ResultCode,
    TransactionRequest,
    UnitClass,
    check_request,
    postings,
)
from tanshi.registry.block_changes import (
    BlockChanges,
    give,
    neighbour_serials,
    serials_taken,
)
from tanshi.registry.booking import valid_idempotency_key
from tanshi.registry.journal import canonical_form, chain_hash
from tanshi.rulebook.model import UnitKind
from tanshi.services.serial_blocks import (
    blocks_at,
    held_blocks,
    next_serials,
    write_block_changes,
)
from tanshi.store.schema import (
    accounts,
    holdings,
    journal_head,
    movement_blocks,
    movements,
    transactions,
    unit_classes,
)

# Statements are built once: building them per call cost more than running them.
# The journal head with the transaction that used the request's key, if any: one round trip.
_HEAD_AND_KEY = (
    select(
        journal_head.c.sequence,
        journal_head.c.entry_hash,
        transactions.c.id,
        transactions.c.fingerprint,
    )
    .select_from(
        journal_head.outerjoin(transactions, transactions.c.idempotency_key == bindparam("key"))
    )
    .where(journal_head.c.id == 1)
)
_HEAD_AND_KEY_FOR_UPDATE = _HEAD_AND_KEY.with_for_update(of=journal_head)
_LOCK = (
    select(holdings.c.account_id, holdings.c.unit_class_id, holdings.c.quantity_units)
    .where(
        tuple_(holdings.c.account_id, holdings.c.unit_class_id).in_(
            bindparam("keys", expanding=True)
        )
    )
    .order_by(holdings.c.account_id, holdings.c.unit_class_id)
)
_LOCK_FOR_UPDATE = _LOCK.with_for_update()
_ACCOUNTS = select(accounts).where(accounts.c.id.in_(bindparam("ids", expanding=True)))
_UNIT_CLASSES = select(unit_classes).where(unit_classes.c.id.in_(bindparam("ids", expanding=True)))
_INSERT_TRANSACTION = transactions.insert().returning(transactions.c.id)
_HEAD = select(journal_head.c.sequence, journal_head.c.entry_hash).where(journal_head.c.id == 1)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_ADVANCE_HEAD = (
    journal_head.update()
    .where(journal_head.c.id == 1)
    .values(sequence=bindparam("sequence"), entry_hash=bindparam("entry_hash"))
)
_INSERT_MOVEMENT = movements.insert().returning(movements.c.id, sort_by_parameter_order=True)
_INSERT_MOVEMENT_BLOCK = movement_blocks.insert()
_HOLDING = and_(
    holdings.c.account_id == bindparam("account"),
    holdings.c.unit_class_id == bindparam("unit_class"),
)
_DEBIT = (
    holdings.update()
    .where(_HOLDING)
    .values(quantity_units=holdings.c.quantity_units + bindparam("delta"))
)


def _upsert(dialect: Any) -> Any:
    statement = dialect.insert(holdings).values(
        account_id=bindparam("account"),
        unit_class_id=bindparam("unit_class"),
        allows_negative=bindparam("allows_negative"),
        quantity_units=bindparam("delta"),
    )
    return statement.on_conflict_do_update(
        index_elements=[holdings.c.account_id, holdings.c.unit_class_id],
        set_={"quantity_units": holdings.c.quantity_units + statement.excluded.quantity_units},
    )


_UPSERT = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to a request: its result code and, if executed, its transaction id.

    ``replayed`` is True when the idempotency key had been used before with the same request
    and the first outcome is returned instead of executing again.
    """

    result: ResultCode
    transaction_id: int | None = None
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.result is ResultCode.OK


def execute(engine: Engine, request: TransactionRequest) -> Outcome:
    """Execute ``request`` in its own database transaction."""
    with engine.begin() as connection:
        return execute_in(connection, request)


def execute_in(connection: Connection, request: TransactionRequest) -> Outcome:
    """Execute ``request`` inside the caller's database transaction.

    On any result other than OK nothing is written; the caller decides whether to roll
    back its own other writes.
    """
    if not valid_idempotency_key(request.idempotency_key):
        return Outcome(ResultCode.IDEMPOTENCY_KEY_INVALID)
    # The journal head is locked first: registry writes are serialised (each entry's hash
    # needs the one before it), and taking this lock before any holding lock rules out
    # deadlocks between transactions that debit and credit the same accounts.
    head = connection.execute(
        _HEAD_AND_KEY_FOR_UPDATE if connection.dialect.name == "postgresql" else _HEAD_AND_KEY,
        {"key": request.idempotency_key},
    ).one()
    if head.id is not None:
        return _replayed(request, head.id, head.fingerprint)
    debited = sorted({(m.from_account, m.unit_class) for m in request.movements})
    current = _lock_holdings(connection, debited)
    account_ids = {m.from_account for m in request.movements} | {
        m.to_account for m in request.movements
    }
    known_accounts = load_accounts(connection, account_ids)
    known_classes = load_unit_classes(connection, {m.unit_class for m in request.movements})
    result = check_request(request, known_accounts, known_classes, current)
    if result is not ResultCode.OK:
        return Outcome(result)
    sources = {(m.from_account, m.unit_class) for m in request.movements}
    issuers = frozenset(a for a, _ in sources if known_accounts[a].allows_negative)
    held = held_blocks(connection, {key for key in sources if key[0] not in issuers})
    issuing = {unit_class for account, unit_class in sources if account in issuers}
    changes = BlockChanges()
    serials = serials_taken(
        request.movements, held, issuers, next_serials(connection, issuing), changes
    )
    if serials is None:
        return Outcome(ResultCode.SERIALS_NOT_HELD)
    assert request.booked_at.tzinfo is not None, "booked_at must be timezone-aware"
    booked_at = request.booked_at.astimezone(UTC)
    gifts = [
        (m.to_account, m.unit_class, r) for m, r in zip(request.movements, serials, strict=True)
    ]
    give(gifts, blocks_at(connection, neighbour_serials(gifts)), changes)
    write_block_changes(connection, changes)
    sequence = head.sequence + 1
    canonical = canonical_form(
        sequence, request.type_code, request.idempotency_key, booked_at,
        request.compliance_year, request.memo,
        [
            (m.from_account, m.to_account, m.unit_class, m.quantity_units,
             [(r.start, r.end) for r in ranges])
            for m, ranges in zip(request.movements, serials, strict=True)
        ],
    )  # fmt: skip
    entry_hash = chain_hash(head.entry_hash, canonical)
    transaction_id = connection.execute(
        _INSERT_TRANSACTION,
        {
            "type_code": request.type_code,
            "idempotency_key": request.idempotency_key,
            "fingerprint": request.fingerprint(),
            "booked_at": booked_at,
            "compliance_year": request.compliance_year,
            "memo": request.memo,
            "sequence": sequence,
            "previous_hash": head.entry_hash,
            "entry_hash": entry_hash,
        },
    ).scalar_one()
    connection.execute(_ADVANCE_HEAD, {"sequence": sequence, "entry_hash": entry_hash})
    movement_ids = (
        connection.execute(
            _INSERT_MOVEMENT,
            [
                {
                    "transaction_id": transaction_id,
                    "from_account_id": m.from_account,
                    "to_account_id": m.to_account,
                    "unit_class_id": m.unit_class,
                    "quantity_units": m.quantity_units,
                }
                for m in request.movements
            ],
        )
        .scalars()
        .all()
    )
    connection.execute(
        _INSERT_MOVEMENT_BLOCK,
        [
            {"movement_id": movement_id, "first_serial": r.start, "last_serial": r.end}
            for movement_id, ranges in zip(movement_ids, serials, strict=True)
            for r in ranges
        ],
    )
    _apply(connection, known_accounts, postings(request))
    return Outcome(ResultCode.OK, transaction_id)


def lock_journal_head(connection: Connection) -> Any:
    """Lock the journal head (PostgreSQL) and return it: every registry write takes it first.

    Anything that changes what a registry write checks (account statuses, proposals) takes
    this lock before reading, so it serialises with transactions and cannot deadlock with
    them. On SQLite, BEGIN IMMEDIATE already serialises writers.
    """
    return connection.execute(
        _HEAD_FOR_UPDATE if connection.dialect.name == "postgresql" else _HEAD
    ).one()


def _replayed(request: TransactionRequest, transaction_id: int, fingerprint: str) -> Outcome:
    """The outcome of a request whose idempotency key was used before."""
    if fingerprint != request.fingerprint():
        return Outcome(ResultCode.IDEMPOTENCY_KEY_REUSED)
    return Outcome(ResultCode.OK, transaction_id, replayed=True)


def _lock_holdings(
    connection: Connection, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    if not keys:
        return {}
    query = _LOCK_FOR_UPDATE if connection.dialect.name == "postgresql" else _LOCK
    return {(row[0], row[1]): row[2] for row in connection.execute(query, {"keys": keys})}


def _apply(
    connection: Connection, known_accounts: dict[int, Account], changes: list[tuple[int, int, int]]
) -> None:
    """Write the holdings changes: plain updates for debits, upserts for everything else."""
    debits, upserts = [], []
    for account_id, unit_class_id, delta in changes:
        account = known_accounts[account_id]
        values = {"account": account_id, "unit_class": unit_class_id, "delta": delta}
        if delta < 0 and not account.allows_negative:
            # The row exists: check_request saw enough units in it. An upsert would not do,
            # as its candidate row (a negative quantity) fails the CHECK before the conflict.
            debits.append(values)
        else:
            upserts.append({**values, "allows_negative": account.allows_negative})
    if debits:
        updated = connection.execute(_DEBIT, debits)
        assert updated.rowcount in (len(debits), -1), "a debited holding must exist"
    if upserts:
        connection.execute(_UPSERT[connection.dialect.name], upserts)


def load_accounts(connection: Connection, ids: Iterable[int]) -> dict[int, Account]:
    """The accounts with ``ids`` that exist."""
    rows = connection.execute(_ACCOUNTS, {"ids": list(ids)})
    return {
        row.id: Account(
            row.id, row.code, AccountKind(row.kind), AccountStatus(row.status), row.holder
        )
        for row in rows
    }


def load_unit_classes(connection: Connection, ids: Iterable[int]) -> dict[int, UnitClass]:
    """The unit classes with ``ids`` that exist."""
    rows = connection.execute(_UNIT_CLASSES, {"ids": list(ids)})
    return {
        row.id: UnitClass(
            row.id,
            row.code,
            row.unit_type,
            UnitKind(row.kind),
            row.jurisdiction,
            row.vintage,
            row.project,
            tuple(label for label in row.labels.split(",") if label),
        )
        for row in rows
    }


def balance(connection: Connection, account_id: int, unit_class_id: int) -> int:
    """The units of one class an account holds now."""
    value = connection.execute(
        select(holdings.c.quantity_units).where(
            and_(holdings.c.account_id == account_id, holdings.c.unit_class_id == unit_class_id)
        )
    ).scalar()
    return int(value or 0)


def derived_holdings(connection: Connection) -> dict[tuple[int, int], int]:
    """Holdings recomputed from the journal alone: Σ received − Σ sent per account and class."""
    sums: dict[tuple[int, int], int] = {}
    for account_column, sign in ((movements.c.to_account_id, 1), (movements.c.from_account_id, -1)):
        query = select(
            account_column, movements.c.unit_class_id, func.sum(movements.c.quantity_units)
        ).group_by(account_column, movements.c.unit_class_id)
        for account_id, unit_class_id, total in connection.execute(query):
            key = (account_id, unit_class_id)
            sums[key] = sums.get(key, 0) + sign * int(total)
    return {key: value for key, value in sums.items() if value}


def stored_holdings(connection: Connection) -> dict[tuple[int, int], int]:
    """The holdings table as it stands (zero rows left out)."""
    rows = connection.execute(
        select(holdings.c.account_id, holdings.c.unit_class_id, holdings.c.quantity_units)
    )
    return {(row[0], row[1]): int(row[2]) for row in rows if row[2]}


def units_moved(
    connection: Connection,
    type_code: str,
    *,
    from_account: int | None = None,
    to_account: int | None = None,
    unit_kind: UnitKind | None = None,
    compliance_year: int | None = None,
) -> int:
    """Total units moved by transactions of one type, filtered by accounts, kind and year."""
    query = (
        select(func.coalesce(func.sum(movements.c.quantity_units), 0))
        .select_from(movements.join(transactions).join(unit_classes))
        .where(transactions.c.type_code == type_code)
    )
    if from_account is not None:
        query = query.where(movements.c.from_account_id == from_account)
    if to_account is not None:
        query = query.where(movements.c.to_account_id == to_account)
    if unit_kind is not None:
        query = query.where(unit_classes.c.kind == unit_kind.value)
    if compliance_year is not None:
        query = query.where(transactions.c.compliance_year == compliance_year)
    return int(connection.execute(query).scalar_one())
