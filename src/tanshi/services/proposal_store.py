"""The reads and writes of a proposal: prepared statements, sent together on PostgreSQL.

``services.lifecycle.propose_in`` decides; this module reads what it checks in one round
trip and records the proposal with its first event in one statement (PostgreSQL), or one by
one through SQLAlchemy on SQLite. Statements are built once (store/prepared.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, DateTime, String, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from tanshi.core.moments import day_bounds
from tanshi.registry import Account, UnitClass
from tanshi.registry.lifecycle import ProposalStatus, Rights
from tanshi.services.registry_access import account_from_row, unit_class_from_row
from tanshi.store.prepared import Prepared, pipeline
from tanshi.store.schema import (
    accounts,
    holdings,
    proposal_events,
    proposals,
    representatives,
    unit_classes,
)

# pg_advisory_xact_lock(PROPOSALS_LOCK, account id): the proposals of one source account.
PROPOSALS_LOCK = 7_401
_LOCK_SOURCE = Prepared(select(func.pg_advisory_xact_lock(PROPOSALS_LOCK, bindparam("account"))))
_ACCOUNT = Prepared(
    select(accounts.c.id, accounts.c.code, accounts.c.kind, accounts.c.status, accounts.c.holder)
    .where(accounts.c.id == bindparam("id"))
)  # fmt: skip
_UNIT_CLASS = Prepared(select(unit_classes).where(unit_classes.c.id == bindparam("id")))
_HELD = Prepared(
    select(holdings.c.account_id, holdings.c.unit_class_id, holdings.c.quantity_units)
    .where(holdings.c.account_id == bindparam("account"))
)  # fmt: skip
RIGHTS = Prepared(
    select(representatives.c.can_initiate, representatives.c.can_approve,
           representatives.c.can_view)
    .where(representatives.c.account_id == bindparam("account"),
           representatives.c.person == bindparam("person"))
)  # fmt: skip
# Units proposed from an account in [start, end) that did not fail and were not cancelled.
_SENT_BETWEEN = Prepared(
    select(func.coalesce(func.sum(proposals.c.quantity_units), 0)).where(
        proposals.c.source_account_id == bindparam("source"),
        proposals.c.proposed_at >= bindparam("start"),
        proposals.c.proposed_at < bindparam("end"),
        proposals.c.status != ProposalStatus.FAILED.value,
        proposals.c.status != ProposalStatus.CANCELLED.value,
    )
)
PROPOSAL_BY_KEY = Prepared(select(proposals).where(proposals.c.idempotency_key == bindparam("key")))
EVENT = Prepared(proposal_events.insert().values(
    {c: bindparam(c) for c in ("proposal_id", "at", "event", "actor", "result")}
))  # fmt: skip
_PROPOSAL_COLUMNS = ("idempotency_key", "type_code", "request", "source_account_id",
                     "quantity_units", "initiator", "status", "result", "proposed_at")  # fmt: skip


def _new_proposal(dialect: Any) -> Any:
    # A key taken meanwhile by a proposal from another account (under another lock) is no
    # error: the insert waits for that transaction, then inserts nothing; the first one wins.
    return (
        dialect.insert(proposals)
        .values({c: bindparam(c) for c in _PROPOSAL_COLUMNS})
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(proposals.c.id)
    )


_INSERT_SQLITE = Prepared(_new_proposal(sqlite))
_inserted = _new_proposal(postgresql).cte("new_proposal")
# PostgreSQL: the proposal and its "proposed" event in one statement.
_INSERT_WITH_EVENT = Prepared(
    proposal_events.insert()
    .from_select(["proposal_id", "at", "event", "actor", "result"], select(
        _inserted.c.id, bindparam("at", type_=DateTime(timezone=True)),
        bindparam("event", type_=String), bindparam("actor", type_=String),
        bindparam("event_result", type_=String),
    ))
    .returning(proposal_events.c.proposal_id)
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Seen:
    """What a proposal's checks read: accounts, unit classes, holdings of the sources, the
    initiator's rights on each source, and units already proposed today from the first."""

    accounts: dict[int, Account]
    classes: dict[int, UnitClass]
    held: dict[tuple[int, int], int]
    rights: list[Rights]
    sent_today: int


def local_day(timezone: str, now: datetime) -> tuple[datetime, datetime]:
    """The local calendar day of ``now`` in ``timezone``, as [start, end) in UTC."""
    zone = ZoneInfo(timezone)
    return day_bounds(now.astimezone(zone).date(), zone)


def read_for_proposal(
    connection: Connection, account_ids: Iterable[int], class_ids: Iterable[int],
    sources: list[int], initiator: str, today: tuple[datetime, datetime] | None, *,
    lock: bool,
) -> Seen:  # fmt: skip
    """One round trip on PostgreSQL: (the sources' locks, if ``lock``) then every read.

    ``today`` is the local day to sum proposed units over; None skips the sum (no limit).
    """
    with pipeline(connection) as send:
        if lock and connection.dialect.name == "postgresql":
            for source in sources:  # sorted: every proposal locks in the same order
                send(_LOCK_SOURCE, account=source)
        found = [send(_ACCOUNT, id=i) for i in sorted(set(account_ids))]
        kinds = [send(_UNIT_CLASS, id=i) for i in sorted(set(class_ids))]
        held = [send(_HELD, account=source) for source in sources]
        rights = [send(RIGHTS, account=source, person=initiator) for source in sources]
        sent = None
        if today is not None and sources:
            sent = send(_SENT_BETWEEN, source=sources[0], start=today[0], end=today[1])
    return Seen(
        {row.id: account_from_row(row) for pending in found for row in pending.rows()},
        {row.id: unit_class_from_row(row) for pending in kinds for row in pending.rows()},
        {(row.account_id, row.unit_class_id): int(row.quantity_units)
         for pending in held for row in pending.rows()},
        [rights_of(pending.first()) for pending in rights],
        0 if sent is None else int(sent.scalar() or 0),
    )  # fmt: skip


def rights_of(row: Any) -> Rights:
    if row is None:
        return Rights(initiate=False, approve=False, view=False)
    return Rights(row.can_initiate, row.can_approve, row.can_view)


def lock_sources(connection: Connection, sources: list[int]) -> None:
    """The sources' advisory locks on their own (PostgreSQL; SQLite needs none)."""
    if connection.dialect.name == "postgresql":
        with pipeline(connection) as send:
            for source in sources:
                send(_LOCK_SOURCE, account=source)


def insert_proposal(connection: Connection, row: dict[str, Any], actor: str) -> int | None:
    """Record a proposal and its "proposed" event; None if its key is taken (nothing written)."""
    if connection.dialect.name == "postgresql":
        return _INSERT_WITH_EVENT.scalar(
            connection, **row, at=row["proposed_at"], event="proposed", actor=actor,
            event_result=row["result"],
        )  # fmt: skip
    proposal = _INSERT_SQLITE.scalar(connection, **row)
    if proposal is not None:
        EVENT.rows(connection, proposal_id=proposal, at=row["proposed_at"], event="proposed",
                   actor=actor, result=row["result"])  # fmt: skip
    return proposal
