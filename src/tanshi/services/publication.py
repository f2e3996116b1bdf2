"""What a regulator publishes from the registry: holdings by account type, the full log (for
regulators and auditors) and the public log after the rulebook's delay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, and_, func, select
from sqlalchemy.orm import aliased

from tanshi.core.moments import from_store
from tanshi.registry.journal import utc_text
from tanshi.rulebook.in_force import optional_rule
from tanshi.rulebook.publication_rules import PublicationRule
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.views import Page, reading
from tanshi.store.engine import reader
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
    with reader(engine).connect() as connection:
        return [
            HoldingsLine(kind, code, int(n), int(q))
            for kind, code, n, q in connection.execute(query)
        ]


def _log_query(source, target) -> Select:
    """Every movement in journal order, with the accounts at both ends (one extractor for the
    regulator's log and the public one)."""
    return (
        select(
            transactions.c.sequence, transactions.c.booked_at, transactions.c.type_code,
            source.c.code, target.c.code, unit_classes.c.code, movements.c.quantity_units,
        )
        .select_from(movements.join(transactions).join(unit_classes))
        .join(source, source.c.id == movements.c.from_account_id)
        .join(target, target.c.id == movements.c.to_account_id)
        .order_by(transactions.c.sequence, movements.c.id)
    )  # fmt: skip


def transaction_log(engine: Engine, until: datetime | None = None) -> list[LogLine]:
    """Every movement in journal order, up to ``until`` (publication usually lags)."""
    query = _log_query(aliased(accounts), aliased(accounts))
    if until is not None:
        query = query.where(transactions.c.booked_at <= until)
    with reader(engine).connect() as connection:
        return [
            LogLine(sequence, booked_at, type_code, source, target, unit_class, int(quantity))
            for sequence, booked_at, type_code, source, target, unit_class, quantity
            in connection.execute(query)
        ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class PublicLog:
    """A page of the public transaction log and the rule that published it."""

    rule: PublicationRule
    published_before: date  # transactions booked before this day, in the jurisdiction's time
    next_release: date
    page: Page
    display_timezone: str  # the rule's display zone, else the jurisdiction's
    type_counts: dict[str, int]  # transaction type → published rows, before the type filter


def _published(query: Select, jurisdiction: Jurisdiction, rule: PublicationRule,
               cutoff: datetime, source: Any, target: Any) -> Select:  # fmt: skip
    """``query`` kept to what the rule publishes: booked before ``cutoff``, of the
    jurisdiction's units, none between two of the kinds the rule hides."""
    query = query.where(transactions.c.booked_at < cutoff,
                        unit_classes.c.jurisdiction == jurisdiction.code)  # fmt: skip
    hidden = rule.transaction_log_hidden_between
    if hidden:
        query = query.where(~and_(source.c.kind.in_(hidden), target.c.kind.in_(hidden)))
    return query


def public_transaction_log(
    engine: Engine, jurisdiction: Jurisdiction, now: datetime, *, limit: int | None,
    offset: int = 0, types: tuple[str, ...] = (),
) -> PublicLog | None:  # fmt: skip
    """The log as the rulebook's publication rule in force ``now`` publishes it: only what
    was booked before its cut-off, in the rule's fields, without transactions between the
    regulator's own accounts, of the transaction ``types`` asked for (all when empty); every
    row when ``limit`` is None (the CSV); None when the rulebook publishes no log."""
    rulebook = jurisdiction.rulebook
    zone = ZoneInfo(rulebook.rulebook.timezone)
    today = now.astimezone(zone).date()
    rule = optional_rule(rulebook.publication, today.year)
    if rule is None:
        return None
    before = rule.published_before(today)
    cutoff = datetime.combine(before, time(), zone).astimezone(UTC)
    # The rule's display zone, else the jurisdiction's own, as its pages show every moment.
    shown_in = rule.transaction_log_display_timezone or rulebook.rulebook.timezone
    display = ZoneInfo(shown_in)
    source, target = aliased(accounts), aliased(accounts)
    query = _published(_log_query(source, target).add_columns(source.c.holder, target.c.holder),
                       jurisdiction, rule, cutoff, source, target)  # fmt: skip
    counted = _published(
        select(transactions.c.type_code, func.count())
        .select_from(movements.join(transactions).join(unit_classes))
        .join(source, source.c.id == movements.c.from_account_id)
        .join(target, target.c.id == movements.c.to_account_id),
        jurisdiction, rule, cutoff, source, target,
    ).group_by(transactions.c.type_code)  # fmt: skip
    if types:
        query = query.where(transactions.c.type_code.in_(types))
    with reading(engine) as connection:
        type_counts = {code: int(n) for code, n in connection.execute(counted)}
        total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = connection.execute(query.limit(limit).offset(offset)).all()
    items = [
        {"transaction": int(row[0]), "completed_at": utc_text(from_store(row[1])),
         "completed_at_local": from_store(row[1]).astimezone(display).isoformat(
             timespec="microseconds"),
         "type": row[2], "from_account": row[3], "from_holder": row[7], "to_account": row[4],
         "to_holder": row[8], "unit_class": row[5], "quantity_units": int(row[6])}
        for row in rows
    ]  # fmt: skip
    page = Page(items, int(total), len(items) if limit is None else limit, offset)
    return PublicLog(rule, before, rule.next_release(today), page, shown_in,
                     dict(sorted(type_counts.items())))  # fmt: skip
