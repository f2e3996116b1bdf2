"""What a regulator publishes from the registry: holdings by account type, and the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from tanshi.store.schema import accounts, holdings, movements, transactions, unit_classes


@dataclass(frozen=True, slots=True)
class HoldingsLine:
    account_kind: str
    unit_class: str
    accounts: int
    quantity_units: int


@dataclass(frozen=True, slots=True)
class LogLine:
    """One movement of the public transaction log."""

    sequence: int
    booked_at: datetime
    type_code: str
    from_account: str
    to_account: str
    unit_class: str
    quantity_units: int


def holdings_by_kind(engine: Engine) -> list[HoldingsLine]:
    """Units held per account kind and unit class (issuance accounts show minus the issued)."""
    query = (
        select(
            accounts.c.kind, unit_classes.c.code, func.count(accounts.c.id),
            func.sum(holdings.c.quantity_units),
        )
        .select_from(holdings.join(accounts).join(unit_classes))
        .where(holdings.c.quantity_units != 0)
        .group_by(accounts.c.kind, unit_classes.c.code)
        .order_by(unit_classes.c.code, accounts.c.kind)
    )  # fmt: skip
    with engine.connect() as connection:
        return [
            HoldingsLine(kind, code, int(n), int(q))
            for kind, code, n, q in connection.execute(query)
        ]


def transaction_log(engine: Engine, until: datetime | None = None) -> list[LogLine]:
    """Every movement in journal order, up to ``until`` (publication usually lags)."""
    source, target = aliased(accounts), aliased(accounts)
    query = (
        select(
            transactions.c.sequence, transactions.c.booked_at, transactions.c.type_code,
            source.c.code, target.c.code, unit_classes.c.code, movements.c.quantity_units,
        )
        .select_from(movements.join(transactions).join(unit_classes))
        .join(source, source.c.id == movements.c.from_account_id)
        .join(target, target.c.id == movements.c.to_account_id)
        .order_by(transactions.c.sequence, movements.c.id)
    )  # fmt: skip
    if until is not None:
        query = query.where(transactions.c.booked_at <= until)
    with engine.connect() as connection:
        return [LogLine(*row[:6], int(row[6])) for row in connection.execute(query)]
