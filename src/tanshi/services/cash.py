"""The cash ledger on the database: accounts in fen, entries written once under their key.

``post_in`` writes one entry inside the caller's database transaction, so settlement can
write it together with the registry's delivery. Every cash account the entry touches is
locked first, in id order (on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers), so
cash writers cannot deadlock; a caller that also writes to the registry does that first
(the journal-head lock comes before any cash lock). The balances themselves are moved by a
database trigger on ``cash_movements`` (migration 0006_settlement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from tanshi.core.errors import StepRefused
from tanshi.core.issues import Issue
from tanshi.core.moments import to_utc
from tanshi.market.cash import (
    CashAccountKind,
    CashEntryKind,
    CashMovement,
    CashRequest,
    cash_allows_negative,
    check_cash,
)
from tanshi.reconciliation import Discrepancy
from tanshi.reconciliation.ledgers import cash_balance_differs, cash_not_balanced
from tanshi.store.schema import accounts, cash_accounts, cash_entries, cash_movements


@dataclass(frozen=True, slots=True)
class CashOutcome:
    """The entry written (or found under the same key), or every problem."""

    entry_id: int | None
    issues: tuple[Issue, ...] = ()
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.entry_id is not None and not self.issues


def bank_code(jurisdiction: str) -> str:
    return f"{jurisdiction}-CASH-BANK"


def clearing_cash_code(jurisdiction: str) -> str:
    return f"{jurisdiction}-CASH-CLEARING"


def fees_code(jurisdiction: str) -> str:
    return f"{jurisdiction}-CASH-FEES"


def participant_cash_code(registry_account_code: str) -> str:
    return f"{registry_account_code}-CASH"


def open_cash_account(
    connection: Connection,
    code: str,
    kind: CashAccountKind,
    currency: str,
    registry_account_id: int | None = None,
) -> int:
    """The id of cash account ``code``, opened on first use.

    Two writers opening the same account at once both get it: the insert does nothing on a
    conflict (the second waits for the first on PostgreSQL), then the row is read.
    """
    query = select(cash_accounts.c.id).where(cash_accounts.c.code == code)
    existing = connection.execute(query).scalar()
    if existing is not None:
        return int(existing)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(cash_accounts)
        .values(code=code, kind=kind.value, registry_account_id=registry_account_id,
                currency=currency, allows_negative=cash_allows_negative(kind))
        .on_conflict_do_nothing()
    )  # fmt: skip
    return int(connection.execute(query).scalar_one())


def participant_account(connection: Connection, registry_code: str, currency: str) -> int:
    """The cash account of the holder of registry account ``registry_code`` (opened once)."""
    registry_id = connection.execute(
        select(accounts.c.id).where(accounts.c.code == registry_code)
    ).scalar()
    if registry_id is None:
        raise StepRefused(Issue.of("unknown_account", "no registry account {code}; cash "
                                   "accounts belong to one", "account", code=registry_code))  # fmt: skip
    return open_cash_account(
        connection, participant_cash_code(registry_code), CashAccountKind.PARTICIPANT, currency,
        int(registry_id),
    )  # fmt: skip


def post_in(connection: Connection, request: CashRequest) -> CashOutcome:
    """Write ``request`` inside the caller's transaction, or nothing and every problem.

    The same key with the same request returns the first entry (``replayed``); the same key
    with another request is refused.
    """
    previous = connection.execute(
        select(cash_entries.c.id, cash_entries.c.fingerprint).where(
            cash_entries.c.idempotency_key == request.idempotency_key
        )
    ).first()
    if previous is not None:
        if previous.fingerprint != request.fingerprint():
            return CashOutcome(None, (Issue("idempotency_key_reused_with_different_request",
                                            "this key was used for another cash entry; choose "
                                            "a new key", request.idempotency_key),))  # fmt: skip
        return CashOutcome(int(previous.id), replayed=True)
    touched = sorted({a for m in request.movements for a in (m.from_account, m.to_account)})
    query = (
        select(cash_accounts.c.id, cash_accounts.c.kind, cash_accounts.c.balance_fen)
        .where(cash_accounts.c.id.in_(touched))
        .order_by(cash_accounts.c.id)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    rows = connection.execute(query).all()
    kinds = {row.id: CashAccountKind(row.kind) for row in rows}
    balances = {row.id: int(row.balance_fen) for row in rows}
    issues = check_cash(request, kinds, balances)
    if issues:
        return CashOutcome(None, tuple(issues))
    entry_id = connection.execute(
        cash_entries.insert()
        .values(idempotency_key=request.idempotency_key, kind=request.kind.value,
                fingerprint=request.fingerprint(), booked_at=to_utc(request.booked_at),
                memo=request.memo)
        .returning(cash_entries.c.id)
    ).scalar_one()  # fmt: skip
    connection.execute(
        cash_movements.insert(),
        [
            {"entry_id": entry_id, "from_cash_account_id": m.from_account,
             "to_cash_account_id": m.to_account, "amount_fen": m.amount_fen}
            for m in request.movements
        ],
    )  # fmt: skip
    return CashOutcome(int(entry_id))


def transfer_with_bank(
    engine: Engine,
    jurisdiction: str,
    currency: str,
    registry_code: str,
    amount_fen: int,
    key: str,
    now: datetime,
    *,
    deposit: bool,
) -> CashOutcome:
    """Pay money in (``deposit``) or out through the settlement bank."""
    with engine.connect() as connection, connection.begin() as transaction:
        bank = open_cash_account(connection, bank_code(jurisdiction), CashAccountKind.BANK,
                                 currency)  # fmt: skip
        participant = participant_account(connection, registry_code, currency)
        kind = CashEntryKind.DEPOSIT if deposit else CashEntryKind.WITHDRAWAL
        source, target = (bank, participant) if deposit else (participant, bank)
        outcome = post_in(
            connection,
            CashRequest(kind, key, (CashMovement(source, target, amount_fen),), now,
                        f"{kind.value} {registry_code}"),
        )  # fmt: skip
        if not outcome.ok:
            transaction.rollback()  # not even the accounts opened for it are kept
        return outcome


def balances(connection: Connection) -> dict[str, int]:
    """Every cash account's balance in fen, by code."""
    rows = connection.execute(select(cash_accounts.c.code, cash_accounts.c.balance_fen))
    return {row.code: int(row.balance_fen) for row in rows}


def cash_discrepancies(connection: Connection) -> list[Discrepancy]:
    """What is wrong with the cash ledger: balances that differ from Σ in − Σ out of the
    journal, and a ledger whose balances do not sum to zero (reconciliation.Discrepancy
    records: code, message, where). Empty when all is well."""
    derived: dict[int, int] = {}
    for column, sign in ((cash_movements.c.to_cash_account_id, 1),
                         (cash_movements.c.from_cash_account_id, -1)):  # fmt: skip
        query = select(column, func.sum(cash_movements.c.amount_fen)).group_by(column)
        for account, total in connection.execute(query):
            derived[account] = derived.get(account, 0) + sign * int(total)
    problems = []
    total_balance = 0
    for row in connection.execute(select(cash_accounts)):
        total_balance += int(row.balance_fen)
        if int(row.balance_fen) != derived.get(row.id, 0):
            problems.append(
                cash_balance_differs(row.code, int(row.balance_fen), derived.get(row.id, 0))
            )
    if total_balance != 0:
        problems.append(cash_not_balanced(total_balance))
    return problems
